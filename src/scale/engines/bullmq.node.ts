// The sharded pipeline on BullMQ (Redis): one job per shard and a parent that merges, as a BullMQ
// flow. A parent whose round needs another (RCoT) starts the next round's flow itself, with the
// broadcast in its own data (the shards read it from there, once each). Workers run in any number
// of processes or machines that reach the Redis; a worker that dies mid-shard loses its lock and
// its job goes back to the queue (BullMQ's stalled-job check); a job that fails is retried. Every
// byte moved is a statistics, sample or broadcast file (base64 in Redis), so nothing here merges
// or schedules anything of its own. Node only (bullmq, ioredis).
import { readFile } from 'node:fs/promises';
import { FlowProducer, Job, Queue, QueueEvents, Worker, type ConnectionOptions } from 'bullmq';
import { SpecialistError } from '../../core/errors.ts';
import { toFloat32 } from '../../io/npy.ts';
import { readNpyFile } from '../../node/npy-file.ts';
import { finishRun, mergeRound, runShard, type CoordinatorOptions } from '../pipeline.ts';
import type { ShardSettings } from '../settings.ts';

export interface BullmqEngine {
  connection: ConnectionOptions;
  /** Prefix of the two queue names (`<prefix>-shards`, `<prefix>-merge`). Default 'specialist'. */
  prefix?: string;
}

/** A shard as the workers find it: .npy files of latents [n, T, d] (observations [n, T, ...] with the job's `encoderPath`) and task variables [n, M, dg]. */
export interface ShardSource {
  shardId: string;
  statesPath: string;
  tasksPath: string;
}

export interface ShardedJob {
  settings: ShardSettings;
  shards: ShardSource[];
  /** The generalist's ONNX file, readable by every worker: each shard encodes its observations with it. Default: the shards hold latents. */
  encoderPath?: string;
  /** Episodes each shard keeps for Layer 2 (0: Layer 1 only). Default 0. */
  sampleSize?: number;
  sampleSeed?: number;
  options?: CoordinatorOptions;
  /** Tries of a shard job before the run fails. Default 3. */
  attempts?: number;
}

interface ShardData {
  job: Omit<ShardedJob, 'shards'>;
  shard: ShardSource;
  round: number;
}

interface MergeData {
  job: ShardedJob;
  round: number;
  /** base64 files of the merged earlier rounds, the samples, and this round's broadcast. */
  previous: string[];
  samples: string[];
  broadcast: string | null;
}

/** What the last parent returns: Layer 1, the heads file (base64), or the id of the next round's parent. */
export interface ShardedJobResult {
  next?: string;
  relation?: number[][];
  directPValues?: (number | null)[][];
  pValues?: (number | null)[][][];
  heads?: string | null;
  episodes?: number;
  sampleEpisodes?: number;
  warnings?: string[];
}

async function readEncoder(path: string): Promise<Uint8Array> {
  try {
    return new Uint8Array(await readFile(path));
  } catch (error) {
    throw new SpecialistError('INVALID_FILE', `${path}: cannot be read (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`, { file: path });
  }
}

const names = (engine: BullmqEngine) => ({ shards: `${engine.prefix ?? 'specialist'}-shards`, merge: `${engine.prefix ?? 'specialist'}-merge` });
const b64 = (bytes: Uint8Array) => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
const bytesOf = (text: string) => new Uint8Array(Buffer.from(text, 'base64'));

function roundFlow(engine: BullmqEngine, data: MergeData) {
  const q = names(engine);
  const { shards, ...shared } = data.job;
  return {
    name: `merge-round-${data.round}`,
    queueName: q.merge,
    data,
    children: shards.map((shard) => ({
      name: `shard-${data.round}`,
      queueName: q.shards,
      data: { job: shared, shard, round: data.round } satisfies ShardData,
      opts: { attempts: data.job.attempts ?? 3, backoff: { type: 'exponential', delay: 500 }, failParentOnFailure: true },
    })),
  };
}

/** Starts a sharded run: the flow of round 1. Resolves with the id of its parent job. */
export async function submitShardedJob(engine: BullmqEngine, job: ShardedJob): Promise<string> {
  const producer = new FlowProducer({ connection: engine.connection });
  try {
    const flow = await producer.add(roundFlow(engine, { job, round: 1, previous: [], samples: [], broadcast: null }));
    return flow.job.id as string;
  } finally {
    await producer.close();
  }
}

export interface WorkerOptions {
  /** Jobs at once in this process. Default 1. */
  concurrency?: number;
  /** How long a shard job's lock lasts without renewal: a dead worker's job is taken back after it (BullMQ's default 30 s). */
  lockDuration?: number;
  /**
   * The same for merge jobs. The coordinator's decision and Layer 2 fit compute on the event loop,
   * which then cannot renew the lock: it must outlast the longest merge, or the job is taken for
   * stalled and run again. Default 15 minutes (a coordinator killed mid-merge is retaken after it).
   */
  mergeLockDuration?: number;
  /** How often stalled jobs are looked for (BullMQ's default 30 s). */
  stalledInterval?: number;
}

/** Starts this process's workers for both queues. Close them (await w.close()) to stop. */
export function startWorkers(engine: BullmqEngine, options: WorkerOptions = {}): Worker[] {
  const q = names(engine);
  const settings = { connection: engine.connection, concurrency: options.concurrency ?? 1, lockDuration: options.lockDuration, stalledInterval: options.stalledInterval, maxStalledCount: 3 };
  const mergeSettings = { ...settings, lockDuration: options.mergeLockDuration ?? 15 * 60_000 };
  const mergeQueue = new Queue(q.merge, { connection: engine.connection });
  const shardWorker = new Worker<ShardData>(
    q.shards,
    async (job) => {
      const { shard, round } = job.data;
      const parent = round > 1 && job.parent ? await Job.fromId<MergeData>(mergeQueue, job.parent.id as string) : undefined;
      const broadcast = parent?.data.broadcast ? bytesOf(parent.data.broadcast) : undefined;
      const [states, tasks] = (await Promise.all([readNpyFile(shard.statesPath), readNpyFile(shard.tasksPath)])).map((a) => ({ data: toFloat32(a), shape: a.shape }));
      const { settings: shardSettings, encoderPath, sampleSize, sampleSeed } = job.data.job;
      const encoder = encoderPath ? await readEncoder(encoderPath) : undefined;
      const out = await runShard({ settings: shardSettings, shardId: shard.shardId, states, tasks, encoder, broadcast, sampleSize, sampleSeed });
      return { statistics: b64(out.statistics), sample: out.sample ? b64(out.sample) : null };
    },
    settings,
  );
  const producer = new FlowProducer({ connection: engine.connection });
  const mergeWorker = new Worker<MergeData, ShardedJobResult>(
    q.merge,
    async (job) => {
      // One value per child job: a shard retried or taken back after a crash still counts once.
      const values = Object.values(await job.getChildrenValues<{ statistics: string; sample: string | null }>());
      const { merged, broadcast } = mergeRound(values.map((v) => bytesOf(v.statistics)));
      const samples = job.data.round === 1 ? values.flatMap((v) => (v.sample ? [v.sample] : [])) : job.data.samples;
      const previous = [...job.data.previous, b64(merged)];
      if (broadcast) {
        const next = await producer.add(roundFlow(engine, { job: job.data.job, round: job.data.round + 1, previous, samples, broadcast: b64(broadcast) }));
        return { next: next.job.id as string };
      }
      const result = await finishRun(previous.map(bytesOf), samples.map(bytesOf), job.data.job.options ?? {});
      return {
        relation: result.structure.relation,
        directPValues: result.structure.directPValues,
        pValues: result.structure.pValues,
        heads: result.heads ? b64(result.heads) : null,
        episodes: result.episodes,
        sampleEpisodes: result.sampleEpisodes,
        warnings: result.warnings,
      };
    },
    mergeSettings,
  );
  const close = mergeWorker.close.bind(mergeWorker);
  mergeWorker.close = async (force?: boolean) => {
    await Promise.all([close(force), producer.close(), mergeQueue.close()]);
  };
  return [shardWorker, mergeWorker];
}

/** Waits for a run's last parent (following each round's `next`) and returns its result. */
export async function waitForShardedJob(engine: BullmqEngine, parentId: string, timeoutMs = 600_000): Promise<ShardedJobResult> {
  const q = names(engine);
  const queue = new Queue(q.merge, { connection: engine.connection });
  const events = new QueueEvents(q.merge, { connection: engine.connection });
  try {
    await events.waitUntilReady();
    let id = parentId;
    for (;;) {
      const job = await Job.fromId<MergeData, ShardedJobResult>(queue, id);
      if (!job) throw new Error(`no job ${id} in queue ${q.merge}`);
      const result = (await job.waitUntilFinished(events, timeoutMs)) as ShardedJobResult;
      if (!result.next) return result;
      id = result.next;
    }
  } finally {
    await Promise.all([events.close(), queue.close()]);
  }
}
