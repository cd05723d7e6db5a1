// Every ```js snippet of docs/guide.md runs as a user would run it: saved as an .mjs file and run
// with node. The file lies in test-results/guide/, inside the package, so that its import of the
// package by the name in package.json resolves to the built dist/ (Node's self-reference).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { it } from 'node:test';

const pkg = JSON.parse(readFileSync('package.json', 'utf8')).name as string;
const snippets = [...readFileSync('docs/guide.md', 'utf8').matchAll(/^```js\n([\s\S]*?)^```$/gm)].map((m) => m[1]);

/** What each snippet's output must show, in the guide's order. */
const EXPECTED: ((out: string) => void)[] = [
  (out) => assert.match(out, /accuracy: 1,\s+mcc: 1,/, 'Layer 1 recovers the seeded world'),
  (out) => {
    const [related, other] = out.trim().split('\n').slice(-2).map(Number);
    assert.ok(related >= 0.9 && other <= 0.05, `R² ${related} to the true block, ${other} to the rest`);
  },
  (out) => {
    const [byClass, byNearest] = out.trim().split(' ').slice(-2).map(Number);
    assert.ok(byClass >= 0.9 && byClass > byNearest + 0.05, `classify ${byClass}, the nearest code ${byNearest}`);
  },
  (out) => assert.match(out, /\[\s*\[\s*\d+,\s*\d+\s*\]/, 'the diagnostic reports dependent pairs'),
  (out) => {
    const lines = out.split('\n');
    assert.equal(lines[lines.indexOf('specialists...') + 1], '[]', 'the pipeline run has no warning');
  },
];

it('docs/guide.md has the snippets this test expects, each importing the package by name', () => {
  assert.equal(snippets.length, EXPECTED.length);
  for (const code of snippets) assert.match(code, new RegExp(`from '${pkg}'`));
});

snippets.forEach((code, i) => {
  it(`guide snippet ${i + 1} runs and prints what the guide says`, () => {
    const dir = join('test-results', 'guide');
    mkdirSync(dir, { recursive: true });
    const file = join(dir, `snippet-${i + 1}.mjs`);
    writeFileSync(file, code);
    const r = spawnSync(process.execPath, [file], { encoding: 'utf8', timeout: 180_000 });
    assert.equal(r.status, 0, `exit ${r.status} ${r.signal ?? ''}\n${r.stderr}`);
    EXPECTED[i](r.stdout);
  });
});
