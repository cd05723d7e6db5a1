// Workers a call starts for itself when its caller passed no pool (WorkerSpecialistRuntime.load
// without one). Domains take the JobRunner contract (job.ts) and start workers through here, so
// none of them imports WorkerPool itself: the pool's class stays the worker layer's business.
import type { OwnedRunner } from './job.ts';
import { WorkerPool } from './pool.ts';

/** A pool of `size` workers, seen as a runner the call pins and must close(). */
export function startWorkers(size: number): Promise<OwnedRunner> {
  return WorkerPool.create({ size });
}
