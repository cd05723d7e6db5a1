// The package's types in consumer projects, from the packed tarball, with skipLibCheck off: a Node
// project (node16 resolution, lib ES2022 and @types/node, no DOM lib) gets the Node types; a
// browser bundle (bundler resolution, browser condition, lib ES2022 + DOM, no esnext.disposable)
// gets the browser types, without the Node-only exports. (Here rather than in npm test: three
// TypeScript compilations take half a minute.)
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { packTarball } from './harness.ts';

const ROOT = resolve('.');
const BIN = (name: string) => join(ROOT, 'node_modules', '.bin', name);

describe('types in consumer projects (no skipLibCheck)', () => {
  const work = mkdtempSync(join(tmpdir(), 'specialist-types-'));
  const project = join(work, 'consumer');
  after(() => rmSync(work, { recursive: true, force: true }));
  before(async () => {
    const tarball = await packTarball(work);
    const installed = join(project, 'node_modules', 'specialist-sdk');
    mkdirSync(installed, { recursive: true });
    execFileSync('tar', ['xzf', tarball, '-C', installed, '--strip-components=1']);
    // Its one dependency, and Node's types, from this repository's install.
    for (const dep of ['onnxruntime-web', 'onnxruntime-common', '@types/node', 'undici-types']) {
      if (!existsSync(join(ROOT, 'node_modules', dep))) continue;
      mkdirSync(join(project, 'node_modules', dep, '..'), { recursive: true });
      symlinkSync(join(ROOT, 'node_modules', dep), join(project, 'node_modules', dep));
    }
  });

  const typecheck = (name: string, source: string, options: Record<string, unknown>) => {
    writeFileSync(join(project, name), source);
    const config = join(project, `tsconfig.${name}.json`);
    writeFileSync(config, JSON.stringify({ compilerOptions: { strict: true, noEmit: true, skipLibCheck: false, target: 'ES2022', ...options }, files: [name] }));
    try {
      execFileSync(BIN('tsc'), ['-p', config], { encoding: 'utf8', cwd: project });
      return '';
    } catch (error) {
      return (error as { stdout: string }).stdout;
    }
  };
  const API = "import { generalistWorld } from 'specialist-sdk/lab';\nexport const used = [WorkerPool, discoverTaskStructure, SpecialistRuntime, WorkerSpecialistRuntime, runPipeline, generalistWorld];\n";

  it('Node (node16 resolution, lib ES2022 and @types/node, no DOM): the node entry and its types', () => {
    const errors = typecheck(
      'node.mts',
      "import { WorkerPool, discoverTaskStructure, runPipeline, readNpyFile } from 'specialist-sdk';\nimport { SpecialistRuntime, WorkerSpecialistRuntime } from 'specialist-sdk/deploy';\n" + API + 'export const file = readNpyFile;\n',
      { module: 'node16', moduleResolution: 'node16', lib: ['ES2022'], types: ['node'] },
    );
    assert.equal(errors, '');
  });

  it('a browser bundle (bundler resolution, browser condition, lib ES2022 + DOM, no esnext.disposable): the browser types, without Node-only exports', () => {
    const imports = "import { WorkerPool, discoverTaskStructure, runPipeline } from 'specialist-sdk';\nimport { SpecialistRuntime, WorkerSpecialistRuntime } from 'specialist-sdk/deploy';\n";
    const options = { module: 'ESNext', moduleResolution: 'bundler', customConditions: ['browser'], lib: ['ES2022', 'DOM'], types: [] };
    assert.equal(typecheck('browser.ts', imports + API, options), '');
    const nodeOnly = typecheck('browser-fs.ts', "import { readNpyFile } from 'specialist-sdk';\nexport const f = readNpyFile;\n", options);
    assert.match(nodeOnly, /has no exported member 'readNpyFile'/);
  });

  it('the README quick start compiles under strict TypeScript as written (Node)', () => {
    const js = (file: string) => [...readFileSync(join(project, 'node_modules/specialist-sdk', file), 'utf8').matchAll(/^```js\n([\s\S]*?)^```$/gm)].map((m) => m[1]);
    const options = { module: 'node16', moduleResolution: 'node16', lib: ['ES2022'], types: ['node'] };
    assert.equal(typecheck('quick-start.mts', js('README.md')[0] + 'export {};\n', options), '');
  });
});

