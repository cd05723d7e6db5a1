// The sharded pipeline measured (docs/scale.md). Parts (BENCH_PARTS, default all):
//   bullmq    Layer 1 through BullMQ + Redis with 1 and 2 worker processes against the pooled run
//             in this process: same relation, p-values' largest relative difference, wall times
//             (median of BENCH_RUNS, default 3); Fisher z at n = 10,000, T = 20, and RCoT
//   cost      the cost model's parts: accumulating a shard per episode, encoding its file, decoding
//             and merging one part, deciding; per width
//   bytes     the statistics file a device sends, per width W (measured up to W = 64, from the
//             formula beyond), and RCoT's two rounds
//   fleet     1,000 devices posting to the Durable Object under miniflare (16 at a time), the
//             result against the pooled run
//   pipeline  the sharded pipeline on a paper-scale world (generalistWorld, n = 10,000, T = 20,
//             encoder in each shard, Layer 2 on a merged sample) against runPipeline pooled
// Needs redis-server (Debian) for 'bullmq'. JSON: bench/results/scale-latest.json.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeNpyFile } from '../src/node/npy-file.ts';
import { KernelRuntime } from '../src/kernels/runtime.ts';
import { runPipeline } from '../src/pipeline/pipeline.ts';
import { StatisticsAccumulator } from '../src/scale/accumulator.ts';
import { calibrateShards } from '../src/scale/calibrate.ts';
import { submitShardedJob, waitForShardedJob, type ShardSource } from '../src/scale/engines/bullmq.node.ts';
import { finishRun, mergeRound, runShard } from '../src/scale/pipeline.ts';
import { decideFromStatistics, mergeStatistics, nextRound } from '../src/scale/rounds.ts';
import type { ShardSettings } from '../src/scale/settings.ts';
import { decodeStatistics, encodeBroadcast, encodeStatistics } from '../src/scale/wire.ts';
import { Specialists } from '../src/specialist/model.ts';
import { discoverTaskStructure } from '../src/structure/discover.ts';
import { generalistWorld } from '../src/synthetic/generalist-world.ts';
import { linearColliderWorld, nonlinearWorld, type StructureWorld } from '../src/synthetic/structure-worlds.ts';
import { startAggregator } from '../test/scale/fleet.ts';
import { killOnExit, startRedis, stopChild, waitForOutput } from '../test/scale/servers.ts';
import { episodes, shardSizes } from '../test/scale/shards.ts';
import { machine, time, writeResult } from './util.ts';
import { loadavg } from 'node:os';

const parts = new Set((process.env.BENCH_PARTS ?? 'bullmq,cost,bytes,fleet,pipeline').split(','));
const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const load = () => Math.round(loadavg()[0] * 100) / 100;
const log = (what: string, value: unknown) => console.error(`[scale] ${what}: ${JSON.stringify(value)}`);

function largestRelative(a: (number | null)[], b: (number | null)[]): number {
  let worst = 0;
  a.forEach((p, j) => {
    const q = b[j] as number;
    if (p !== null && p !== q) worst = Math.max(worst, Math.abs(p - q) / Math.max(Math.abs(p), Math.abs(q)));
  });
  return worst;
}

const tensors = (w: StructureWorld) => [{ data: w.states, shape: w.shapes.states }, { data: w.tasks, shape: w.shapes.tasks }] as const;

async function bullmqPart(kernels: KernelRuntime) {
  const redis = await startRedis();
  const dir = mkdtempSync(join(tmpdir(), 'bench-scale-'));
  const workers: ChildProcess[] = [];
  try {
    const out: Record<string, unknown>[] = [];
    const cases: { label: string; world: StructureWorld; settings: ShardSettings; shards: number; pooled: Parameters<typeof discoverTaskStructure>[2] }[] = [];
    const linear = linearColliderWorld({ episodes: 10_000, steps: 20, tasks: 4, seed: 9801 });
    cases.push({ label: 'fisherz n=10000 T=20 M=4, 32 shards', world: linear, settings: { steps: 20, dim: 1, tasks: 4, segmentLength: 2 }, shards: 32, pooled: { segmentLength: 2, conditioning: 'all-states' } });
    const nonlinear = nonlinearWorld({ episodes: 4000, steps: 12, tasks: 3, seed: 9802 });
    const rcot = calibrateShards({ steps: 12, dim: 1, tasks: 3, segmentLength: 2 }, episodes(nonlinear, 0, 300), { expectedEpisodes: 4000 });
    cases.push({ label: 'rcot n=4000 T=12 M=3, 16 shards', world: nonlinear, settings: rcot, shards: 16, pooled: { segmentLength: 2, test: rcot.test as { name: 'rcot' } } });
    for (const c of cases) {
      const sizes = shardSizes(c.world.shapes.states[0], c.shards, 9800);
      const shards: ShardSource[] = [];
      let at = 0;
      for (const [j, size] of sizes.entries()) {
        const { states, tasks } = episodes(c.world, at, at + size);
        at += size;
        const s = { shardId: `s${j}`, statesPath: join(dir, `${c.shards}-${j}.s.npy`), tasksPath: join(dir, `${c.shards}-${j}.t.npy`) };
        await writeNpyFile(s.statesPath, states);
        await writeNpyFile(s.tasksPath, tasks);
        shards.push(s);
      }
      let pooledResult: Awaited<ReturnType<typeof discoverTaskStructure>> | undefined;
      const pooled = await time(async () => {
        pooledResult = await discoverTaskStructure(...tensors(c.world), c.pooled, { kernels });
      }, RUNS, 1);
      const row: Record<string, unknown> = { case: c.label, pooled: { ...pooled, load: load() } };
      for (const count of [1, 2]) {
        const prefix = `bench${count}${c.shards}`;
        for (let k = 0; k < count; k++) {
          const child = killOnExit(spawn(process.execPath, ['--import', 'tsx', '--import', './test/node-services.ts', 'scripts/scale-worker.ts'], { env: { ...process.env, REDIS_URL: `redis://127.0.0.1:${redis.port}`, SCALE_PREFIX: prefix }, stdio: ['ignore', 'pipe', 'pipe'] }));
          workers.push(child);
          await waitForOutput(child, 'ready', 30_000);
        }
        const engine = { connection: { host: '127.0.0.1', port: redis.port, maxRetriesPerRequest: null }, prefix };
        let result: Awaited<ReturnType<typeof waitForShardedJob>> | undefined;
        const t = await time(async () => {
          result = await waitForShardedJob(engine, await submitShardedJob(engine, { settings: c.settings, shards }), 600_000);
        }, RUNS, 1);
        row[`workers${count}`] = {
          ...t,
          load: load(),
          sameRelation: JSON.stringify(result!.relation) === JSON.stringify(pooledResult!.relation),
          largestRelativePValueDifference: largestRelative(result!.directPValues!.flat(), pooledResult!.directPValues.flat()),
        };
        await Promise.all(workers.splice(0).map((w) => stopChild(w)));
      }
      log('bullmq', row);
      out.push(row);
    }
    return out;
  } finally {
    await Promise.all(workers.map((w) => stopChild(w)));
    await redis.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

async function costPart(kernels: KernelRuntime) {
  const out: Record<string, unknown>[] = [];
  for (const dim of [1, 8, 32]) {
    const settings: ShardSettings = { steps: 20, dim, tasks: 4, segmentLength: 2, conditioning: 'neighbours' };
    const n = 200;
    const rng = Float32Array.from({ length: n * 20 * dim }, (_, i) => Math.sin(i * 12.9898) * 43758.5453 % 1);
    const states = { data: rng, shape: [n, 20, dim] };
    const tasks = { data: Float32Array.from({ length: n * 4 }, (_, i) => Math.cos(i * 7.233) % 1), shape: [n, 4, 1] };
    let file: Uint8Array = new Uint8Array(0);
    const accumulate = await time(async () => {
      const acc = await StatisticsAccumulator.create(settings, { shardId: 'a', kernels });
      acc.add(states, tasks);
      file = encodeStatistics(acc.statistics());
    }, 5, 1);
    const parts = Array.from({ length: 8 }, (_, j) => ({ ...decodeStatistics(file), shards: [`p${j}`] }));
    const decode = await time(() => decodeStatistics(file), 5, 1);
    const merge = await time(() => mergeStatistics(parts), 5, 1);
    const decide = await time(() => decideFromStatistics([mergeStatistics(parts)]), 3, 1);
    const row = { dim, columns: 20 * dim + 4, fileBytes: file.length, accumulateMsPerEpisode: accumulate.medianMs / n, decodeMsPerPart: decode.medianMs, mergeMsPerPart: merge.medianMs / 7, decideMs: decide.medianMs, load: load() };
    log('cost', row);
    out.push(row);
  }
  return out;
}

async function bytesPart(kernels: KernelRuntime) {
  const fisherz: Record<string, unknown>[] = [];
  for (const W of [1, 8, 32, 64, 256, 1024]) {
    const settings: ShardSettings = { steps: 20, dim: W, tasks: 4, segmentLength: 2, conditioning: 'neighbours' };
    const columns = 20 * W + 4;
    const formula = 8 * (columns + (columns * (columns + 1)) / 2);
    let measured: number | null = null;
    if (W <= 64) {
      const acc = await StatisticsAccumulator.create(settings, { shardId: 'w', kernels });
      acc.add({ data: Float32Array.from({ length: 10 * 20 * W }, (_, i) => Math.sin(i)), shape: [10, 20, W] }, { data: Float32Array.from({ length: 40 }, (_, i) => Math.cos(i)), shape: [10, 4, 1] });
      measured = encodeStatistics(acc.statistics()).length;
    }
    fisherz.push({ W, columns, formulaBytes: formula, measuredBytes: measured });
  }
  const world = nonlinearWorld({ episodes: 400, steps: 20, tasks: 4, seed: 9803 });
  const rcot: Record<string, unknown>[] = [];
  for (const diagnostic of [true, false]) {
    const settings = calibrateShards({ steps: 20, dim: 1, tasks: 4, segmentLength: 2, diagnostic }, episodes(world, 0, 200), { expectedEpisodes: 10_000 });
    const acc = await StatisticsAccumulator.create(settings, { shardId: 'r', kernels });
    acc.add(...(Object.values(episodes(world, 0, 100)) as [never, never]));
    const round1 = acc.statistics();
    const broadcast = nextRound(mergeStatistics([round1]))!;
    const acc2 = await StatisticsAccumulator.create(settings, { shardId: 'r', kernels, broadcast });
    acc2.add(...(Object.values(episodes(world, 0, 100)) as [never, never]));
    rcot.push({ T: 20, M: 4, d: 1, featuresZ: 224, diagnostic, round1Bytes: encodeStatistics(round1).length, broadcastBytes: encodeBroadcast(broadcast).length, round2Bytes: encodeStatistics(acc2.statistics()).length });
  }
  log('bytes', { fisherz, rcot });
  return { fisherz, rcot };
}

async function fleetPart(kernels: KernelRuntime) {
  const aggregator = await startAggregator();
  try {
    const devices = 1000;
    const world = linearColliderWorld({ episodes: 10_000, steps: 20, tasks: 4, seed: 9804 });
    const settings: ShardSettings = { steps: 20, dim: 1, tasks: 4, segmentLength: 2 };
    const sizes = shardSizes(10_000, devices, 9804, 3);
    const bounds = sizes.map((_, j) => sizes.slice(0, j).reduce((a, b) => a + b, 0));
    const t0 = performance.now();
    const files: Uint8Array[] = [];
    for (let j = 0; j < devices; j++) {
      const acc = await StatisticsAccumulator.create(settings, { shardId: `device-${j}`, kernels });
      const { states, tasks } = episodes(world, bounds[j], bounds[j] + sizes[j]);
      acc.add(states, tasks);
      files.push(encodeStatistics(acc.statistics()));
    }
    const accumulateMs = performance.now() - t0;
    const t1 = performance.now();
    const statuses: number[] = [];
    for (let j = 0; j < devices; j += 16) {
      statuses.push(...(await Promise.all(files.slice(j, j + 16).map(async (body) => (await fetch(new URL('/statistics?run=fleet', aggregator.url), { method: 'POST', body: body as unknown as BodyInit })).status))));
    }
    const postMs = performance.now() - t1;
    const replay = await Promise.all(files.slice(0, 20).map(async (body) => (await fetch(new URL('/statistics?run=fleet', aggregator.url), { method: 'POST', body: body as unknown as BodyInit })).status));
    const t2 = performance.now();
    const result = (await (await fetch(new URL('/result?run=fleet', aggregator.url))).json()) as { relation: number[][]; directPValues: (number | null)[][]; episodes: number; shards: number };
    const resultMs = performance.now() - t2;
    const pooled = await discoverTaskStructure(...tensors(world), { segmentLength: 2 }, { kernels });
    const row = {
      devices,
      episodesPerDevice: [Math.min(...sizes), Math.max(...sizes)],
      bytesPerPost: files[0].length,
      accepted: statuses.filter((s) => s === 200).length,
      replayedRefused: replay.filter((s) => s === 409).length,
      accumulateAllDevicesMs: Math.round(accumulateMs),
      postAllMs: Math.round(postMs),
      postsPerSecond: Math.round((devices / postMs) * 1000),
      resultMs: Math.round(resultMs),
      episodes: result.episodes,
      sameRelation: JSON.stringify(result.relation) === JSON.stringify(pooled.relation),
      largestRelativePValueDifference: largestRelative(result.directPValues.flat(), pooled.directPValues.flat()),
      load: load(),
    };
    log('fleet', row);
    return row;
  } finally {
    await aggregator.stop();
  }
}

async function pipelinePart(kernels: KernelRuntime) {
  const world = generalistWorld({ episodes: 10_000, steps: 20, seed: 9805 });
  const [n, T, D] = world.shapes.observations;
  const blockSizes = world.truth.blocks.map((b) => b.length);
  const observations = { data: world.observations, shape: [n, T, D] };
  const tasks = { data: world.tasks, shape: world.shapes.tasks };
  const t0 = performance.now();
  const pooled = await runPipeline({ encoder: world.encoderOnnx, observations, tasks }, { structure: { segmentLength: 2 }, seed: 1 }, { kernels });
  const pooledMs = performance.now() - t0;
  const M = world.shapes.tasks[1];
  const settings: ShardSettings = { steps: T, dim: pooled.latents.shape[2], tasks: M, taskDim: world.shapes.tasks[2], segmentLength: 2, conditioning: pooled.structure.conditioning };
  const sizes = shardSizes(n, 16, 9805);
  const t1 = performance.now();
  const files: Uint8Array[] = [];
  const samples: Uint8Array[] = [];
  let at = 0;
  for (const [j, size] of sizes.entries()) {
    const slice = { data: world.observations.subarray(at * T * D, (at + size) * T * D), shape: [size, T, D] };
    const sliceTasks = { data: world.tasks.subarray(at * M * tasks.shape[2], (at + size) * M * tasks.shape[2]), shape: [size, M, tasks.shape[2]] };
    at += size;
    const out = await runShard({ settings, shardId: `s${j}`, states: slice, tasks: sliceTasks, encoder: world.encoderOnnx, sampleSize: 1500, sampleSeed: 1 }, { kernels });
    files.push(out.statistics);
    samples.push(out.sample!);
  }
  const shardsMs = performance.now() - t1;
  const t2 = performance.now();
  const { merged, broadcast } = mergeRound(files);
  if (broadcast) throw new Error('Fisher z has one round');
  const sharded = await finishRun([merged], samples, { seed: 1 }, { kernels });
  const coordinatorMs = performance.now() - t2;
  const heads = sharded.heads ? Specialists.deserialise(sharded.heads) : null;
  const row = {
    world: { episodes: n, steps: T, blocks: blockSizes, latentDims: pooled.latents.shape[2], seed: 9805 },
    sameRelation: JSON.stringify(pooled.structure.relation) === JSON.stringify(sharded.structure.relation),
    relationMatchesTruth: JSON.stringify(pooled.structure.relation.flat()) === JSON.stringify([...world.truth.relation]),
    largestRelativePValueDifference: largestRelative(sharded.structure.directPValues.flat(), pooled.structure.directPValues.flat()),
    pooled: { supportSizes: pooled.specialists?.supports.map((s) => s.length), trainingRows: pooled.trainingRows, ms: Math.round(pooledMs) },
    sharded: { supportSizes: heads?.supports.map((s) => s.length), trainingRows: sharded.trainingRows, sampleEpisodes: sharded.sampleEpisodes, shardsMs: Math.round(shardsMs), coordinatorMs: Math.round(coordinatorMs) },
    trueSizes: pooled.fittedTasks.map((i) => blockSizes[i]),
    load: load(),
  };
  log('pipeline', row);
  return row;
}

const kernels = await KernelRuntime.create({ build: 'simd' });
const result: Record<string, unknown> = { machine: machine(), kernelBuild: kernels.build };
if (parts.has('bytes')) result.bytes = await bytesPart(kernels);
if (parts.has('cost')) result.cost = await costPart(kernels);
if (parts.has('fleet')) result.fleet = await fleetPart(kernels);
if (parts.has('bullmq')) result.bullmq = await bullmqPart(kernels);
if (parts.has('pipeline')) result.pipeline = await pipelinePart(kernels);
result.loadAfter = load();
console.log(writeResult('scale', result));
process.exit(0);
