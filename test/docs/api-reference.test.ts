// The committed API reference (docs/api/) is what the generator makes from today's sources, and it
// documents every name the entries export. The names are read here from the entries' export
// statements with a plain parser, independently of the generator's use of the compiler.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { it } from 'node:test';
import { extractApi } from '../../scripts/docs/api-extract.ts';
import { API_DIR, staleApiPages } from '../../scripts/docs/api-reference.ts';

/** Names exported by an entry: `export { a, type B, c as d } from`, `export type {...}`, `export * from`. */
function exportedNames(file: string): string[] {
  const text = readFileSync(file, 'utf8').replace(/\/\/.*$/gm, '');
  const names: string[] = [];
  for (const m of text.matchAll(/export\s+(?:type\s+)?\{([^}]*)\}\s*from\s*'([^']+)'|export\s*\*\s*from\s*'([^']+)'/g)) {
    if (m[3]) names.push(...exportedNames(join(dirname(file), m[3])));
    else for (const spec of m[1].split(',').map((s) => s.trim()).filter(Boolean)) names.push(spec.replace(/^type\s+/, '').split(/\s+as\s+/).pop()!);
  }
  return names;
}

it('docs/api is up to date with the sources (else run npm run docs:api)', () => {
  assert.deepEqual(staleApiPages('.'), []);
});

it('docs/api documents every export of src/index.ts, src/node.ts, src/deploy.ts and src/lab.ts', () => {
  const reference = readdirSync(API_DIR).filter((f) => f.endsWith('.md')).map((f) => readFileSync(join(API_DIR, f), 'utf8')).join('\n');
  const documented = new Set([...reference.matchAll(/^### `([^`]+)` \(/gm)].map((m) => m[1]));
  for (const entry of ['src/index.ts', 'src/node.ts', 'src/deploy.ts', 'src/lab.ts']) {
    const names = exportedNames(entry);
    assert.ok(names.length >= (entry === 'src/deploy.ts' ? 10 : 50), `${entry}: only ${names.length} names parsed`);
    assert.deepEqual(names.filter((n) => !documented.has(n)), [], `${entry}: exports missing from docs/api`);
  }
});

it('the main entry, types included, has under 100 names in the browser and in Node, and shares none with the lab entry', () => {
  const [browser, node, lab] = ['src/index.ts', 'src/node.ts', 'src/lab.ts'].map(exportedNames);
  assert.ok(browser.length < 100 && node.length < 100, `${browser.length} names in the browser, ${node.length} in Node`);
  assert.deepEqual(lab.filter((name) => node.includes(name)), []);
});

it('every export of the entries has a doc comment, and no public signature names a type the entries do not export', () => {
  const { items } = extractApi('.');
  assert.ok(items.length > 150, `only ${items.length} items`);
  assert.deepEqual(items.filter((i) => i.exported && !i.doc).map((i) => `${i.name} (${i.source})`), [], 'exports without a doc comment');
  assert.deepEqual(items.filter((i) => !i.exported).map((i) => `${i.name} (${i.source})`), [], 'unexported types in public signatures');
});
