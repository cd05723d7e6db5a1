// Layer 2 training in a worker: the fit job and its typed client.
import type { ProgressCallback } from '../core/call-options.ts';
import type { Tensor } from '../core/tensor.ts';
import { poolOf, type JobHandler, type JobRunner } from '../worker/job.ts';
import type { TargetsInput } from './data.ts';
import { fitSpecialists, type FitCallOptions, type FitProgress } from './fit.ts';
import { Specialists } from './model.ts';
import type { SpecialistOptions } from './options.ts';

interface FitPayload {
  latents: Tensor;
  targets: TargetsInput;
  membership: FitCallOptions['membership'];
  options: SpecialistOptions;
}

/** Progress: the FitProgress of each epoch. Result: the serialised model. */
export const fitJob: JobHandler<FitPayload, Uint8Array> = {
  kind: 'fitSpecialists',
  async run({ latents, targets, membership, options }, { kernels, onProgress }) {
    const model = await fitSpecialists(latents, targets, options, { kernels, membership, onProgress });
    return model.serialise();
  },
};

/** The call options of fitSpecialistsInWorker: the pool to run in, what fitSpecialists' call options carry besides `kernels` and `pool`'s splitting, and transfer. */
export interface FitInWorkerOptions {
  /** The workers; the whole fit runs in one of them, on that worker's kernel runtime. */
  pool: JobRunner;
  /** As FitCallOptions.membership. */
  membership?: FitCallOptions['membership'];
  /** Aborting rejects with ABORTED and ends the worker. */
  signal?: AbortSignal;
  onProgress?: ProgressCallback<FitProgress>;
  /** Transfer the input arrays instead of copying them (they are detached afterwards). Default false. */
  transfer?: boolean;
}

const FIT_IN_WORKER_KEYS: Record<keyof FitInWorkerOptions, true> = { pool: true, membership: true, signal: true, onProgress: true, transfer: true };

/**
 * fitSpecialists in a worker of `call.pool`: progress reports epoch, loss, lambda and nonzeros per
 * task; abort ends the worker. Resolves to the fitted model, deserialised in this thread.
 */
export async function fitSpecialistsInWorker(latents: Tensor, targets: TargetsInput, options: SpecialistOptions = {}, call: FitInWorkerOptions): Promise<Specialists> {
  const pool = poolOf('fitSpecialistsInWorker', 'FitInWorkerOptions', call, FIT_IN_WORKER_KEYS, latents);
  const { membership, signal, onProgress, transfer } = call;
  const bytes = await pool.run<Uint8Array>(fitJob.kind, { latents, targets, membership, options } satisfies FitPayload, {
    signal,
    transfer,
    onProgress: onProgress as ProgressCallback | undefined,
  });
  return Specialists.deserialise(bytes);
}
