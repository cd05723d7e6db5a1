// Worker entry: one kernel runtime per worker, jobs as described in protocol.ts.

import { expose } from 'comlink';
import { SpecialistError } from '../core/errors.ts';
import { runKernel } from '../kernels/registry.ts';
import { fitSpecialists } from '../specialist/fit.ts';
import { runPipelineHere } from '../pipeline/pipeline.ts';
import { KernelRuntime } from '../kernels/runtime.ts';
import type { CiResult } from '../structure/ci-test.ts';
import { ciTestFromSpec } from '../structure/ci/builtins.ts';
import type { ProgressMessage, WorkerApi, WorkerInit, WorkerJob } from './protocol.ts';
import { withTransfer } from './transfer.ts';
import { isNode } from '../core/platform.ts';

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
        case 'ciBatch': {
          const prepared = ciTestFromSpec(job.test).prepare(job.data, { runtime: requireRuntime(), seed: job.seed });
          try {
            const results: CiResult[] = [];
            onProgress?.(0, job.queries.length);
            for (const query of job.queries) {
              results.push(prepared.test(query, { family: job.family ?? 1 }));
              onProgress?.(results.length, job.queries.length);
            }
            return results;
          } finally {
            prepared.dispose?.();
          }
        }
        case 'fitSpecialists': {
          const model = await fitSpecialists(job.latents, job.targets, job.options, {
            kernels: requireRuntime(),
            membership: job.membership,
            onProgress: progress ? (p) => progress.postMessage([p.epoch, p.totalEpochs, p] satisfies ProgressMessage) : undefined,
          });
          return withTransfer(model.serialise());
        }
        case 'pipeline': {
          const result = await runPipelineHere(job.input, job.options, {
            runtime: requireRuntime(),
            onProgress: progress ? (p) => progress.postMessage([p.done, p.total, p] satisfies ProgressMessage) : undefined,
          });
          return withTransfer({ ...result, specialists: result.specialists?.serialise() ?? null });
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
