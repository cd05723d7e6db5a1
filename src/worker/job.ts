// The job contract between the worker layer and the domains. A job is a kind (a string) plus a
// plain, cloneable payload; its handler runs in a worker (or in this thread) with the worker's
// kernel runtime and the job's progress. Domains define their jobs beside their code and run them
// through a JobRunner (a WorkerPool satisfies it); the worker layer never names a domain.
import type { ProgressCallback } from '../core/call-options.ts';
import { SpecialistError } from '../core/errors.ts';
import { checkKeys } from '../core/validate.ts';
import type { KernelRuntime } from '../kernels/runtime.ts';

/** What a handler gets besides its payload. */
export interface JobContext {
  /** The kernel runtime of this worker (one per worker, reused by every job it runs). */
  kernels: KernelRuntime;
  /** Reports `{ done, total, ...detail }`: the object reaches the caller's onProgress as it is (cloned). */
  onProgress?: ProgressCallback;
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

/** The call options of one job on a JobRunner. */
export interface JobRunOptions {
  /** Aborting rejects with ABORTED; a running job's worker is ended (which frees its memory) and replaced on demand. */
  signal?: AbortSignal;
  /** Called with the handler's progress. If it throws, the job is stopped and rejects with CALLBACK_FAILED. */
  onProgress?: ProgressCallback;
  /**
   * Transfer the payload's typed arrays to the worker instead of copying them. Faster for large
   * inputs, but your arrays are detached (length 0) afterwards. Default false. Results are always
   * transferred back.
   */
  transfer?: boolean;
}

/**
 * Anything that runs jobs by kind somewhere else: a WorkerPool, or a PinnedRunner. Every public
 * call that uses workers takes one as `pool` in its call options.
 */
export interface JobRunner {
  /** How many jobs it can run at once. */
  readonly size: number;
  run<R>(kind: string, payload: unknown, options?: JobRunOptions): Promise<R>;
  /**
   * A runner whose jobs all go to one of this runner's workers, for jobs that leave state there
   * for the next ones (a loaded deployment runtime). A WorkerPool can; a PinnedRunner cannot.
   */
  pin?(): PinnedRunner;
}

/**
 * Jobs bound to one worker, for work that keeps state in that worker between jobs (a loaded
 * runtime: WorkerSpecialistRuntime). Made by JobRunner.pin() (WorkerPool.pin()).
 */
export interface PinnedRunner extends JobRunner {
  /**
   * Resolves (never rejects) with the error that ended the pin: its worker died (WORKER_FAILED),
   * was ended because another job on it was aborted (WORKER_FAILED, reason 'aborted'), the pool
   * closed (ABORTED, reason 'closed') or release() was called (ABORTED, reason 'released'). Jobs
   * run afterwards reject with that error: the worker's state is gone.
   */
  readonly ended: Promise<SpecialistError>;
  /** Ends the pin: its queued jobs reject with ABORTED; a running one finishes; the worker stays in the pool. */
  release(): void;
}

/** Workers a call started for itself (its caller passed no pool): it pins them and closes them when done. */
export interface OwnedRunner extends JobRunner {
  pin(): PinnedRunner;
  close(): Promise<void>;
}

/** Narrows an unknown value to a JobRunner. */
export function isJobRunner(value: unknown): value is JobRunner {
  return typeof value === 'object' && value !== null && typeof (value as JobRunner).run === 'function' && Number.isInteger((value as JobRunner).size);
}

/**
 * The pool of a call that runs in workers (`fitSpecialistsInWorker`, `runPipelineInWorker`, ...),
 * from its call options, whose keys are checked against `known` (a key the call would drop, such
 * as `kernels`, is refused by name). A typed error names the call, and for 0.1's order (the pool
 * first, seen in `first`) the new one.
 */
export function poolOf(call: string, type: string, options: unknown, known: Record<string, true>, first?: unknown): JobRunner {
  if (isJobRunner(first)) {
    throw new SpecialistError('INVALID_ARGUMENT', `${call} takes the pool last, in its call options, since 1.0: ${call}(..., { pool })`, { argument: 'pool' });
  }
  if (!options || typeof options !== 'object') throw new SpecialistError('INVALID_ARGUMENT', `${call} needs call options with the pool: ${call}(..., { pool })`, { argument: 'call' });
  checkKeys(type, options, known, { kernels: "a worker runs on its own kernel runtime: set it up with WorkerPool.create({ kernelOptions })" });
  const { pool } = options as { pool?: unknown };
  if (!isJobRunner(pool)) {
    throw new SpecialistError('INVALID_ARGUMENT', `${call} needs a pool in its call options (a WorkerPool, from WorkerPool.create()): ${call}(..., { pool })`, { argument: 'pool' });
  }
  return pool;
}
