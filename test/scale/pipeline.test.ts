// The sharded pipeline without an engine: shards of unequal sizes encode their observations with
// the generalist, accumulate Layer 1's statistics and keep a sample; the coordinator merges,
// decides and fits Layer 2 on the merged sample. Layer 1 equals the pooled run on all encoded
// episodes; the heads have the true blocks' sizes and are sealed with the shards' encoder.
// (At the paper's scale, n = 10,000 and T = 20: bench/scale.ts, part 'pipeline'.)
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { Generalist } from '../../src/generalist/generalist.ts';
import { KernelRuntime } from '../../src/kernels/runtime.ts';
import { finishRun, mergeRound, runShard } from '../../src/scale/pipeline.ts';
import type { ShardSettings } from '../../src/scale/settings.ts';
import { Specialists } from '../../src/specialist/model.ts';
import { discoverTaskStructure } from '../../src/structure/discover.ts';
import { generalistWorld } from '../../src/synthetic/generalist-world.ts';
import { expectCode } from '../helpers.ts';
import { assertSameRelation, shardSizes } from './shards.ts';

describe('the sharded pipeline (encode in the shards, Layer 2 on a merged sample)', { timeout: 180_000 }, () => {
  let kernels: KernelRuntime;
  before(async () => {
    kernels = await KernelRuntime.create({ build: 'simd' });
  });

  it('6 unequal shards of a generalist world: the pooled relation and p-values; heads of the true block sizes, sealed with the encoder', async (t) => {
    const world = generalistWorld({ episodes: 2400, steps: 8, seed: 9601 });
    const [n, T, D] = world.shapes.observations;
    const [, M, dg] = world.shapes.tasks;
    const settings: ShardSettings = { steps: T, dim: D, tasks: M, taskDim: dg, segmentLength: 2, conditioning: 'all-states' };
    const files: Uint8Array[] = [];
    const samples: Uint8Array[] = [];
    let at = 0;
    for (const [j, size] of shardSizes(n, 6, 9601).entries()) {
      const states = { data: world.observations.subarray(at * T * D, (at + size) * T * D), shape: [size, T, D] };
      const tasks = { data: world.tasks.subarray(at * M * dg, (at + size) * M * dg), shape: [size, M, dg] };
      at += size;
      const out = await runShard({ settings, shardId: `s${j}`, states, tasks, encoder: world.encoderOnnx, sampleSize: 1600, sampleSeed: 3 }, { kernels });
      files.push(out.statistics);
      samples.push(out.sample!);
    }
    const { merged, broadcast } = mergeRound(files);
    assert.equal(broadcast, null, 'Fisher z needs one round');
    const sharded = await finishRun([merged], samples, { seed: 1 }, { kernels });
    assert.equal(sharded.episodes, n);
    assert.equal(sharded.sampleEpisodes, 1600);
    assert.deepEqual(sharded.structure.relation.flat(), [...world.truth.relation], 'the true relation');

    const generalist = await Generalist.load(world.encoderOnnx);
    const latents = await generalist.encode({ data: world.observations, shape: [n * T, D] });
    await generalist.dispose();
    const pooled = await discoverTaskStructure({ data: latents.data, shape: [n, T, latents.shape[1]] }, { data: world.tasks, shape: world.shapes.tasks }, { segmentLength: 2, test: 'fisherz', conditioning: 'all-states' }, { kernels });
    t.diagnostic(`largest relative p-value difference ${assertSameRelation(sharded.structure, pooled).toExponential(2)}`);

    assert.ok(sharded.heads, 'heads fitted');
    const heads = Specialists.deserialise(sharded.heads, { encoderSha256: generalist.modelSha256 });
    const trueSizes = sharded.fittedTasks.map((i) => world.truth.blocks[i].length);
    t.diagnostic(`supports ${JSON.stringify(heads.supports.map((s) => s.length))}, true blocks ${JSON.stringify(trueSizes)}`);
    // Exact supports from two thirds of the episodes (with a third, 4,800 rows, task 1's block came out one short).
    assert.deepEqual(heads.supports.map((s) => s.length), trueSizes);
    expectCode(() => Specialists.deserialise(sharded.heads!, { encoderSha256: '0'.repeat(64) }), 'ENCODER_MISMATCH');
  });
});
