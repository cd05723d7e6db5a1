// Worker entry: one kernel runtime per worker, jobs as described in protocol.ts.

import { expose } from 'comlink';
import { SpecialistError } from '../errors.ts';
import { runKernel } from '../kernels/registry.ts';
import { KernelRuntime } from '../kernels/runtime.ts';
import type { ProgressMessage, WorkerApi, WorkerInit, WorkerJob } from './protocol.ts';
import { withTransfer } from './transfer.ts';
import { isNode } from './endpoint.ts';

let runtime: KernelRuntime | undefined;

function requireRuntime(): KernelRuntime {
  if (!runtime) throw new SpecialistError('WORKER_FAILED', 'Worker used before init()');
  return runtime;
}

const api: WorkerApi = {
  async init({ kernels }: WorkerInit) {
    runtime = await KernelRuntime.create(kernels);
    return { build: runtime.build, memoryMaximumBytes: runtime.memory.maximumBytes };
  },

  async run(job: WorkerJob, progress?: MessagePort) {
    const onProgress = progress ? (done: number, total: number) => progress.postMessage([done, total] satisfies ProgressMessage) : undefined;
    try {
      switch (job.kind) {
        case 'kernel': {
          const output = runKernel(requireRuntime(), job.name, job.input as never, { onProgress });
          return withTransfer(output);
        }
        default:
          throw new SpecialistError('INVALID_ARGUMENT', `Unknown job kind ${(job as { kind: string }).kind}`);
      }
    } finally {
      progress?.close();
    }
  },

  memoryInUse: () => runtime?.memory.bytesInUse ?? 0,
};

if (isNode) {
  const { parentPort } = await import('node:worker_threads');
  const { default: nodeEndpoint } = await import('comlink/dist/esm/node-adapter.mjs');
  expose(api, nodeEndpoint(parentPort!));
} else {
  expose(api, self as unknown as Worker);
}
