// Shared by the scale tests: unequal shard sizes, slices of a world, a sharded run in this thread
// (accumulate, encode, decode, merge, broadcast, decide), and the comparison with a pooled run.
import assert from 'node:assert/strict';
import type { KernelRuntime } from '../../src/kernels/runtime.ts';
import { StatisticsAccumulator } from '../../src/scale/accumulator.ts';
import type { Statistics } from '../../src/scale/statistics.ts';
import { decideFromStatistics, mergeStatistics, nextRound } from '../../src/scale/rounds.ts';
import type { ShardSettings } from '../../src/scale/settings.ts';
import { decodeBroadcast, decodeStatistics, encodeBroadcast, encodeStatistics } from '../../src/scale/wire.ts';
import type { StructureResult } from '../../src/structure/decide.ts';
import type { StructureWorld } from '../../src/synthetic/structure-worlds.ts';
import { createRng } from '../helpers.ts';

/** Unequal shard sizes summing to n, each at least `min`. */
export function shardSizes(n: number, shards: number, seed: number, min = 3): number[] {
  const rng = createRng(seed);
  const weights = Array.from({ length: shards }, () => 0.2 + rng.next() * 3);
  const total = weights.reduce((a, b) => a + b, 0);
  const sizes = weights.map((w) => min + Math.floor(((n - min * shards) * w) / total));
  // Spread what the rounding left over, one episode per shard.
  for (let j = 0, left = n - sizes.reduce((a, b) => a + b, 0); left > 0; j = (j + 1) % shards, left--) sizes[j]++;
  return sizes;
}

export function episodes(world: StructureWorld, from: number, to: number) {
  const [, T, d] = world.shapes.states;
  const [, M, dg] = world.shapes.tasks;
  return {
    states: { data: world.states.subarray(from * T * d, to * T * d), shape: [to - from, T, d] },
    tasks: { data: world.tasks.subarray(from * M * dg, to * M * dg), shape: [to - from, M, dg] },
  };
}

/** Every round of a sharded run in this thread: shards accumulate, files go over the wire, merge, decide. */
export async function shardedRun(settings: ShardSettings, world: StructureWorld, sizes: number[], kernels: KernelRuntime, order?: number[]): Promise<StructureResult> {
  const bounds = sizes.map((_, j) => sizes.slice(0, j).reduce((a, b) => a + b, 0));
  const rounds: Statistics[] = [];
  let broadcast = null;
  for (;;) {
    const files: Uint8Array[] = [];
    for (let j = 0; j < sizes.length; j++) {
      const acc = await StatisticsAccumulator.create(settings, { shardId: `shard-${j}`, kernels, broadcast: broadcast ? decodeBroadcast(encodeBroadcast(broadcast), settings) : undefined });
      const { states, tasks } = episodes(world, bounds[j], bounds[j] + sizes[j]);
      acc.add(states, tasks);
      files.push(encodeStatistics(acc.statistics()));
    }
    const received = (order ?? files.map((_, j) => j)).map((j) => decodeStatistics(files[j]));
    const merged = mergeStatistics(received);
    rounds.push(merged);
    broadcast = nextRound(merged);
    if (!broadcast) break;
  }
  return decideFromStatistics(rounds);
}

export function assertSameRelation(sharded: StructureResult, pooled: StructureResult, tolerance = 1e-9): number {
  assert.deepEqual(sharded.relation, pooled.relation);
  assert.equal(sharded.conditioning, pooled.conditioning);
  const flat = (r: StructureResult) => [...r.directPValues.flat(), ...r.pValues.flat(2), ...(r.diagnostic?.pValues.flat() ?? [])].filter((p): p is number => p !== null);
  const [a, b] = [flat(sharded), flat(pooled)];
  assert.equal(a.length, b.length);
  let worst = 0;
  a.forEach((p, j) => {
    const q = b[j];
    const rel = p === q ? 0 : Math.abs(p - q) / Math.max(Math.abs(p), Math.abs(q));
    worst = Math.max(worst, rel);
    assert.ok(rel <= tolerance, `p-value ${j}: sharded ${p}, pooled ${q} (relative ${rel.toExponential(2)})`);
  });
  return worst;
}

