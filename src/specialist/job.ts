// Layer 2 training in a worker: the fit job and its typed client.
import type { Tensor } from '../core/tensor.ts';
import type { JobHandler, JobRunner } from '../worker/job.ts';
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

/** Progress: epoch / planned epochs, with the FitProgress as detail. Result: the serialised model. */
export const fitJob: JobHandler<FitPayload, Uint8Array> = {
  kind: 'fitSpecialists',
  async run({ latents, targets, membership, options }, { kernels, onProgress }) {
    const model = await fitSpecialists(latents, targets, options, {
      kernels,
      membership,
      onProgress: onProgress && ((p) => onProgress(p.epoch, p.totalEpochs, p)),
    });
    return model.serialise();
  },
};

export interface FitInWorkerOptions extends Omit<FitCallOptions, 'kernels' | 'onProgress'> {
  onProgress?: (progress: FitProgress) => void;
  /** Transfer the input arrays instead of copying them (they are detached afterwards). Default false. */
  transfer?: boolean;
}

/**
 * fitSpecialists in a worker of `pool`: progress reports epoch, loss, lambda and nonzeros per task;
 * abort ends the worker. Resolves to the fitted model, deserialised in this thread.
 */
export async function fitSpecialistsInWorker(
  pool: JobRunner,
  latents: Tensor,
  targets: TargetsInput,
  options: SpecialistOptions = {},
  call: FitInWorkerOptions = {},
): Promise<Specialists> {
  const { onProgress, membership, signal, transfer } = call;
  const bytes = await pool.run<Uint8Array>(fitJob.kind, { latents, targets, membership, options } satisfies FitPayload, {
    signal,
    transfer,
    onProgress: onProgress && ((_done, _total, detail) => onProgress(detail as FitProgress)),
  });
  return Specialists.deserialise(bytes);
}
