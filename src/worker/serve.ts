// The worker side: one kernel runtime per worker, and the jobs its entry registered, by kind.
import { expose, type Endpoint } from 'comlink';
import { SpecialistError } from '../core/errors.ts';
import { configureOnnxRuntime } from '../core/onnxruntime-settings.ts';
import { KernelRuntime } from '../kernels/runtime.ts';
import type { JobHandler } from './job.ts';
import { ABORT_MESSAGE, type ProgressMessage, type WorkerApi, type WorkerInit } from './protocol.ts';
import { withTransfer } from './transfer.ts';

/**
 * Exposes `handlers` on `endpoint`, the link to the thread that started this worker (the worker
 * global in browsers, parentPort in Node). Call once, from a worker entry.
 */
export function serveJobs(handlers: readonly JobHandler<never, unknown>[], endpoint: Endpoint): void {
  const byKind = new Map<string, JobHandler<never, unknown>>(handlers.map((h) => [h.kind, h]));
  let kernels: KernelRuntime | undefined;

  const api: WorkerApi = {
    async init({ kernelOptions, onnxruntime }: WorkerInit) {
      configureOnnxRuntime(onnxruntime);
      kernels = await KernelRuntime.create(kernelOptions);
      return { build: kernels.build, memoryMaximumBytes: kernels.memory.maximumBytes, jobs: [...byKind.keys()] };
    },

    async run(kind: string, payload: unknown, port?: MessagePort) {
      const stop = new AbortController();
      if (port) {
        port.onmessage = (event: MessageEvent) => {
          if (event.data === ABORT_MESSAGE) stop.abort('aborted by the caller');
        };
      }
      try {
        const handler = byKind.get(kind);
        if (!handler) throw new SpecialistError('INVALID_ARGUMENT', `Unknown job kind "${kind}"; this worker runs ${[...byKind.keys()].join(', ')}`, { kind });
        if (!kernels) throw new SpecialistError('WORKER_FAILED', 'Worker used before init()');
        const onProgress = port ? (progress: ProgressMessage) => port.postMessage(progress) : undefined;
        return withTransfer(await handler.run(payload as never, { kernels, onProgress, signal: stop.signal }));
      } finally {
        port?.close();
      }
    },

    memoryInUse: () => kernels?.memory.bytesInUse ?? 0,
  };

  expose(api, endpoint);
}
