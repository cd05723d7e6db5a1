// The shared validation layer (core/validate.ts) and where the entries use it: float64 that
// float32 cannot hold is named as such (not "Infinity", not "constant"), sizes that no array can
// hold are OUT_OF_MEMORY before any allocation, and data that carry nothing are refused by fit.
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { checkAllocation, checkCount, checkShape, toFloat32Checked } from '../../src/core/validate.ts';
import { parseNpy, formatNpy, toFloat32 } from '../../src/io/npy.ts';
import { fitSpecialists } from '../../src/specialist/fit.ts';
import { discoverTaskStructure } from '../../src/structure/discover.ts';
import { blocksWorld } from '../../src/synthetic/blocks-world.ts';
import { generalistWorld } from '../../src/synthetic/generalist-world.ts';
import { linearColliderWorld } from '../../src/synthetic/structure-worlds.ts';
import { createRng, expectCode } from '../helpers.ts';

const rng = createRng(9);
const normals = (n: number, scale = 1, offset = 0) => Float64Array.from({ length: n }, () => offset + scale * rng.normal());

it('float64 narrows to float32 unchanged when float32 can hold it', () => {
  const x = normals(300 * 4, 1e3);
  assert.deepEqual(toFloat32Checked('x', x, 300, 4), Float32Array.from(x));
  // A constant column is the caller's to judge (it is constant in float64 too).
  const constant = Float64Array.from({ length: 20 }, (_, i) => (i % 2 === 0 ? 5 : i));
  assert.equal(toFloat32Checked('x', constant, 10, 2)[0], 5);
  // Already float32: the same array.
  const f = new Float32Array(4);
  assert.equal(toFloat32Checked('x', f, 2, 2), f);
});

it('values beyond float32 range and spreads below its precision are named, with the column', async () => {
  const big = normals(40);
  big[13] = 1e300;
  const range = await expectCode(() => toFloat32Checked('latents', big, 20, 2), 'INVALID_ARGUMENT', "latents holds 1e+300 at row 6, column 1: beyond float32's range");
  assert.equal(range.details.reason, 'float32-range');
  // x + 1e8 with unit noise: float32 steps are 8 there, so the spread would be lost.
  const offset = normals(200 * 3);
  for (let i = 1; i < offset.length; i += 3) offset[i] += 1e8;
  const precision = await expectCode(() => toFloat32Checked('latents', offset, 200, 3), 'INVALID_ARGUMENT', 'latents column 1 varies by');
  assert.equal(precision.details.reason, 'float32-precision');
  assert.match(precision.message, /Subtract the column's mean/);
  // Tiny values that float32 flushes to zero.
  await expectCode(() => toFloat32Checked('x', normals(50, 1e-300), 50, 1), 'INVALID_ARGUMENT', 'keeps about 7 significant digits');
  // The same through a float64 .npy, as the CLI reads it.
  const npy = parseNpy(formatNpy({ shape: [200, 3], data: offset }), 'z.npy');
  await expectCode(() => toFloat32(npy, 'z.npy'), 'INVALID_ARGUMENT', 'z.npy column 1 varies by');
  const flat = parseNpy(formatNpy({ shape: [40], data: big }), 'v.npy');
  await expectCode(() => toFloat32(flat, 'v.npy'), 'INVALID_ARGUMENT', 'v.npy holds 1e+300 at index 13');
});

it('Layer 1 on float64 states: precision loss is named, not reported as a constant column', async () => {
  const world = linearColliderWorld({ episodes: 300, steps: 6, tasks: 1, seed: 2 });
  const states = Float64Array.from(world.states, (v) => v + 1e8);
  const tasks = Float64Array.from(world.tasks);
  const error = await expectCode(
    () => discoverTaskStructure({ data: states, shape: world.shapes.states }, { data: tasks, shape: world.shapes.tasks }, { segmentLength: 2 }),
    'INVALID_ARGUMENT',
    'states step 0, dim 0 varies by',
  );
  assert.equal(error.details.reason, 'float32-precision');
  states[7] = -3e39;
  await expectCode(() => discoverTaskStructure({ data: states, shape: world.shapes.states }, { data: tasks, shape: world.shapes.tasks }, { segmentLength: 2 }), 'INVALID_ARGUMENT', "states holds -3e+39 at episode 1, step 1, dim 0: beyond float32's range");
});

it('fit refuses constant latents and a task with constant targets', async () => {
  const n = 100;
  const world = blocksWorld({ n, seed: 1 });
  const targets = { data: world.y, shape: [n, 3, world.signalDims] };
  await expectCode(() => fitSpecialists({ data: new Float32Array(n * 10).fill(0.5), shape: [n, 10] }, targets, { epochs: 1 }), 'INVALID_ARGUMENT', 'latents are constant');
  const y = world.y.slice();
  for (let r = 0; r < n; r++) for (let j = 0; j < world.signalDims; j++) y[(r * 3 + 1) * world.signalDims + j] = 2;
  await expectCode(() => fitSpecialists({ data: world.z, shape: [n, 10] }, { data: y, shape: [n, 3, world.signalDims] }, { epochs: 1 }), 'INVALID_ARGUMENT', 'targets of task 1 are constant');
  // float64 latents with a large offset: named, not fitted on collapsed values.
  const z64 = Float64Array.from(world.z, (v) => v + 1e9);
  await expectCode(() => fitSpecialists({ data: z64, shape: [n, 10] }, targets, { epochs: 1 }), 'INVALID_ARGUMENT', 'float32');
});

it('counts and sizes are bounded before anything is allocated', async () => {
  assert.equal(checkCount('k', 5, 1, 10), 5);
  for (const bad of [0, 11, 2.5, NaN, '3', undefined]) await expectCode(() => checkCount('k', bad, 1, 10), 'INVALID_ARGUMENT', 'k must be an integer in [1, 10]');
  await expectCode(() => checkAllocation('x', 2 ** 30), 'OUT_OF_MEMORY', 'would take 4.0 GiB');
  assert.equal(checkShape('x', [2, 3]), 6);
  await expectCode(() => checkShape('x', [2, -3]), 'SHAPE_MISMATCH', 'non-negative integers');
  await expectCode(() => checkShape('x', [1e6, 1e6]), 'OUT_OF_MEMORY');
  // The synthetic worlds: 1e7 episodes x 100 steps would be 4 GB of states.
  await expectCode(() => linearColliderWorld({ episodes: 10_000_000, steps: 100, tasks: 2 }), 'OUT_OF_MEMORY', 'states [episodes, steps, dim] = [10000000, 100, 1]');
  await expectCode(() => blocksWorld({ n: 90_000_000 }), 'OUT_OF_MEMORY', 'targets [n, tasks, signalDims]');
  await expectCode(() => generalistWorld({ episodes: 5_000_000 }), 'OUT_OF_MEMORY', 'contributions');
  // Dims enter square maps whose cost is cubic: bounded before any is drawn.
  await expectCode(() => generalistWorld({ blockSizes: [200, 200, 200, 200, 200, 200] }), 'INVALID_ARGUMENT', 'latent dims (the block sizes and irrelevantDims) must be an integer in [1, 1024], got 1202');
  await expectCode(() => blocksWorld({ dims: 5000 }), 'INVALID_ARGUMENT', 'dims must be an integer in [1, 1024]');
  await expectCode(() => linearColliderWorld({ episodes: 100, steps: 4, tasks: 2, dim: 100_000 }), 'INVALID_ARGUMENT', 'dim must be an integer in [1, 1024]');
});
