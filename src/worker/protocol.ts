// The one place that defines what crosses the worker boundary. The main thread talks to a worker
// only through this interface (wrapped by comlink), so adding a job kind means adding it here.

import type { KernelBuild } from '../kernels/builds.ts';
import type { KernelName } from '../kernels/registry.ts';
import type { KernelOptions } from '../kernels/runtime.ts';

/** Sent once when a worker starts. URL sources travel as strings; bytes are copied per worker. */
export interface WorkerInit {
  kernels: Omit<KernelOptions, 'wasm'> & { wasm?: ArrayBuffer | string };
}

export interface WorkerInfo {
  build: KernelBuild | 'custom';
  memoryMaximumBytes: number;
}

/** A job for a worker. `kind` discriminates; later layers add their own kinds here. */
export type WorkerJob = { kind: 'kernel'; name: KernelName; input: unknown };

/** What a worker exposes. Errors thrown here arrive as SpecialistError (see transfer.ts). */
export interface WorkerApi {
  init(init: WorkerInit): Promise<WorkerInfo>;
  /**
   * Runs a job. Progress goes out on `progress` as ProgressMessage; the worker closes the port when
   * the job ends. (A plain port rather than a comlink proxy: the caller can close it itself when
   * it terminates a worker mid-job, and an orphaned port would keep a Node process alive.)
   */
  run(job: WorkerJob, progress?: MessagePort): Promise<unknown>;
  /** Kernel memory in use right now (0 between jobs). */
  memoryInUse(): number;
}

/** Posted on a job's progress port. */
export type ProgressMessage = [done: number, total: number];
