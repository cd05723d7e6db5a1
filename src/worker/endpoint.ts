// One seam between the browser's module Worker and Node's worker_threads: both become a
// WorkerHandle (a comlink Endpoint plus terminate / ref / unref), so the pool has a single code path.
// Node's threads come from the Node entries (core/host.ts); here is the browser's Worker.

import { SpecialistError } from '../core/errors.ts';
import { requireNodeServices, type WorkerHandle } from '../core/host.ts';
import { isNode } from '../core/platform.ts';

export type { WorkerHandle } from '../core/host.ts';

/** Starts one SDK worker: `url` is a worker script the user chose, else the SDK's own. */
export async function spawnWorker(url?: URL): Promise<WorkerHandle> {
  return isNode ? requireNodeServices('A worker pool').spawnWorker(url) : spawnBrowserWorker(url);
}

function spawnBrowserWorker(url: URL | undefined): WorkerHandle {
  // The literal form below is what bundlers (Vite, webpack, Parcel) detect to emit dist/worker.js
  // and rewrite its URL; esbuild and rollup need the worker as a second entry (docs/bundlers.md).
  const worker = url
    ? new Worker(url, { type: 'module', name: 'specialist-worker' })
    : new Worker(new URL('./worker.js', import.meta.url), { type: 'module', name: 'specialist-worker' });
  const href = url?.href ?? 'worker.js';
  return {
    endpoint: worker,
    terminate: async () => worker.terminate(),
    ref() {},
    unref() {},
    onFailure(listener) {
      worker.addEventListener('error', (event) => {
        event.preventDefault?.();
        listener(new SpecialistError('WORKER_FAILED', `Worker failed: ${event.message || 'could not start'} (${href})`, { url: href }));
      });
    },
  };
}
