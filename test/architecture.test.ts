// The rules of docs/architecture.md, checked on the source: no import cycle (type imports
// included); each folder imports only what the layer table of docs/architecture.md allows (read
// from that page: this file keeps no copy); Node-only code in src/node/ and the CLI; host detection
// in core/platform.ts; public calls take Tensor; no hand-written source file grows past 450 lines;
// test/ mirrors src/; the kernel contract comes from assembly/.
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { it } from 'node:test';
import ts from 'typescript';

/** The layer table of docs/architecture.md: each folder and what it may import besides itself. */
function layerTable(): Record<string, readonly string[]> {
  const page = readFileSync('docs/architecture.md', 'utf8');
  const block = page.slice(page.indexOf('folder      holds'), page.indexOf('```', page.indexOf('folder      holds')));
  const rows = block
    .split('\n')
    .slice(1)
    .map((line) => line.match(/^(\w+)\/\s+.*?\s{2,}(\S.*)$/))
    .filter((m): m is RegExpMatchArray => m !== null);
  const folders = rows.map((m) => m[1]);
  return Object.fromEntries(
    rows.map((m, i) => {
      const may = m[2].trim();
      if (may === 'nothing') return [m[1], []];
      if (may === 'every folder below') return [m[1], folders.slice(i + 1)];
      return [m[1], may.split(',').map((f) => f.trim())];
    }),
  );
}
const ALLOWED = layerTable();
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
    assert.ok(from in ALLOWED, `src/${from}/ is not in the layer table of docs/architecture.md`);
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

it('the layer table read from docs/architecture.md names every folder of src/ with code', () => {
  const withCode = readdirSync('src').filter((d) => statSync(join('src', d)).isDirectory() && sourceFiles(join('src', d)).length > 0);
  assert.deepEqual(withCode.filter((d) => !(d in ALLOWED)), []);
  assert.ok(ALLOWED.core.length === 0 && ALLOWED.cli.includes('core') && !ALLOWED.cli.includes('cli'));
});

/** Node-only code: src/node/, the CLI (cli.ts and cli/) and the Node entries (*.node.ts). */
const nodeOnly = (file: string) => file.startsWith('src/node/') || file.startsWith('src/cli/') || file === 'src/cli.ts' || file.endsWith('.node.ts');

/** The identifiers a file's code uses (parsed: comments and strings do not count). */
function identifiersOf(file: string): Set<string> {
  const found = new Set<string>();
  const visit = (node: ts.Node): void => {
    if (ts.isIdentifier(node)) found.add(node.text);
    ts.forEachChild(node, visit);
  };
  visit(ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.ES2022, true));
  return found;
}

it("Node built-ins and onnxruntime-node are imported only by Node-only code (src/node/, the CLI, *.node.ts entries)", () => {
  const importsNode = /(?:from\s*|import\(\s*)'(?:node:[^']+|onnxruntime-node)'/;
  const found = files.filter((f) => importsNode.test(readFileSync(f, 'utf8')));
  assert.ok(found.includes('src/node/services.ts'), 'the check sees imports');
  assert.deepEqual(found.filter((f) => !nodeOnly(f)), []);
});

it('host detection lives in core/platform.ts: no other shared file reads process, window, location, navigator or crossOriginIsolated', () => {
  const HOST_GLOBALS = ['process', 'window', 'location', 'navigator', 'crossOriginIsolated'];
  const readers = files.filter((f) => HOST_GLOBALS.some((name) => identifiersOf(f).has(name)));
  assert.ok(readers.includes('src/core/platform.ts'), 'the check sees host globals');
  assert.deepEqual(readers.filter((f) => f !== 'src/core/platform.ts' && !nodeOnly(f)), []);
});

it('public calls take Tensor: a Matrix appears in no exported function or method of the entries but the lab kernel calls and CiTest.prepare', () => {
  const entries = ['src/node.ts', 'src/lab.node.ts', 'src/deploy.node.ts'];
  const program = ts.createProgram(entries, {
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.ESNext,
    moduleResolution: ts.ModuleResolutionKind.Bundler,
    allowImportingTsExtensions: true,
    noEmit: true,
    strict: true,
    skipLibCheck: true,
    types: ['node'],
  });
  const checker = program.getTypeChecker();
  const isMatrix = (type: ts.Type, depth: number, seen: Set<ts.Type>): boolean => {
    if (seen.has(type) || depth > 4) return false;
    seen.add(type);
    const symbol = type.aliasSymbol ?? type.getSymbol();
    const declared = symbol?.declarations?.[0]?.getSourceFile().fileName ?? '';
    if (symbol?.name === 'Matrix' && declared.endsWith('src/core/tensor.ts')) return true;
    if (type.isUnionOrIntersection()) return type.types.some((t) => isMatrix(t, depth, seen));
    if (symbol?.declarations?.some((d) => d.getSourceFile().isDeclarationFile)) return false; // lib types: Float32Array, AbortSignal...
    for (const arg of checker.getTypeArguments(type as ts.TypeReference) ?? []) if (isMatrix(arg, depth + 1, seen)) return true;
    if (type.getCallSignatures().length > 0) return false; // callbacks get, they do not take
    return checker.getPropertiesOfType(type).some((p) => p.valueDeclaration && isMatrix(checker.getTypeOfSymbol(p), depth + 1, seen));
  };
  const takesMatrix = (signature: ts.Signature) => signature.getParameters().some((p) => isMatrix(checker.getTypeOfSymbol(p), 0, new Set()));
  const found = new Set<string>();
  for (const entry of entries) {
    const module = checker.getSymbolAtLocation(program.getSourceFile(resolve(entry))!)!;
    for (const exported of checker.getExportsOfModule(module)) {
      const symbol = exported.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(exported) : exported;
      const type = checker.getTypeOfSymbol(symbol);
      if (type.getCallSignatures().some(takesMatrix)) found.add(exported.name);
      const instance = symbol.flags & ts.SymbolFlags.Class ? checker.getDeclaredTypeOfSymbol(symbol) : symbol.flags & ts.SymbolFlags.Interface ? checker.getDeclaredTypeOfSymbol(symbol) : undefined;
      for (const holder of [type, instance].filter((t): t is ts.Type => t !== undefined)) {
        for (const member of checker.getPropertiesOfType(holder)) {
          if (member.valueDeclaration && checker.getTypeOfSymbol(member).getCallSignatures().some(takesMatrix)) found.add(`${exported.name}.${member.name}`);
        }
      }
    }
  }
  // The kernel calls' inputs (KernelInput<N>) are generic, so the walk may not see their Matrix.
  const allowed = ['CiTest.prepare', 'runKernel', 'runKernelInWorker'];
  assert.ok(found.has('CiTest.prepare'), 'the check sees a Matrix parameter');
  assert.deepEqual([...found].filter((name) => !allowed.includes(name)), []);
});

it('test/ mirrors src/: each test file is named after the module or folder it tests (docs/architecture.md, Tests)', () => {
  const WHOLE_PACKAGE = ['docs', 'examples', 'consumers', 'reliability', 'fuzz'];
  const TOP = ['architecture', 'package', 'surface'];
  const tests = readdirSync('test', { recursive: true }).map(String).filter((f) => f.endsWith('.test.ts'));
  assert.ok(tests.length > 50, 'the check sees the tests');
  const strays = tests.filter((test) => {
    const dir = dirname(test);
    const name = basename(test, '.test.ts');
    if (WHOLE_PACKAGE.includes(test.split('/')[0])) return false;
    if (dir === '.') return !TOP.includes(name) && !existsSync(`src/${name}.ts`);
    if (!existsSync(join('src', dir))) return true;
    if (name === basename(dir)) return false;
    const tested = (module: string) => existsSync(join('src', dir, `${module}.ts`)) || existsSync(join('src', dir, module));
    const parts = name.split('-');
    return !parts.some((_, i) => tested(parts.slice(0, i + 1).join('-')));
  });
  assert.deepEqual(strays, []);
});
