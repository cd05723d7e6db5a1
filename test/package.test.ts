// The built package as consumers see it, from the packed tarball (`npm pack`): every export target
// exists with its own types; the browser entries reach no Node built-in and no onnxruntime-node;
// the deployment entry reaches no training code; publint and @arethetypeswrong/cli find no problem;
// README links point at files the package ships. (The types in consumer projects: test/consumers/.)
// Module formats: ES modules only. CommonJS consumers require() it on Node >= 20.19 (engines), where
// require(esm) works (test/consumers checks it), so attw's node16-from-CJS rule, which models
// TypeScript's node16 mode from before require(esm), is set aside (--ignore-rules cjs-resolves-to-esm).
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { publint } from 'publint';

const pkg = JSON.parse(readFileSync('package.json', 'utf8'));
const ROOT = resolve('.');
const BIN = (name: string) => join(ROOT, 'node_modules', '.bin', name);

/** The files an entry loads: itself and every chunk it imports, transitively. */
function graph(entry: string): string[] {
  const seen = new Set<string>();
  const visit = (file: string) => {
    if (seen.has(file)) return;
    seen.add(file);
    for (const m of readFileSync(`dist/${file}`, 'utf8').matchAll(/(?:from|import)\s*\(?\s*['"]\.\/([^'"]+)['"]/g)) visit(m[1]);
  };
  visit(entry);
  return [...seen];
}
const code = (entry: string) => graph(entry).map((f) => readFileSync(`dist/${f}`, 'utf8')).join('\n');

/** Every leaf of an exports condition tree. */
function leaves(conditions: unknown, path: string[] = []): [string[], Record<string, string>][] {
  if (typeof conditions === 'string') return [];
  const entries = Object.entries(conditions as Record<string, unknown>);
  if (entries.every(([, v]) => typeof v === 'string')) return [[path, conditions as Record<string, string>]];
  return entries.flatMap(([k, v]) => leaves(v, [...path, k]));
}

it('every export condition points at built files, with its own types first', () => {
  for (const [subpath, conditions] of Object.entries(pkg.exports as Record<string, unknown>)) {
    for (const [path, leaf] of leaves(conditions)) {
      const where = [subpath, ...path].join(' > ');
      assert.equal(Object.keys(leaf)[0], 'types', `${where}: types must come first`);
      for (const target of Object.values(leaf)) assert.ok(existsSync(target), `${where} -> ${target}`);
      // The types belong to the same entry as the code (browser.js has browser.d.ts, never node.d.ts).
      assert.equal(leaf.types.replace('./dist/types/', '').replace('.d.ts', ''), leaf.default.replace('./dist/', '').replace('.js', ''), where);
    }
  }
  assert.ok(existsSync(pkg.bin['specialist-sdk']));
});

it('the browser entries reach no Node built-in, no onnxruntime-node import and no require(); they start the worker in the form bundlers detect', () => {
  for (const entry of ['browser.js', 'worker.js', 'deploy.js', 'lab.js', 'scale.js']) {
    const text = code(entry);
    assert.doesNotMatch(text, /(?:from|import)\s*\(?\s*['"]node:/, `${entry} imports a node: module`);
    assert.doesNotMatch(text, /(?:from|import)\s*\(?\s*['"]onnxruntime-node['"]/, `${entry} imports onnxruntime-node`);
    assert.doesNotMatch(text, /\brequire\s*\(/, `${entry} calls require()`);
  }
  assert.match(code('browser.js'), /new Worker\(new URL\(["']\.\/worker\.js["'], import\.meta\.url\), \{ type: ["']module["']/);
  // And the Node entries do reach them, through their services chunk.
  for (const entry of ['node.js', 'cli.js', 'deploy.node.js', 'lab.node.js', 'worker.node.js', 'scale-bullmq.js']) assert.match(code(entry), /from ['"]node:worker_threads['"]/, entry);
});

it('the browser build run in Node says which entry to use instead of failing obscurely', () => {
  const script = "const { WorkerPool } = await import('./dist/browser.js'); await WorkerPool.create().catch((e) => console.log(e.code, e.message));";
  const out = execFileSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' });
  assert.match(out, /^UNSUPPORTED_BUILD A worker pool needs Node's services: import 'specialist-sdk' \(its node entry\)/);
});

it('the Node entry run from `node --input-type=module -e` starts its workers (they do not inherit the flag)', () => {
  const script = "const { WorkerPool } = await import('./dist/node.js'); const pool = await WorkerPool.create({ size: 1 }); console.log(pool.size); await pool.close();";
  const out = execFileSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', timeout: 30_000 });
  assert.equal(out.trim(), '1');
});

it('the built lab entry holds the laboratory tools, the main entry none of them, and the two share no name', async () => {
  const names = async (file: string) => Object.keys(await import(resolve(file))).sort();
  const [browser, node, lab, labNode] = await Promise.all(['dist/browser.js', 'dist/node.js', 'dist/lab.js', 'dist/lab.node.js'].map(names));
  // Values only: types leave no trace in the bundle (test/docs/api-reference.test.ts counts them).
  assert.ok(browser.length > 20 && node.length > browser.length, `${browser.length} / ${node.length}`);
  assert.deepEqual(labNode, lab);
  assert.deepEqual(lab.filter((name) => node.includes(name)), []);
  for (const tool of ['generalistWorld', 'glyphWorld', 'structureMetrics', 'OCR_MODEL_PATH', 'runKernel', 'createRng']) assert.ok(lab.includes(tool) && !node.includes(tool), tool);
});

it('specialist-sdk/scale pulls in no engine (bullmq, ioredis) and no encoder', () => {
  const text = code('scale.js');
  assert.doesNotMatch(text, /from ['"](bullmq|ioredis|miniflare)['"]/);
  assert.ok(text.includes('StatisticsAccumulator') && !text.includes('class Generalist'));
});

it('specialist-sdk/deploy loads no training code', () => {
  const text = code('deploy.js');
  for (const marker of ['class Trainer', 'class ResidentDense', 'fitSpecialists', 'adamStep', 'discoverTaskStructure']) {
    assert.ok(!text.includes(marker), `the deployment entry reaches ${marker}`);
  }
  assert.ok(text.includes('class SpecialistRuntime') && text.includes('class Generalist'));
});

it('the manifest: ES modules on Node >= 20.19, comlink bundled (no runtime dependency), MIT with LICENSE, repository, side effects named', () => {
  assert.equal(pkg.type, 'module');
  assert.equal(pkg.engines.node, '>=20.19');
  assert.deepEqual(Object.keys(pkg.dependencies), ['onnxruntime-web']);
  for (const entry of ['browser.js', 'worker.js']) assert.doesNotMatch(code(entry), /from ['"]comlink/);
  assert.equal(pkg.license, 'MIT');
  assert.match(readFileSync('LICENSE', 'utf8'), /^MIT License/);
  assert.ok(pkg.repository?.url);
  assert.ok(Array.isArray(pkg.sideEffects) && pkg.sideEffects.includes('./dist/worker.js'));
});

describe('the packed tarball', () => {
  const work = mkdtempSync(join(tmpdir(), 'specialist-pack-'));
  let tarball: string;
  let files: string[];

  before(() => {
    const [packed] = JSON.parse(execFileSync('npm', ['pack', '--json', '--pack-destination', work], { encoding: 'utf8' }));
    tarball = join(work, packed.filename);
    files = packed.files.map((f: { path: string }) => f.path);
  });
  after(() => rmSync(work, { recursive: true, force: true }));

  it('publint (strict) reports nothing', async () => {
    const { messages } = await publint({ pack: { tarball: readFileSync(tarball).buffer as ArrayBuffer }, strict: true, level: 'suggestion' });
    assert.deepEqual(messages, []);
  });

  it('@arethetypeswrong/cli finds no problem for any entry', () => {
    const out = execFileSync(BIN('attw'), [tarball, '--format', 'json', '--ignore-rules', 'cjs-resolves-to-esm'], { encoding: 'utf8' });
    const report = JSON.parse(out);
    const problems = Object.keys(report.problems ?? {}).filter((kind) => kind !== 'CJSResolvesToESM');
    assert.deepEqual(problems, [], JSON.stringify(report.problems, null, 1));
    assert.deepEqual(Object.keys(report.analysis.entrypoints).sort(), ['.', './browser', './deploy', './lab', './package.json', './scale', './scale/bullmq', './worker']);
  });

  it('ships LICENSE, README and every file the README links to', () => {
    assert.ok(files.includes('LICENSE') && files.includes('README.md'));
    const links = [...readFileSync('README.md', 'utf8').matchAll(/\]\((?!https?:|#)([^)#]+)/g)].map((m) => m[1]);
    assert.ok(links.length > 0);
    for (const link of links) assert.ok(files.includes(link.replace(/^\.\//, '')), `README links to ${link}, which the package does not ship`);
  });
});
