// The worker layer's own job: run one registered kernel (src/kernels/registry.ts) in a worker.
import { runKernel, type KernelInput, type KernelName, type KernelOutput } from '../kernels/registry.ts';
import { poolOf, type JobHandler, type JobRunner, type JobRunOptions } from './job.ts';

interface KernelPayload {
  name: KernelName;
  input: unknown;
}

export const kernelJob: JobHandler<KernelPayload, unknown> = {
  kind: 'kernel',
  run: ({ name, input }, { kernels, onProgress }) => runKernel(name, input as never, { kernels, onProgress }),
};

/** The call options of runKernelInWorker: the pool to run in, progress, abort and transfer. */
export interface KernelInWorkerOptions extends JobRunOptions {
  pool: JobRunner;
}

/** Runs one registered kernel in a worker of `call.pool`. Progress counts the kernel's row chunks; abort rejects with ABORTED. */
export function runKernelInWorker<N extends KernelName>(name: N, input: KernelInput<N>, call: KernelInWorkerOptions): Promise<KernelOutput<N>> {
  const pool = poolOf('runKernelInWorker', 'KernelInWorkerOptions', call, { pool: true, signal: true, onProgress: true, transfer: true } satisfies Record<keyof KernelInWorkerOptions, true>, name);
  const { pool: _, ...options } = call;
  return pool.run<KernelOutput<N>>(kernelJob.kind, { name, input } satisfies KernelPayload, options);
}
