// The worker side: one kernel runtime per worker, and the jobs its entry registered, by kind.
import { expose } from 'comlink';
import { SpecialistError } from '../core/errors.ts';
import { isNode } from '../core/platform.ts';
import { KernelRuntime } from '../kernels/runtime.ts';
import type { JobHandler } from './job.ts';
import type { ProgressMessage, WorkerApi, WorkerInit } from './protocol.ts';
import { withTransfer } from './transfer.ts';

/** Exposes `handlers` to the thread that started this worker. Call once, from a worker entry. */
export async function serveJobs(handlers: readonly JobHandler<never, unknown>[]): Promise<void> {
  const byKind = new Map<string, JobHandler<never, unknown>>(handlers.map((h) => [h.kind, h]));
  let kernels: KernelRuntime | undefined;

  const api: WorkerApi = {
    async init({ kernels: options }: WorkerInit) {
      kernels = await KernelRuntime.create(options);
      return { build: kernels.build, memoryMaximumBytes: kernels.memory.maximumBytes, jobs: [...byKind.keys()] };
    },

    async run(kind: string, payload: unknown, progress?: MessagePort) {
      try {
        const handler = byKind.get(kind);
        if (!handler) throw new SpecialistError('INVALID_ARGUMENT', `Unknown job kind "${kind}"; this worker runs ${[...byKind.keys()].join(', ')}`, { kind });
        if (!kernels) throw new SpecialistError('WORKER_FAILED', 'Worker used before init()');
        const onProgress = progress
          ? (done: number, total: number, detail?: unknown) =>
              progress.postMessage((detail === undefined ? [done, total] : [done, total, detail]) satisfies ProgressMessage)
          : undefined;
        return withTransfer(await handler.run(payload as never, { kernels, onProgress }));
      } finally {
        progress?.close();
      }
    },

    memoryInUse: () => kernels?.memory.bytesInUse ?? 0,
  };

  if (isNode) {
    const { parentPort } = await import('node:worker_threads');
    const { default: nodeEndpoint } = await import('comlink/dist/esm/node-adapter.mjs');
    expose(api, nodeEndpoint(parentPort!));
  } else {
    expose(api, self as unknown as Worker);
  }
}
