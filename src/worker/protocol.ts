// The one place that defines what crosses the worker boundary: the worker layer's own nouns (init,
// job kind, payload, progress, abort), nothing of any domain. The main thread talks to a worker only
// through WorkerApi (wrapped by comlink).
import type { KernelBuild } from '../kernels/builds.ts';
import type { KernelRuntimeOptions } from '../kernels/runtime.ts';
import type { Progress } from '../core/call-options.ts';
import type { MessagePortLike } from '../core/lib-types.ts';
import type { OnnxRuntimeSettings } from '../core/onnxruntime-settings.ts';

/** Sent once when a worker starts. URL sources travel as strings; bytes are copied per worker. */
export interface WorkerInit {
  kernelOptions: Omit<KernelRuntimeOptions, 'wasm'> & { wasm?: ArrayBuffer | string };
  /** The starting thread's configureOnnxRuntime settings. */
  onnxruntime: OnnxRuntimeSettings;
}

export interface WorkerInfo {
  build: KernelBuild | 'custom';
  memoryMaximumBytes: number;
  /** The job kinds this worker's entry registered. */
  jobs: string[];
}

/** What a worker exposes. Errors thrown here arrive as SpecialistError (see transfer.ts). */
export interface WorkerApi {
  init(init: WorkerInit): Promise<WorkerInfo>;
  /**
   * Runs a job. Its port carries ProgressMessage out and ABORT_MESSAGE in (sent for pinned jobs,
   * whose worker is not ended on abort); the worker closes the port when the job ends. (A plain
   * port rather than a comlink proxy: the caller can close it itself when it terminates a worker
   * mid-job, and an orphaned port would keep a Node process alive.)
   */
  run(kind: string, payload: unknown, port?: MessagePortLike): Promise<unknown>;
  /** Kernel memory in use right now (0 between jobs). */
  memoryInUse(): number;
}

/** Posted by the worker on a job's port: the handler's progress object, cloned. */
export type ProgressMessage = Progress;

/** Posted by the caller on a job's port: stop (the handler's JobContext.signal aborts). */
export const ABORT_MESSAGE = 'abort';
