// The job contract between the worker layer and the domains. A job is a kind (a string) plus a
// plain, cloneable payload; its handler runs in a worker (or in this thread) with the worker's
// kernel runtime and the job's progress. Domains define their jobs beside their code and run them
// through a JobRunner (a WorkerPool satisfies it); the worker layer never names a domain.
import type { KernelRuntime } from '../kernels/runtime.ts';

/** Progress of a job: done / total, and optionally a job-specific detail (e.g. a fit's loss). */
export type JobProgress = (done: number, total: number, detail?: unknown) => void;

/** What a handler gets besides its payload. */
export interface JobContext {
  /** The kernel runtime of this worker (one per worker, reused by every job it runs). */
  kernels: KernelRuntime;
  onProgress?: JobProgress;
  /**
   * Aborted when the caller aborts a pinned job (WorkerPool.pin), whose worker keeps its state and
   * is not ended: a handler that holds state stops at its next check. Other jobs' workers are ended.
   */
  signal: AbortSignal;
}

/** A job kind and the function that runs it. Its result is transferred back (typed arrays are moved, not copied). */
export interface JobHandler<P = unknown, R = unknown> {
  readonly kind: string;
  run(payload: P, context: JobContext): R | Promise<R>;
}

export interface JobRunOptions {
  /** Aborting rejects with ABORTED; a running job's worker is ended (which frees its memory) and replaced on demand. */
  signal?: AbortSignal;
  /** Called with the handler's progress. If it throws, the job is stopped and rejects with CALLBACK_FAILED. */
  onProgress?: JobProgress;
  /**
   * Transfer the payload's typed arrays to the worker instead of copying them. Faster for large
   * inputs, but your arrays are detached (length 0) afterwards. Default false. Results are always
   * transferred back.
   */
  transfer?: boolean;
}

/** Anything that runs jobs by kind somewhere else: a WorkerPool. */
export interface JobRunner {
  /** How many jobs it can run at once. */
  readonly size: number;
  run<R>(kind: string, payload: unknown, options?: JobRunOptions): Promise<R>;
}

/** Narrows an unknown value to a JobRunner, or throws the caller's typed error. */
export function isJobRunner(value: unknown): value is JobRunner {
  return typeof value === 'object' && value !== null && typeof (value as JobRunner).run === 'function' && Number.isInteger((value as JobRunner).size);
}
