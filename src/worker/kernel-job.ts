// The worker layer's own job: run one registered kernel (src/kernels/registry.ts) in a worker.
import { runKernel, type KernelInput, type KernelName, type KernelOutput } from '../kernels/registry.ts';
import type { JobHandler, JobRunner, JobRunOptions } from './job.ts';

interface KernelPayload {
  name: KernelName;
  input: unknown;
}

export const kernelJob: JobHandler<KernelPayload, unknown> = {
  kind: 'kernel',
  run: ({ name, input }, { kernels, onProgress }) => runKernel(kernels, name, input as never, { onProgress }),
};

/** Runs one registered kernel in a worker of `pool`. Progress counts the kernel's row chunks; abort rejects with ABORTED. */
export function runKernelInWorker<N extends KernelName>(pool: JobRunner, name: N, input: KernelInput<N>, options: JobRunOptions = {}): Promise<KernelOutput<N>> {
  return pool.run<KernelOutput<N>>(kernelJob.kind, { name, input } satisfies KernelPayload, options);
}
