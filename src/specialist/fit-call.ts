// The call options and progress of fitSpecialists (their own module, so the schedule and the
// parallel fit can name them without importing the entry point).
import type { Tensor } from '../core/tensor.ts';
import type { KernelCallOptions } from '../kernels/runtime.ts';
import type { JobRunner } from '../worker/job.ts';
import type { ValidationPoint } from './model.ts';

export interface FitProgress {
  phase: ValidationPoint['phase'];
  /** Epoch within the whole fit (1-based) and the planned total (the path may stop early). */
  epoch: number;
  totalEpochs: number;
  loss: number;
  /** Each task's penalty strength at the end of this epoch. */
  lambda: number[];
  nonzeros: number[];
}

export interface FitCallOptions extends Omit<KernelCallOptions, 'onProgress'> {
  onProgress?: (progress: FitProgress) => void;
  /** Membership [N, K] of 0/1: which rows count for which task. Default: every row counts for every task. */
  membership?: Tensor;
  /**
   * Workers to train on. With two or more (and shared memory: always in Node, in browsers when the
   * page is cross-origin isolated), each minibatch is split over two workers (parallel.ts); the
   * result is the same as on one thread. Default: this thread, on `kernels`.
   */
  pool?: JobRunner;
}
