// Node only: an SDK worker on worker_threads, as a comlink endpoint (reached from the Node entries).
import { Worker } from 'node:worker_threads';
import nodeEndpoint from 'comlink/dist/esm/node-adapter.mjs';
import { SpecialistError } from '../core/errors.ts';
import type { WorkerHandle } from '../core/host.ts';

/** The SDK's Node worker: dist/worker.node.js beside this chunk, or src/worker.node.ts from source (tests). */
function defaultWorkerUrl(): URL {
  const here = import.meta.url;
  return here.endsWith('.ts') ? new URL('../worker.node.ts', here) : new URL('./worker.node.js', here);
}

export async function spawnNodeWorker(url: URL = defaultWorkerUrl()): Promise<WorkerHandle> {
  // The worker starts as a one-line script that imports the entry, not from the file itself: a
  // worker inherits its parent's flags, and a file would refuse the --input-type of
  // `node --input-type=module -e '...'`. From source (tests under tsx) the entry is a .ts file,
  // loaded through tsx's loader.
  const href = JSON.stringify(url.href);
  const script = url.pathname.endsWith('.ts') ? `import('tsx/esm/api').then((m) => { m.register(); return import(${href}); });` : `import(${href});`;
  const worker = new Worker(script, { eval: true });
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
