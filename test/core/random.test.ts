import assert from 'node:assert/strict';
import { it } from 'node:test';
import { createRng } from '../../src/core/random.ts';

it('the same seed gives the same stream; another seed another one', () => {
  const a = createRng(42), b = createRng(42), c = createRng(43);
  const sa = Array.from({ length: 100 }, () => a.next());
  assert.deepEqual(sa, Array.from({ length: 100 }, () => b.next()));
  assert.notDeepEqual(sa, Array.from({ length: 100 }, () => c.next()));
});

it('uniforms lie in [0, 1) with mean 1/2 and variance 1/12', () => {
  const rng = createRng(1);
  const n = 200_000;
  let sum = 0, sq = 0;
  for (let i = 0; i < n; i++) {
    const u = rng.next();
    assert.ok(u >= 0 && u < 1);
    sum += u;
    sq += u * u;
  }
  const mean = sum / n;
  assert.ok(Math.abs(mean - 0.5) < 4 * Math.sqrt(1 / 12 / n));
  assert.ok(Math.abs(sq / n - mean * mean - 1 / 12) < 0.002);
});

it('normals have mean 0, variance 1 and normal tails', () => {
  const rng = createRng(2);
  const n = 200_000;
  let sum = 0, sq = 0, beyond2 = 0;
  for (let i = 0; i < n; i++) {
    const z = rng.normal();
    sum += z;
    sq += z * z;
    if (Math.abs(z) > 1.959964) beyond2++;
  }
  assert.ok(Math.abs(sum / n) < 0.01);
  assert.ok(Math.abs(sq / n - 1) < 0.015);
  assert.ok(Math.abs(beyond2 / n - 0.05) < 0.003);
});

it('int(n) is uniform over 0..n-1 and forks are reproducible and distinct', () => {
  const rng = createRng(3);
  const counts = new Array(7).fill(0);
  for (let i = 0; i < 70_000; i++) counts[rng.int(7)]++;
  for (const c of counts) assert.ok(Math.abs(c - 10_000) < 450);
  const f1 = createRng(9).fork(), f2 = createRng(9).fork();
  assert.equal(f1.next(), f2.next());
  const parent = createRng(9);
  const child = parent.fork();
  assert.notEqual(parent.next(), child.next());
});
