// The call options and progress of fitSpecialists (their own module, so the schedule and the
// parallel fit can name them without importing the entry point).
import type { Progress, ProgressCallback } from '../core/call-options.ts';
import type { Tensor } from '../core/tensor.ts';
import type { KernelCallOptions } from '../kernels/runtime.ts';
import type { JobRunner } from '../worker/job.ts';
import type { ValidationPoint } from './model.ts';

/** A fit's progress: `done` is the epoch within the whole fit (1-based), `total` the planned epochs (the path may stop early). */
export interface FitProgress extends Progress {
  phase: ValidationPoint['phase'];
  loss: number;
  /** Each task's penalty strength at the end of this epoch. */
  lambda: number[];
  nonzeros: number[];
}

/**
 * The call options of fitSpecialists: membership, workers, kernel runtime, progress
 * (`FitProgress`) and abort.
 */
export interface FitCallOptions extends Omit<KernelCallOptions, 'onProgress'> {
  onProgress?: ProgressCallback<FitProgress>;
  /** Membership [N, K] of 0/1: which rows count for which task. Default: every row counts for every task. */
  membership?: Tensor;
  /**
   * Workers to train on. With two or more (and shared memory: always in Node, in browsers when the
   * page is cross-origin isolated), each minibatch is split over two workers (parallel.ts); the
   * result is the same as on one thread. Default: this thread, on `kernels`.
   */
  pool?: JobRunner;
}
