// Issue 20's Done-when, as a new user meets it: from the packed tarball, toy data of the user's own
// (made here, not an SDK world: T = 6 steps, 16-dim observations of a 4-dim state, 2 tasks; see
// own-data/toy-data.mjs), no encoder, through the 20 lines of JS of docs/own-data.md and through its
// three CLI commands, run as the shipped docs write them; then the same with an ONNX encoder (the
// pipeline command). Each answer is checked against the toy data's truth: the relation cell by cell,
// block sizes, and the blocks' R^2 against the true state coordinates (kernel ridge, held out).
import assert from 'node:assert/strict';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { formatNpy } from '../../src/io/npy.ts';
import { kernelRidgeR2 } from '../../src/metrics/identifiability.ts';
import { buildOnnxModel, denseLayer, type NodeSpec, type TensorSpec } from '../../src/onnx/builder.ts';
import { Specialists } from '../../src/specialist/model.ts';
import { brokenLinks, markdownFiles } from '../../scripts/docs/links.ts';
import { installConsumer, packTarball, run } from './harness.ts';
// @ts-expect-error: a plain .mjs module of the test (the user's own data generator)
import { TRUTH, toyData } from './own-data/toy-data.mjs';

const EPISODES = 1200;
type Toy = { states: { data: Float32Array; shape: number[] }; observations: { data: Float32Array; shape: number[] }; tasks: { data: Float32Array; shape: number[] } };

/** The code blocks of a given language in a Markdown file, in order. */
function codeBlocks(markdown: string, language: string): string[] {
  return [...markdown.matchAll(new RegExp('```' + language + '\\n([\\s\\S]*?)```', 'g'))].map((m) => m[1]);
}

/** A user's encoder: one dense layer 16 -> 16 with a leaky ReLU (invertible), as ONNX. */
function userEncoder(D: number): Uint8Array {
  const nodes: NodeSpec[] = [];
  const initializers: TensorSpec[] = [];
  const weight = Float32Array.from({ length: D * D }, (_, i) => (i % (D + 1) === 0 ? 1 : 0) + 0.2 * Math.sin(i * 2.3));
  const out = denseLayer(nodes, initializers, 'x', 'enc', weight, new Float32Array(D), D, D, { op: 'LeakyRelu', alpha: 0.2 });
  nodes.push({ op: 'Identity', inputs: [out], outputs: ['z'] });
  return buildOnnxModel({ inputs: [{ name: 'x', shape: ['batch', D] }], outputs: [{ name: 'z', shape: ['batch', D] }], initializers, nodes });
}

/**
 * R^2 of each head's block (at the steps its task owns, held out) against the task's true state
 * coordinates and against the other task's: high, and near zero.
 */
function blockScores(model: Specialists, toy: Toy, latents: Toy['observations'], tasks: number[]): { relevant: number; other: number }[] {
  const [n, T, D] = latents.shape;
  return tasks.map((task, j) => {
    const steps = TRUTH.relation.flatMap((row: number[], k: number) => (row[task] ? [2 * k, 2 * k + 1] : []));
    const rows = Math.min(600, n * steps.length);
    const z = new Float32Array(rows * D);
    const truth = (cols: number[]) => new Float32Array(rows * 2).map((_, q) => {
      const r = Math.floor(q / 2);
      return toy.states.data[((n - 1 - Math.floor(r / steps.length)) * T + steps[r % steps.length]) * 4 + cols[q % 2]];
    });
    for (let r = 0; r < rows; r++) {
      const at = (n - 1 - Math.floor(r / steps.length)) * T + steps[r % steps.length];
      z.set(latents.data.subarray(at * D, (at + 1) * D), r * D);
    }
    const block = model.transform({ data: z, shape: [rows, D] }, j);
    const score = (cols: number[]) => kernelRidgeR2(block, { data: truth(cols), shape: [rows, 2] }, { seed: 0 }).mean;
    return { relevant: score(TRUTH.blocks[task]), other: score(TRUTH.blocks[1 - task]) };
  });
}

function assertBlocks(model: Specialists, toy: Toy, latents: Toy['observations'], label: string): void {
  assert.deepEqual(model.supports.map((s) => s.length), [2, 2], `${label}: block sizes`);
  const scores = blockScores(model, toy, latents, [0, 1]);
  console.log(`${label}: block R^2 ${JSON.stringify(scores)}`);
  for (const s of scores) {
    assert.ok(s.relevant > 0.5, `${label}: a block explains its task's state coordinates poorly: ${JSON.stringify(scores)}`);
    assert.ok(s.other < 0.2, `${label}: a block carries the other task's coordinates: ${JSON.stringify(scores)}`);
  }
}

describe("the user's own data from the packed tarball (docs/own-data.md as shipped)", { timeout: 15 * 60_000 }, () => {
  const work = mkdtempSync(join(tmpdir(), 'specialist-own-data-'));
  const toy: Toy = toyData(EPISODES);
  let dir: string;
  let doc: string;
  let tarball: string;

  before(async () => {
    tarball = await packTarball(work);
    dir = await installConsumer(undefined, resolve('test/consumers/own-data'), join(work, 'project'), tarball);
    doc = readFileSync(join(dir, 'node_modules/specialist-sdk/docs/own-data.md'), 'utf8');
    writeFileSync(join(dir, 'latents.npy'), formatNpy(toy.observations));
    writeFileSync(join(dir, 'tasks.npy'), formatNpy(toy.tasks));
  });

  after(() => rmSync(work, { recursive: true, force: true }));

  it('every relative link of the shipped Markdown (README, docs, examples) resolves inside the package', () => {
    const root = join(dir, 'node_modules/specialist-sdk');
    const files = markdownFiles(root);
    assert.ok(files.includes('docs/own-data.md') && files.includes('docs/api/README.md'), files.join(', '));
    assert.deepEqual(brokenLinks(root, files), []);
  });

  it('the 20 lines of JS: no encoder, the true relation and blocks; the heads deployed on latents', async () => {
    const [snippet] = codeBlocks(doc, 'js');
    assert.ok(snippet.trim().split('\n').length <= 20, `the JS snippet has ${snippet.trim().split('\n').length} lines`);
    writeFileSync(join(dir, 'own.mjs'), snippet);
    const out = await run('node', ['own.mjs'], dir);
    const line = (key: string) => JSON.parse(out.split('\n').find((l) => l.startsWith(`${key} `))!.slice(key.length + 1));
    assert.deepEqual(line('relation'), TRUTH.relation, out);
    assert.deepEqual(line('deployed'), { block: [1, 2], prediction: [1, 2] });
    assertBlocks(Specialists.deserialise(readFileSync(join(dir, 'model.specialist'))), toy, toy.observations, 'JS');
  });

  it('the three CLI commands: structure --json, fit --structure, export-onnx', async () => {
    const [commands] = codeBlocks(doc, 'sh');
    const lines = commands.trim().split('\n');
    assert.equal(lines.length, 3);
    for (const line of lines) await run('sh', ['-c', line], dir);
    const structure = JSON.parse(readFileSync(join(dir, 'structure.json'), 'utf8'));
    assert.deepEqual(structure.relation, TRUTH.relation);
    assert.ok(readFileSync(join(dir, 'task-0.onnx')).length > 0);
    assertBlocks(Specialists.deserialise(readFileSync(join(dir, 'model.specialist'))), toy, toy.observations, 'CLI');
  });

  it('with an ONNX encoder: the pipeline command on observations gives the true relation and block sizes, with its verdict', async () => {
    const [, pipelines] = codeBlocks(doc, 'sh');
    const withEncoder = pipelines.trim().split('\n').find((l) => l.includes('--encoder'))!;
    writeFileSync(join(dir, 'obs.npy'), formatNpy(toy.observations));
    writeFileSync(join(dir, 'encoder.onnx'), userEncoder(16));
    writeFileSync(join(dir, 'truth.json'), JSON.stringify(TRUTH));
    // --alpha 0.01: the assertion asks for no false cell, which the default 0.05 gives up about once
    // in 20 runs by design (this data, seed 0: the null cell (0, 1) has p = 0.015 under the GCM, and
    // 0.06-0.29 under seeds 1-3); the true cells have p < 1e-90.
    const out = await run('sh', ['-c', `${withEncoder} --truth truth.json --device wasm --alpha 0.01`], dir);
    assert.match(out, /verdict {6}relation matches the truth/);
    assert.match(out, /verdict {6}block sizes match/);
    const summary = JSON.parse(readFileSync(join(dir, 'out/summary.json'), 'utf8'));
    assert.equal(summary.device.device, 'wasm');
    assert.deepEqual(summary.relation, TRUTH.relation);
  });

  it("examples/node, copied out of the package, installs with its README's line (the tarball) and runs as the README says", async () => {
    const example = join(work, 'example-node');
    cpSync(join(dir, 'node_modules/specialist-sdk/examples/node'), example, { recursive: true });
    const [commands] = codeBlocks(readFileSync(join(example, 'README.md'), 'utf8'), 'sh');
    const lines = commands.split('\n').map((l) => l.replace(/#.*$/, '').trim()).filter(Boolean);
    assert.match(lines[0], /^npm install \/path\/to\/specialist-sdk-0\.1\.0\.tgz$/);
    for (const line of lines) await run('sh', ['-c', line.replace('/path/to/specialist-sdk-0.1.0.tgz', tarball) + (line.startsWith('npm install') ? ' --no-audit --no-fund --prefer-offline' : '')], example);
    assert.ok(existsSync(join(example, 'heads.specialist')));
  });
});
