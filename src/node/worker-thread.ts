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

/**
 * The parent's Node flags minus those that only apply to a script given as a string: a worker
 * inherits its parent's flags, and `node --input-type=module -e '...'` would otherwise stop every
 * worker from starting ("--input-type can only be used with string input").
 */
export function workerExecArgv(parent: readonly string[]): string[] {
  const kept: string[] = [];
  for (let i = 0; i < parent.length; i++) {
    if (parent[i] === '--input-type') i++; // its value is the next word
    else if (!parent[i].startsWith('--input-type=')) kept.push(parent[i]);
  }
  return kept;
}

export async function spawnNodeWorker(url: URL = defaultWorkerUrl()): Promise<WorkerHandle> {
  // From source (tests under tsx) the worker is a .ts file: load it through tsx's loader.
  const execArgv = workerExecArgv(process.execArgv);
  const worker = url.pathname.endsWith('.ts')
    ? new Worker(`import('tsx/esm/api').then((m) => { m.register(); return import(${JSON.stringify(url.href)}); });`, { eval: true, execArgv })
    : new Worker(url, { execArgv });
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
