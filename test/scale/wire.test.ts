// The statistics file: a merge refuses other settings, a shard counted twice, another round's
// broadcast; a damaged or stale file is a typed error; merge order moves p-values by rounding only.
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { KernelRuntime } from '../../src/kernels/runtime.ts';
import { StatisticsAccumulator } from '../../src/scale/accumulator.ts';
import { decideFromStatistics, mergeStatistics } from '../../src/scale/rounds.ts';
import { decodeStatistics, encodeStatistics } from '../../src/scale/wire.ts';
import { encodeContainer, decodeContainer } from '../../src/io/container.ts';
import { linearColliderWorld } from '../../src/synthetic/structure-worlds.ts';
import { expectCode } from '../helpers.ts';
import { episodes, shardSizes } from './shards.ts';

const world = linearColliderWorld({ episodes: 600, steps: 8, tasks: 2, seed: 9301 });
const settings = { steps: 8, dim: 1, tasks: 2, segmentLength: 2 };

describe('statistics file', () => {
  let kernels: KernelRuntime;
  let files: Uint8Array[];
  before(async () => {
    kernels = await KernelRuntime.create({ build: 'simd' });
    const sizes = shardSizes(600, 12, 9301);
    files = [];
    let at = 0;
    for (const [j, size] of sizes.entries()) {
      const acc = await StatisticsAccumulator.create(settings, { shardId: `s${j}`, kernels });
      const { states, tasks } = episodes(world, at, at + size);
      // Episodes arrive in batches of any size: the statistics do not care.
      for (let b = 0; b < size; b += 7) acc.add({ data: states.data.subarray(b * 8, Math.min(size, b + 7) * 8), shape: [Math.min(size, b + 7) - b, 8, 1] }, { data: tasks.data.subarray(b * 2, Math.min(size, b + 7) * 2), shape: [Math.min(size, b + 7) - b, 2, 1] });
      at += size;
      files.push(encodeStatistics(acc.statistics()));
    }
  });

  it('merge order moves p-values by float64 rounding only (12 shards, 20 orders)', async () => {
    const reference = await decideFromStatistics([mergeStatistics(files.map((f) => decodeStatistics(f)))]);
    let worst = 0;
    for (let k = 0; k < 20; k++) {
      const order = files.map((_, j) => j).sort((a, b) => ((a * 7919 + k * 104729) % 13) - ((b * 7919 + k * 104729) % 13) || a - b);
      const merged = mergeStatistics(order.map((j) => decodeStatistics(files[j])));
      const result = await decideFromStatistics([merged]);
      assert.deepEqual(result.relation, reference.relation);
      result.directPValues.flat().forEach((p, j) => {
        const q = reference.directPValues.flat()[j] as number;
        worst = Math.max(worst, p === q ? 0 : Math.abs((p as number) - q) / q);
      });
    }
    assert.ok(worst < 1e-11, `worst relative difference ${worst}`);
  });

  it('a shard counted twice is refused, also inside a merged part', async () => {
    const parts = files.slice(0, 3).map((f) => decodeStatistics(f));
    await expectCode(() => mergeStatistics([...parts, decodeStatistics(files[1])]), 'INVALID_ARGUMENT', /shard "s1" is already counted/);
    const merged = mergeStatistics(parts);
    await expectCode(() => mergeStatistics([merged, decodeStatistics(files[2])]), 'INVALID_ARGUMENT', /already counted/);
    assert.equal(decodeStatistics(encodeStatistics(merged)).shards.join(), 's0,s1,s2');
  });

  it('statistics of other settings are refused (segment length, width, feature seed)', async () => {
    for (const other of [{ ...settings, segmentLength: 4 }, { ...settings, conditioning: 'neighbours' as const }, { ...settings, seed: 3 }]) {
      const acc = await StatisticsAccumulator.create(other, { shardId: 'x', kernels });
      const { states, tasks } = episodes(world, 0, 10);
      acc.add(states, tasks);
      await expectCode(() => mergeStatistics([decodeStatistics(files[0]), acc.statistics()]), 'INVALID_ARGUMENT', /other settings/);
    }
    const wide = await StatisticsAccumulator.create({ ...settings, dim: 2 }, { shardId: 'y', kernels });
    await expectCode(() => wide.add(episodes(world, 0, 10).states, episodes(world, 0, 10).tasks), 'SHAPE_MISMATCH', /\[n, 8, 2\]/);
  });

  it('a damaged file, a stale format version and a file of another format are typed errors', async () => {
    const bytes = files[0].slice();
    bytes[bytes.length - 3] ^= 0x10;
    await expectCode(() => decodeStatistics(bytes), 'INVALID_FILE', /checksum mismatch/);
    await expectCode(() => decodeStatistics(files[0].subarray(0, 100)), 'INVALID_FILE');
    const { metadata, tensors } = decodeContainer(files[0]);
    const stale = encodeContainer({ ...metadata, formatVersion: '0' }, Object.fromEntries(Object.entries(tensors).map(([k, t]) => [k, { shape: t.shape, data: t.data }])));
    const error = await expectCode(() => decodeStatistics(stale), 'INVALID_FILE', /format version 0/);
    assert.equal(error.details.reason, 'format-version');
    const other = encodeContainer({ ...metadata, format: 'specialist-model' }, {});
    await expectCode(() => decodeStatistics(other), 'INVALID_FILE', /not a specialist-statistics file/);
    const edited = encodeContainer({ ...metadata, episodes: '2' }, Object.fromEntries(Object.entries(tensors).map(([k, t]) => [k, { shape: t.shape, data: t.data }])));
    await expectCode(() => decodeStatistics(edited), 'INVALID_FILE', /episodes 2/);
  });

  it('holds no episode: one or two episodes are refused, and no row of the shard appears in the file', async () => {
    const acc = await StatisticsAccumulator.create(settings, { shardId: 'tiny', kernels });
    acc.add(episodes(world, 0, 2).states, episodes(world, 0, 2).tasks);
    await expectCode(() => encodeStatistics(acc.statistics()), 'INVALID_ARGUMENT', /give the episodes themselves away/);
    const acc5 = await StatisticsAccumulator.create(settings, { shardId: 'five', kernels });
    const { states } = episodes(world, 0, 5);
    acc5.add(states, episodes(world, 0, 5).tasks);
    const file = encodeStatistics(acc5.statistics());
    const values = new Set(Object.values(decodeContainer(file).tensors).flatMap((t) => Array.from(t.data)));
    for (const v of states.data) assert.ok(!values.has(v), `the value ${v} of an episode is in the file`);
  });
});
