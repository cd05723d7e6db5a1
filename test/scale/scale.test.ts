// The pieces of a sharded run: moments merged pairwise against a two-pass reference, the episode
// sample merged in any order, settings and inputs refused with typed errors, 'auto' decided on a
// pilot, memory that does not grow with the episodes counted.
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { KernelRuntime } from '../../src/kernels/runtime.ts';
import { runReference } from '../../src/kernels/registry.ts';
import { StatisticsAccumulator } from '../../src/scale/accumulator.ts';
import { chooseShardTest } from '../../src/scale/calibrate.ts';
import { emptySample, mergeSamples, offerEpisodes, decodeSample, encodeSample } from '../../src/scale/sample.ts';
import { resolveShardSettings } from '../../src/scale/settings.ts';
import { covarianceOf, mergeMoments, mergePairwise } from '../../src/stats/moments.ts';
import { momentsOfRows } from '../../src/structure/ci/rcot/moments.ts';
import { linearColliderWorld, nonlinearWorld } from '../../src/synthetic/structure-worlds.ts';
import { assertClose, createRng, expectCode, randomMatrix } from '../helpers.ts';
import { episodes } from './shards.ts';

describe('scale parts', () => {
  let kernels: KernelRuntime;
  before(async () => {
    kernels = await KernelRuntime.create({ build: 'simd' });
  });

  it('moments of rows and their merges equal the two-pass covariance (mean 1e4, spread 1: no cancellation)', () => {
    const rng = createRng(9901);
    const m = randomMatrix(rng, 1000, 5);
    for (let i = 0; i < m.data.length; i++) m.data[i] += 1e4;
    const { means, cov } = runReference('covariance', { x: m });
    const whole = momentsOfRows(kernels, m.data, 1000, 5);
    const parts = [0, 7, 300, 301, 999, 1000].slice(1).map((end, j, ends) => {
      const start = j === 0 ? 0 : ends[j - 1];
      return momentsOfRows(kernels, m.data.subarray((j === 0 ? 0 : start) * 5, end * 5), end - (j === 0 ? 0 : start), 5);
    });
    for (const merged of [whole, mergePairwise(parts), parts.reduce(mergeMoments)]) {
      assert.equal(merged.n, 1000);
      assertClose(merged.mean, means, { rel: 1e-14 }, 'means');
      assertClose(covarianceOf(merged), cov, { rel: 1e-9, abs: 1e-12 }, 'covariance');
    }
  });

  it('the Layer 2 sample is the same whatever the order of merging, and round-trips its file', () => {
    const world = linearColliderWorld({ episodes: 300, steps: 8, tasks: 2, seed: 9902 });
    const shape = { steps: 8, dim: 1, tasks: 2, taskDim: 1 };
    const shards = [0, 1, 2].map((j) => {
      const { states, tasks } = episodes(world, j * 100, (j + 1) * 100);
      return offerEpisodes(emptySample(40, 7, shape), `s${j}`, 0, { data: states.data, shape: states.shape }, { data: tasks.data, shape: tasks.shape });
    });
    const a = mergeSamples(mergeSamples(shards[0], shards[1]), shards[2]);
    const b = mergeSamples(shards[2], mergeSamples(shards[1], shards[0]));
    assert.equal(a.priorities.length, 40);
    assert.deepEqual([...a.priorities], [...b.priorities]);
    assert.deepEqual([...a.states.data], [...b.states.data]);
    const back = decodeSample(encodeSample(a));
    assert.deepEqual([...back.tasks.data], [...a.tasks.data]);
    expectCode(() => mergeSamples(a, emptySample(41, 7, shape)), 'INVALID_ARGUMENT', /cannot be merged/);
    // Latents of two encoders mean different things: never one sample (the heads are sealed with the encoder).
    const other = decodeSample(encodeSample(emptySample(40, 7, shape, 'ab'.repeat(32))));
    assert.equal(other.encoderSha256, 'ab'.repeat(32));
    expectCode(() => mergeSamples(a, other), 'INVALID_ARGUMENT', /different encoders/);
  });

  it('bad settings and inputs are typed errors that name what is wrong', async () => {
    const base = { steps: 8, dim: 1, tasks: 2, segmentLength: 2 };
    await expectCode(() => resolveShardSettings({ ...base, segmentLength: 3 }), 'INVALID_ARGUMENT', /not a multiple of segmentLength 3/);
    await expectCode(() => resolveShardSettings({ ...base, test: { name: 'cmiknn' } as never }), 'INVALID_ARGUMENT', /kNN-CMI/);
    await expectCode(() => resolveShardSettings({ ...base, test: { name: 'rcot', options: {} } }), 'INVALID_ARGUMENT', /featuresZ fixed in advance/);
    await expectCode(() => resolveShardSettings({ ...base, test: { name: 'rcot', options: { featuresZ: 50 } } }), 'INVALID_ARGUMENT', /calibration/);
    await expectCode(() => resolveShardSettings({ ...base, steps: 0 }), 'INVALID_ARGUMENT', /steps must be an integer/);
    await expectCode(() => resolveShardSettings({ ...base, extra: 1 } as never), 'INVALID_ARGUMENT', /extra/);
    await expectCode(() => StatisticsAccumulator.create(base, { shardId: 'a b' }), 'INVALID_ARGUMENT', /shardId/);
    const relaxed = await KernelRuntime.create().catch(() => null);
    const acc = await StatisticsAccumulator.create(base, { shardId: 'ok', kernels });
    await expectCode(() => acc.add({ data: new Float32Array([NaN, ...new Array(15).fill(0)]), shape: [2, 8, 1] }, { data: new Float32Array(4), shape: [2, 2, 1] }), 'NON_FINITE', /states at episode 0, step 0/);
    await expectCode(() => acc.add({ data: new Float32Array(16), shape: [2, 8, 1] }, { data: new Float32Array(6), shape: [3, 2, 1] }), 'SHAPE_MISMATCH', /2 episodes but tasks hold 3/);
    if (relaxed?.build === 'relaxed-simd') {
      const world = nonlinearWorld({ episodes: 300, steps: 8, tasks: 2, seed: 9903 });
      const { settings } = await chooseShardTest(base, episodes(world, 0, 300), { expectedEpisodes: 100_000, kernels });
      if (settings.test !== 'fisherz') await expectCode(() => StatisticsAccumulator.create(settings, { shardId: 'r', kernels: relaxed }), 'INVALID_ARGUMENT', /deterministic kernel build/);
    }
  });

  it('memory does not grow with the episodes counted', async () => {
    const world = linearColliderWorld({ episodes: 2000, steps: 8, tasks: 2, seed: 9904 });
    const acc = await StatisticsAccumulator.create({ steps: 8, dim: 1, tasks: 2, segmentLength: 2 }, { shardId: 'm', kernels });
    const size = () => acc.statistics().parts.reduce((n, p) => n + p.mean.length + p.m2.length, 0);
    acc.add(episodes(world, 0, 10).states, episodes(world, 0, 10).tasks);
    const small = size();
    for (let b = 10; b < 2000; b += 199) acc.add(episodes(world, b, Math.min(2000, b + 199)).states, episodes(world, b, Math.min(2000, b + 199)).tasks);
    assert.equal(acc.count, 2000);
    assert.equal(size(), small);
  });

  it("'auto' before sharding: Fisher z on a linear pilot, RCoT on a nonlinear one at the run's size", async () => {
    const base = { steps: 8, dim: 1, tasks: 2, segmentLength: 2 };
    const linear = linearColliderWorld({ episodes: 400, steps: 8, tasks: 2, seed: 9905 });
    const a = await chooseShardTest(base, episodes(linear, 0, 400), { expectedEpisodes: 10_000, kernels });
    assert.equal(a.choice.test, 'fisherz');
    assert.equal(a.settings.test, 'fisherz');
    const nonlinear = nonlinearWorld({ episodes: 400, steps: 8, tasks: 2, seed: 9906 });
    const b = await chooseShardTest(base, episodes(nonlinear, 0, 400), { expectedEpisodes: 100_000, kernels });
    assert.equal(b.choice.test, 'rcot', b.choice.reason);
    assert.equal((b.settings.test as { name: string }).name, 'rcot');
    assert.match(b.choice.reason, /scaled by sqrt\(100000 \/ 400\)/);
  });
});
