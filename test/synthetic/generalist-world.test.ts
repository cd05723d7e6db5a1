// The embedded default world: its ONNX encoder computes phi(s) from o = f(s) (so f is inverted
// exactly), the truth is well formed, and the data are reproducible from the seed.
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { Generalist } from '../../src/generalist/generalist.ts';
import { runStages } from '../../src/onnx/export-network.ts';
import { generalistWorld, invert } from '../../src/synthetic/generalist-world.ts';
import { createRng } from '../../src/core/random.ts';
import { wellConditioned } from '../../src/synthetic/random-maps.ts';
import { assertClose, expectCode } from '../helpers.ts';

it('invert() gives the inverse of a well-conditioned matrix', () => {
  const m = wellConditioned(createRng(1), 6, 0.5, 2);
  const inv = invert(m);
  for (let i = 0; i < 6; i++) {
    for (let j = 0; j < 6; j++) {
      let s = 0;
      for (let k = 0; k < 6; k++) s += m.data[i * 6 + k] * inv.data[k * 6 + j];
      assert.ok(Math.abs(s - (i === j ? 1 : 0)) < 1e-9);
    }
  }
});

it('the ONNX generalist computes phi(s) from the observations', async () => {
  const world = generalistWorld({ episodes: 50, seed: 3 });
  const [n, T, D] = world.shapes.observations;
  assert.deepEqual([n, T, D], [50, 12, 9]);
  const encoder = await Generalist.load(world.encoderOnnx);
  const z = await encoder.encode({ data: world.observations, shape: [n, T, D] });
  assert.deepEqual(z.shape, [n, T, D]);
  const expected = runStages(world.states, n * T, world.truth.phi);
  assertClose(z.data, expected.data, { abs: 2e-4, rel: 2e-4 }, 'phi(s)');
  // phi entangles: every latent coordinate moves with more than one true coordinate.
  assert.ok(world.truth.phi[0].kind === 'dense' && world.truth.phi[0].w.every((v) => v !== 0));
});

it('latentWidth lifts phi(s) to W numbers, injectively, and leaves the narrow world as it was', async () => {
  const narrow = generalistWorld({ episodes: 30, seed: 4 });
  const wide = generalistWorld({ episodes: 30, seed: 4, latentWidth: 64 });
  // Same states, observations and tasks: the lift draws from its own stream.
  assert.deepEqual(wide.observations, narrow.observations);
  assert.deepEqual(wide.tasks, narrow.tasks);
  assert.equal(wide.params.latentWidth, 64);
  assert.equal(narrow.params.latentWidth, 9);
  const [n, T, D] = wide.shapes.observations;
  const encoder = await Generalist.load(wide.encoderOnnx);
  const z = await encoder.encode({ data: wide.observations, shape: [n, T, D] });
  assert.deepEqual(z.shape, [n, T, 64]);
  assertClose(z.data, runStages(wide.states, n * T, wide.truth.phi).data, { abs: 2e-4, rel: 2e-4 }, 'lift(phi(s))');
  // Injective: undoing the leaky ReLU leaves phi(s) A + b, so least squares on A recovers phi(s).
  const lift = wide.truth.phi[wide.truth.phi.length - 1];
  assert.ok(lift.kind === 'dense' && lift.din === D && lift.dout === 64);
  const inner = runStages(wide.states, n * T, narrow.truth.phi);
  const row = 5;
  const u = Array.from({ length: 64 }, (_, j) => { const v = z.data[row * 64 + j]; return (v >= 0 ? v : v / (lift.slope ?? 1)) - lift.b[j]; });
  // Normal equations A A^T y = A u (A is D x 64, row-major).
  const g = Array.from({ length: D }, (_, i) => Array.from({ length: D }, (_, k) => { let s = 0; for (let j = 0; j < 64; j++) s += lift.w[i * 64 + j] * lift.w[k * 64 + j]; return s; }));
  const r = Array.from({ length: D }, (_, i) => { let s = 0; for (let j = 0; j < 64; j++) s += lift.w[i * 64 + j] * u[j]; return s; });
  for (let c = 0; c < D; c++) for (let i = c + 1; i < D; i++) { const f = g[i][c] / g[c][c]; for (let k = c; k < D; k++) g[i][k] -= f * g[c][k]; r[i] -= f * r[c]; }
  const y = new Array<number>(D).fill(0);
  for (let i = D - 1; i >= 0; i--) { let s = r[i]; for (let k = i + 1; k < D; k++) s -= g[i][k] * y[k]; y[i] = s / g[i][i]; }
  assertClose(Float32Array.from(y), inner.data.subarray(row * D, row * D + D), { abs: 2e-3, rel: 2e-3 }, 'phi(s) from z');
  await expectCode(() => generalistWorld({ latentWidth: 4 }), 'INVALID_ARGUMENT', 'latentWidth');
});

it('truth: blocks partition the task coordinates, every task serves >= 2 segments, reproducible', () => {
  const a = generalistWorld({ episodes: 40, seed: 7 });
  const b = generalistWorld({ episodes: 40, seed: 7 });
  const c = generalistWorld({ episodes: 40, seed: 8 });
  assert.deepEqual(a.observations, b.observations);
  assert.deepEqual(a.tasks, b.tasks);
  assert.notDeepEqual(a.observations, c.observations);
  assert.deepEqual(a.truth.blocks, [[0, 1], [2, 3, 4], [5, 6]]);
  assert.deepEqual(a.truth.irrelevant, [7, 8]);
  const [N, M] = a.shapes.relation;
  for (let i = 0; i < M; i++) {
    let count = 0;
    for (let k = 0; k < N; k++) count += a.truth.relation[k * M + i];
    assert.ok(count >= 2, `task ${i} serves ${count} segments`);
  }
  assert.ok(a.tasks.every(Number.isFinite) && a.observations.every(Number.isFinite));
});

it('bad options are typed errors', async () => {
  await expectCode(() => generalistWorld({ steps: 7, segmentLength: 2 }), 'INVALID_ARGUMENT', 'multiple of segmentLength');
  await expectCode(() => generalistWorld({ taskDim: 1 }), 'INVALID_ARGUMENT', 'pins its block down');
});
