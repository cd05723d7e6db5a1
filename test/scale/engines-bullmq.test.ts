// The sharded pipeline on BullMQ with a real Redis (Debian's redis-server) and two worker
// processes: Fisher z and RCoT give the pooled run's relation and p-values; a worker killed
// mid-shard and a Redis restart lose no shard and count none twice.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Queue, QueueEvents } from 'bullmq';
import { Generalist } from '../../src/generalist/generalist.ts';
import { writeNpyFile } from '../../src/node/npy-file.ts';
import { KernelRuntime } from '../../src/kernels/runtime.ts';
import { calibrateShards } from '../../src/scale/calibrate.ts';
import { submitShardedJob, waitForShardedJob, type BullmqEngine, type ShardedJobResult, type ShardSource } from '../../src/scale/engines/bullmq.node.ts';
import type { ShardSettings } from '../../src/scale/settings.ts';
import { Specialists } from '../../src/specialist/model.ts';
import { discoverTaskStructure } from '../../src/structure/discover.ts';
import { generalistWorld } from '../../src/synthetic/generalist-world.ts';
import { linearColliderWorld, nonlinearWorld, type StructureWorld } from '../../src/synthetic/structure-worlds.ts';
import { killOnExit, startRedis, stopChild, waitForOutput, type Redis } from './servers.ts';
import { episodes, shardSizes } from './shards.ts';

function samePValues(result: ShardedJobResult, pooled: { relation: number[][]; directPValues: (number | null)[][] }): number {
  assert.deepEqual(result.relation, pooled.relation);
  let worst = 0;
  pooled.directPValues.flat().forEach((q, j) => {
    const p = result.directPValues!.flat()[j] as number;
    const rel = p === q ? 0 : Math.abs(p - (q as number)) / Math.max(p, q as number);
    assert.ok(rel <= 1e-9, `p-value ${j}: ${p} vs pooled ${q}`);
    worst = Math.max(worst, rel);
  });
  return worst;
}

describe('sharded pipeline on BullMQ and Redis', { timeout: 240_000 }, () => {
  let redis: Redis | undefined;
  let dir: string;
  let engine: BullmqEngine;
  let kernels: KernelRuntime;
  const workers: ChildProcess[] = [];

  const startWorker = async (prefix: string) => {
    const child = killOnExit(spawn(process.execPath, ['--import', 'tsx', '--import', './test/node-services.ts', 'scripts/scale-worker.ts'], {
      env: { ...process.env, REDIS_URL: `redis://127.0.0.1:${redis!.port}`, SCALE_PREFIX: prefix, SCALE_LOCK_MS: '2000', SCALE_STALLED_MS: '1000' },
      stdio: ['ignore', 'pipe', 'pipe'],
    }));
    workers.push(child);
    await waitForOutput(child, 'ready', 30_000);
    return child;
  };

  const writeShards = async (world: StructureWorld, sizes: number[], tag: string): Promise<ShardSource[]> => {
    let at = 0;
    const out: ShardSource[] = [];
    for (const [j, size] of sizes.entries()) {
      const { states, tasks } = episodes(world, at, at + size);
      at += size;
      const shard = { shardId: `${tag}-${j}`, statesPath: join(dir, `${tag}-${j}.states.npy`), tasksPath: join(dir, `${tag}-${j}.tasks.npy`) };
      await writeNpyFile(shard.statesPath, states);
      await writeNpyFile(shard.tasksPath, tasks);
      out.push(shard);
    }
    return out;
  };

  before(async () => {
    redis = await startRedis();
    dir = mkdtempSync(join(tmpdir(), 'scale-bullmq-'));
    engine = { connection: { host: '127.0.0.1', port: redis.port, maxRetriesPerRequest: null }, prefix: 'equal' };
    kernels = await KernelRuntime.create({ build: 'simd' });
  });
  after(async () => {
    await Promise.all(workers.map((w) => stopChild(w)));
    await redis?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('Fisher z (9 unequal shards) and RCoT (5 shards, two rounds) on two worker processes: the pooled run', async (t) => {
    await Promise.all([startWorker('equal'), startWorker('equal')]);
    const linear = linearColliderWorld({ episodes: 2000, steps: 10, tasks: 3, seed: 9401 });
    const settings: ShardSettings = { steps: 10, dim: 1, tasks: 3, segmentLength: 2 };
    const id = await submitShardedJob(engine, { settings, shards: await writeShards(linear, shardSizes(2000, 9, 9401), 'lin') });
    const result = await waitForShardedJob(engine, id, 120_000);
    const pooled = await discoverTaskStructure({ data: linear.states, shape: linear.shapes.states }, { data: linear.tasks, shape: linear.shapes.tasks }, { segmentLength: 2, test: 'fisherz', conditioning: 'all-states' }, { kernels });
    t.diagnostic(`Fisher z: largest relative p-value difference ${samePValues(result, pooled).toExponential(2)}`);
    assert.equal(result.episodes, 2000);

    const nonlinear = nonlinearWorld({ episodes: 1000, steps: 6, tasks: 2, seed: 9402 });
    const rcot = calibrateShards({ steps: 6, dim: 1, tasks: 2, segmentLength: 2, seed: 2 }, episodes(nonlinear, 0, 200), { expectedEpisodes: 1000 });
    const id2 = await submitShardedJob(engine, { settings: rcot, shards: await writeShards(nonlinear, shardSizes(1000, 5, 9402), 'nl') });
    const result2 = await waitForShardedJob(engine, id2, 120_000);
    const pooled2 = await discoverTaskStructure({ data: nonlinear.states, shape: nonlinear.shapes.states }, { data: nonlinear.tasks, shape: nonlinear.shapes.tasks }, { segmentLength: 2, test: rcot.test as { name: 'rcot' }, seed: 2 }, { kernels });
    t.diagnostic(`RCoT: largest relative p-value difference ${samePValues(result2, pooled2).toExponential(2)}`);
  });

  it('shards that encode their observations and keep samples: Layer 1 as pooled, heads back through Redis sealed with the encoder', async (t) => {
    const world = generalistWorld({ episodes: 900, steps: 6, seed: 9405 });
    const [n, T, D] = world.shapes.observations;
    const [, M, dg] = world.shapes.tasks;
    const encoderPath = join(dir, 'encoder.onnx');
    writeFileSync(encoderPath, world.encoderOnnx);
    const shards: ShardSource[] = [];
    let at = 0;
    for (const [j, size] of shardSizes(n, 4, 9405).entries()) {
      const shard = { shardId: `obs-${j}`, statesPath: join(dir, `obs-${j}.observations.npy`), tasksPath: join(dir, `obs-${j}.tasks.npy`) };
      await writeNpyFile(shard.statesPath, { data: world.observations.subarray(at * T * D, (at + size) * T * D), shape: [size, T, D] });
      await writeNpyFile(shard.tasksPath, { data: world.tasks.subarray(at * M * dg, (at + size) * M * dg), shape: [size, M, dg] });
      at += size;
      shards.push(shard);
    }
    const settings: ShardSettings = { steps: T, dim: D, tasks: M, taskDim: dg, segmentLength: 2, conditioning: 'all-states' };
    // Few epochs: this checks what travels (the sample, the heads file), not the fit (test/scale/pipeline.test.ts).
    const id = await submitShardedJob(engine, { settings, shards, encoderPath, sampleSize: 300, sampleSeed: 1, options: { specialists: { epochs: 3 }, seed: 1 } });
    const result = await waitForShardedJob(engine, id, 120_000);
    assert.equal(result.episodes, n);
    assert.equal(result.sampleEpisodes, 300);
    const generalist = await Generalist.load(world.encoderOnnx);
    const latents = await generalist.encode({ data: world.observations, shape: [n * T, D] });
    await generalist.dispose();
    const pooled = await discoverTaskStructure({ data: latents.data, shape: [n, T, D] }, { data: world.tasks, shape: world.shapes.tasks }, { segmentLength: 2, test: 'fisherz', conditioning: 'all-states' }, { kernels });
    t.diagnostic(`largest relative p-value difference ${samePValues(result, pooled).toExponential(2)}`);
    assert.ok(result.heads, 'a heads file came back');
    const heads = Specialists.deserialise(new Uint8Array(Buffer.from(result.heads, 'base64')), { encoderSha256: generalist.modelSha256 });
    const fitted = Array.from({ length: M }, (_, i) => i).filter((i) => pooled.stepTasks.some((row) => row[i] === 1));
    assert.equal(heads.supports.length, fitted.length, 'one head per task with a step');
  });

  it('a shard that cannot be read fails its run with the reason, after its retries', async () => {
    const world = linearColliderWorld({ episodes: 300, steps: 6, tasks: 2, seed: 9404 });
    const shards = await writeShards(world, [150, 150], 'bad');
    shards[1] = { ...shards[1], statesPath: join(dir, 'missing.npy') };
    const id = await submitShardedJob(engine, { settings: { steps: 6, dim: 1, tasks: 2, segmentLength: 2 }, shards, attempts: 2 });
    await assert.rejects(waitForShardedJob(engine, id, 60_000), /missing\.npy|child/);
  });

  it('a worker killed mid-shard and a Redis restart: no shard lost, none counted twice', async () => {
    const prefix = 'faults';
    const faults = { ...engine, prefix };
    const events = new QueueEvents(`${prefix}-shards`, { connection: faults.connection });
    const queue = new Queue(`${prefix}-shards`, { connection: faults.connection });
    let stalled = 0;
    events.on('stalled', () => stalled++);
    try {
      await events.waitUntilReady();
      const victim = await startWorker(prefix);
      const world = nonlinearWorld({ episodes: 3000, steps: 6, tasks: 2, seed: 9403 });
      const settings = calibrateShards({ steps: 6, dim: 1, tasks: 2, segmentLength: 2 }, episodes(world, 0, 200), { expectedEpisodes: 3000 });
      const id = await submitShardedJob(faults, { settings, shards: await writeShards(world, shardSizes(3000, 4, 9403), 'f') });
      // Kill the only worker while it holds a shard job.
      const deadline = Date.now() + 60_000;
      while ((await queue.getActiveCount()) === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
      victim.kill('SIGKILL');
      await new Promise((r) => victim.once('exit', r));
      await startWorker(prefix);
      // Restart Redis while the survivor works (the append-only file keeps every job).
      await new Promise((r) => setTimeout(r, 300));
      await redis!.restart();
      const result = await waitForShardedJob(faults, id, 180_000);
      const pooled = await discoverTaskStructure({ data: world.states, shape: world.shapes.states }, { data: world.tasks, shape: world.shapes.tasks }, { segmentLength: 2, test: settings.test as { name: 'rcot' } }, { kernels });
      assert.equal(result.episodes, 3000, 'every episode counted once');
      samePValues(result, pooled);
      assert.ok(stalled >= 1, 'the killed worker\'s job was taken back as stalled');
    } finally {
      await Promise.all([events.close(), queue.close()]);
    }
  });
});
