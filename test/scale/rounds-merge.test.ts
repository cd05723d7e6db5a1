// Layer 1 from merged statistics equals the pooled run: worlds no other test uses, shards of
// unequal sizes (2 to 64), Fisher z and RCoT, p-values within 1e-9 relative.
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { KernelRuntime } from '../../src/kernels/runtime.ts';
import { calibrateShards } from '../../src/scale/calibrate.ts';
import type { ShardSettings } from '../../src/scale/settings.ts';
import { discoverTaskStructure } from '../../src/structure/discover.ts';
import { linearColliderWorld, nonlinearWorld } from '../../src/synthetic/structure-worlds.ts';
import { assertSameRelation, episodes, shardedRun, shardSizes } from './shards.ts';

describe('Layer 1 from merged statistics', () => {
  let kernels: KernelRuntime;
  before(async () => {
    kernels = await KernelRuntime.create({ build: 'simd' });
  });

  for (const [seed, shards, method] of [[9101, 2, 'direct'], [9102, 17, 'pairwise'], [9103, 64, 'direct']] as const) {
    it(`Fisher z, linear world seed ${seed}, ${shards} unequal shards, ${method}: the pooled run's relation and p-values`, async (t) => {
      const world = linearColliderWorld({ episodes: 3000, steps: 12, tasks: 3, dim: 2, seed });
      const settings: ShardSettings = { steps: 12, dim: 2, tasks: 3, segmentLength: 2, method };
      const sizes = shardSizes(3000, shards, seed);
      const sharded = await shardedRun(settings, world, sizes, kernels);
      const pooled = await discoverTaskStructure({ data: world.states, shape: world.shapes.states }, { data: world.tasks, shape: world.shapes.tasks }, { segmentLength: 2, test: 'fisherz', method, conditioning: sharded.conditioning }, { kernels });
      const worst = assertSameRelation(sharded, pooled);
      t.diagnostic(`largest relative difference of a p-value: ${worst.toExponential(2)}`);
    });
  }

  for (const [seed, shards] of [[9201, 3], [9202, 40]] as const) {
    it(`RCoT, nonlinear world seed ${seed}, ${shards} unequal shards: the pooled run (same calibration) in two rounds`, async (t) => {
      const world = nonlinearWorld({ episodes: 1500, steps: 8, tasks: 2, seed });
      const base: ShardSettings = { steps: 8, dim: 1, tasks: 2, segmentLength: 2, seed: 5 };
      const settings = calibrateShards(base, episodes(world, 0, 300), { expectedEpisodes: 1500 });
      const sharded = await shardedRun(settings, world, shardSizes(1500, shards, seed), kernels);
      const test = settings.test as { name: 'rcot'; options: object };
      const pooled = await discoverTaskStructure({ data: world.states, shape: world.shapes.states }, { data: world.tasks, shape: world.shapes.tasks }, { segmentLength: 2, test, seed: 5 }, { kernels });
      t.diagnostic(`largest relative difference of a p-value: ${assertSameRelation(sharded, pooled).toExponential(2)}`);
    });
  }
});
