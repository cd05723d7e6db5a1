// What the SDK needs from its host that only Node offers through built-in modules: worker threads,
// file: URLs, the native onnxruntime. Shared code asks here. Nothing is installed by default (the
// browser case); the Node entries (node.ts, cli.ts, deploy.node.ts, lab.node.ts, worker.node.ts)
// install Node's implementations from src/node/ when they load, so a browser bundle reaches no Node
// built-in and no onnxruntime-node.
import type * as Ort from 'onnxruntime-web';
import type { Endpoint } from 'comlink';
import { SpecialistError } from './errors.ts';

/** One started worker: a comlink endpoint plus its life cycle. */
export interface WorkerHandle {
  endpoint: Endpoint;
  terminate(): Promise<void>;
  /** Node only: keep the process alive while a job runs, and let it exit when idle. */
  ref(): void;
  unref(): void;
  /** Called once if the worker dies (uncaught error, failed start, exit). */
  onFailure(listener: (error: SpecialistError) => void): void;
}

export interface NodeServices {
  /** Starts one SDK worker thread: `url` is a worker script the user chose, else the SDK's own. */
  spawnWorker(url: URL | undefined): Promise<WorkerHandle>;
  /** The bytes of a file: URL. */
  readFile(url: URL): Promise<Uint8Array<ArrayBuffer>>;
  /** onnxruntime-node when it is installed and loads; undefined otherwise (it is optional). */
  loadNativeOrt(): Promise<typeof Ort | undefined>;
}

let installed: NodeServices | undefined;

/** Called by the Node entries (useNodeServices in src/node/services.ts) before anything runs. */
export function installNodeServices(services: NodeServices): void {
  installed = services;
}

/** Node's services when a Node entry installed them; undefined in browsers (and in a browser build run in Node). */
export function nodeServices(): NodeServices | undefined {
  return installed;
}

/** The Node services, or a typed error that names the fix (for what has no browser fallback in Node). */
export function requireNodeServices(what: string): NodeServices {
  if (installed) return installed;
  throw new SpecialistError('UNSUPPORTED_BUILD', `${what} needs Node's services: import 'specialist-sdk' (its node entry) in Node, not 'specialist-sdk/browser'`);
}
