// The layer rules of docs/architecture.md, checked on the source: no import cycle (type imports
// included), each folder imports only the folders below it, the worker layer names no domain, the
// kernels reach only core, and no hand-written source file grows past ~450 lines.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { it } from 'node:test';

/** What each folder of src/ may import besides itself (top-level files are entries: anything). */
const ALLOWED: Record<string, readonly string[]> = {
  core: [],
  kernels: ['core'],
  stats: ['core'],
  io: ['core'],
  onnx: ['core'],
  metrics: ['core', 'stats'],
  worker: ['core', 'kernels'],
  structure: ['core', 'kernels', 'stats', 'worker'],
  specialist: ['core', 'kernels', 'stats', 'io', 'onnx', 'worker'],
  generalist: ['core', 'io', 'onnx'],
  synthetic: ['core', 'onnx'],
  pipeline: ['core', 'kernels', 'worker', 'structure', 'specialist', 'generalist'],
  deploy: ['core', 'generalist', 'specialist', 'worker'],
  report: ['core'],
  cli: ['core', 'kernels', 'stats', 'io', 'onnx', 'metrics', 'worker', 'structure', 'specialist', 'generalist', 'synthetic', 'pipeline', 'deploy', 'report'],
  node: ['core'],
  types: [],
};
const MAX_LINES = 450;

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { recursive: true })
    .map((f) => join(dir, String(f)))
    .filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts'));
}

/** Relative imports of a file (static, type-only, re-exports and literal dynamic imports), resolved. */
function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const found = [...text.matchAll(/(?:^|\n)\s*(?:import|export)\b[^'";]*?from\s*'(\.[^']+)'|import\(\s*'(\.[^']+)'\s*\)/g)];
  return found.map((m) => relative('.', resolve(dirname(file), m[1] ?? m[2])));
}

const files = sourceFiles('src');
const graph = new Map(files.map((f) => [f, importsOf(f)]));
const folderOf = (file: string) => (file.split('/').length > 2 ? file.split('/')[1] : undefined);

it('src has no import cycle, type imports included', () => {
  const state = new Map<string, 'open' | 'done'>();
  const cycles: string[] = [];
  const visit = (file: string, path: string[]) => {
    if (state.get(file) === 'done') return;
    if (state.get(file) === 'open') {
      cycles.push([...path.slice(path.indexOf(file)), file].join(' -> '));
      return;
    }
    state.set(file, 'open');
    for (const next of graph.get(file) ?? []) visit(next, [...path, file]);
    state.set(file, 'done');
  };
  for (const file of files) visit(file, []);
  assert.deepEqual(cycles, []);
});

it('each folder imports only the layers below it; worker names no domain; kernels reach only core', () => {
  const violations: string[] = [];
  for (const [file, imports] of graph) {
    const from = folderOf(file);
    if (from === undefined) continue; // entries compose everything
    assert.ok(from in ALLOWED, `src/${from}/ is not in the layer table of docs/architecture.md and this test`);
    for (const target of imports) {
      const to = folderOf(target);
      if (to === from) continue;
      if (to === undefined || !ALLOWED[from].includes(to)) violations.push(`${file} imports ${target}`);
    }
  }
  assert.deepEqual(violations, []);
  assert.deepEqual(ALLOWED.worker, ['core', 'kernels']);
  assert.deepEqual(ALLOWED.kernels, ['core']);
});

it(`no hand-written source file exceeds ${MAX_LINES} lines`, () => {
  const long = files
    .filter((f) => !f.endsWith('.generated.ts'))
    .map((f) => [f, readFileSync(f, 'utf8').split('\n').length] as const)
    .filter(([, lines]) => lines > MAX_LINES);
  assert.deepEqual(long, []);
});

it('the kernel contract has one source: the exports the runtime checks are the AssemblyScript ones', () => {
  const entry = readFileSync('assembly/index.ts', 'utf8');
  const declared = [...entry.matchAll(/export\s*\{([^}]*)\}\s*from/g)].flatMap((m) => m[1].split(',').map((s) => s.trim())).filter(Boolean);
  const generated = readFileSync('src/kernels/exports.generated.ts', 'utf8');
  const listed = JSON.parse(generated.match(/KERNEL_EXPORT_NAMES[^=]*=\s*(\[[^\]]*\])/)![1].replace(/'/g, '"'));
  assert.deepEqual(listed, declared, 'src/kernels/exports.generated.ts is stale: npm run build:wasm');
});
