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
