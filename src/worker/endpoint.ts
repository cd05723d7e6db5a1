// One seam between the browser's module Worker and Node's worker_threads: both become a comlink
// Endpoint plus terminate / ref / unref, so the pool has a single code path.

import type { Endpoint } from 'comlink';
import { SpecialistError } from '../core/errors.ts';
import { isNode } from '../core/platform.ts';

export interface WorkerHandle {
  endpoint: Endpoint;
  terminate(): Promise<void>;
  /** Node only: keep the process alive while a job runs, and let it exit when idle. */
  ref(): void;
  unref(): void;
  /** Called once if the worker dies (uncaught error, failed start, exit). */
  onFailure(listener: (error: SpecialistError) => void): void;
}



export async function spawnWorker(url: URL): Promise<WorkerHandle> {
  return isNode ? spawnNodeWorker(url) : spawnBrowserWorker(url);
}

function spawnBrowserWorker(url: URL): WorkerHandle {
  const worker = new Worker(url, { type: 'module', name: 'specialist-worker' });
  return {
    endpoint: worker,
    terminate: async () => worker.terminate(),
    ref() {},
    unref() {},
    onFailure(listener) {
      worker.addEventListener('error', (event) => {
        event.preventDefault?.();
        listener(new SpecialistError('WORKER_FAILED', `Worker failed: ${event.message || 'could not start'}`, { url: url.href }));
      });
    },
  };
}

async function spawnNodeWorker(url: URL): Promise<WorkerHandle> {
  const { Worker } = await import('node:worker_threads');
  const { default: nodeEndpoint } = await import('comlink/dist/esm/node-adapter.mjs');
  // From source (tests under tsx) the worker is a .ts file: load it through tsx's loader.
  const worker = url.pathname.endsWith('.ts')
    ? new Worker(`import('tsx/esm/api').then((m) => { m.register(); return import(${JSON.stringify(url.href)}); });`, { eval: true })
    : new Worker(url);
  let failed = false;
  const listeners: ((error: SpecialistError) => void)[] = [];
  const fail = (error: SpecialistError) => {
    if (failed) return;
    failed = true;
    for (const listener of listeners) listener(error);
  };
  worker.on('error', (error) => fail(new SpecialistError('WORKER_FAILED', `Worker failed: ${error.message}`, { url: url.href })));
  worker.on('exit', (code) => fail(new SpecialistError('WORKER_FAILED', `Worker exited with code ${code}`, { url: url.href, exitCode: code })));
  return {
    endpoint: nodeEndpoint(worker),
    terminate: async () => {
      failed = true; // an exit we asked for is not a failure
      // Wait for the exit, but never forever: a worker terminated while its module loader is still
      // starting (tsx from source) can leave Node's terminate() pending, and close() must return.
      // The timer also holds the event loop, which an idle (unref'd) worker does not.
      let timer: ReturnType<typeof setTimeout> | undefined;
      await Promise.race([worker.terminate(), new Promise<void>((resolve) => (timer = setTimeout(resolve, 2000)))]);
      clearTimeout(timer);
    },
    ref: () => worker.ref(),
    unref: () => worker.unref(),
    onFailure: (listener) => listeners.push(listener),
  };
}
