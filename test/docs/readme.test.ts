// The README's quick start runs as a user would run it: saved as an .mjs file inside the package
// (test-results/readme/, so that its imports of the package by name resolve to the built dist/)
// and run with node. It must print its verdict (the true relation, block sizes, high R^2 to the
// true block and low to the rest) and the shapes of one deployed block and prediction.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { it } from 'node:test';
import { generalistWorld } from '../../src/synthetic/generalist-world.ts';

it('the README quick start runs, finds the true relation and deploys a head', () => {
  const snippets = [...readFileSync('README.md', 'utf8').matchAll(/^```js\n([\s\S]*?)^```$/gm)].map((m) => m[1]);
  assert.equal(snippets.length, 1, 'one js block: the quick start');
  const code = snippets[0];
  assert.ok(code.split('\n').length <= 30, 'about 20 lines');
  const dir = join('test-results', 'readme');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'quick.mjs'), code);
  const r = spawnSync(process.execPath, [join(dir, 'quick.mjs')], { encoding: 'utf8', timeout: 180_000 });
  assert.equal(r.status, 0, `exit ${r.status} ${r.signal ?? ''}\n${r.stderr}`);
  // The verdict against the world's truth (relation, block sizes, R^2), then the deployed shapes.
  const world = generalistWorld({ episodes: 2, steps: 8, seed: 1 });
  const [N, M] = world.shapes.relation;
  assert.match(r.stdout, new RegExp(`^verdict +relation matches the truth \\(${N} segments x ${M} tasks\\)$`, 'm'), r.stdout);
  assert.match(r.stdout, /^verdict +block sizes (match|differ): task 0 \d+ \(true \d+\)/m);
  const r2 = /^verdict +block R² .*$/m.exec(r.stdout)?.[0] ?? '';
  const scores = [...r2.matchAll(/task \d+ ([\d.]+) \/ ([\d.]+)/g)].map((m) => [Number(m[1]), Number(m[2])]);
  assert.equal(scores.length, M, r2);
  for (const [relevant, other] of scores) assert.ok(relevant > 0.8 && other < 0.2, r2);
  const deployed = JSON.parse(/^deployed (.*)$/m.exec(r.stdout)![1]);
  assert.deepEqual(deployed.prediction, [1, world.params.taskDim], 'one prediction of the task dimension');
  assert.equal(deployed.block[0], 1);
});
