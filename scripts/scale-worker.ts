// A BullMQ worker process of the sharded pipeline (docs/scale.md): takes shard and merge jobs from
// the Redis at REDIS_URL (default redis://127.0.0.1:6379) until it is sent SIGTERM or SIGINT.
//   node --import tsx --import ./test/node-services.ts scripts/scale-worker.ts
// Environment: REDIS_URL, SCALE_PREFIX (queue prefix, default 'specialist'), SCALE_CONCURRENCY (1),
// SCALE_LOCK_MS (BullMQ's lock duration of shard jobs, default 30000), SCALE_MERGE_LOCK_MS (of merge
// jobs, which compute on the event loop: default 900000), SCALE_STALLED_MS (default 30000).
import { startWorkers } from '../src/scale/engines/bullmq.node.ts';

const url = new URL(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
const workers = startWorkers(
  { connection: { host: url.hostname, port: Number(url.port || 6379), maxRetriesPerRequest: null }, prefix: process.env.SCALE_PREFIX },
  {
    concurrency: Number(process.env.SCALE_CONCURRENCY ?? 1),
    lockDuration: Number(process.env.SCALE_LOCK_MS ?? 30_000),
    mergeLockDuration: Number(process.env.SCALE_MERGE_LOCK_MS ?? 900_000),
    stalledInterval: Number(process.env.SCALE_STALLED_MS ?? 30_000),
  },
);
for (const w of workers) w.on('error', (error) => console.error(`[scale-worker] ${error.message}`));
console.error(`[scale-worker ${process.pid}] ready`);
const stop = async () => {
  await Promise.all(workers.map((w) => w.close()));
  process.exit(0);
};
process.once('SIGTERM', stop).once('SIGINT', stop);
