// The one place that defines what crosses the worker boundary. The main thread talks to a worker
// only through this interface (wrapped by comlink), so adding a job kind means adding it here.

import type { KernelBuild } from '../kernels/builds.ts';
import type { KernelName } from '../kernels/registry.ts';
import type { KernelOptions } from '../kernels/runtime.ts';
import type { Matrix } from '../core/tensor.ts';
import type { CiQuery } from '../structure/ci-test.ts';
import type { CiTestSpec } from '../structure/ci/builtins.ts';
import type { FitProgress } from '../specialist/fit.ts';
import type { ShapedArray, TargetsInput } from '../specialist/data.ts';
import type { SpecialistOptions } from '../specialist/options.ts';
import type { PipelineInput, PipelineOptions, PipelineProgress } from '../pipeline/pipeline.ts';

/** Sent once when a worker starts. URL sources travel as strings; bytes are copied per worker. */
export interface WorkerInit {
  kernels: Omit<KernelOptions, 'wasm'> & { wasm?: ArrayBuffer | string };
}

export interface WorkerInfo {
  build: KernelBuild | 'custom';
  memoryMaximumBytes: number;
}

/**
 * Conditional-independence tests on one data set: the worker prepares the test once, runs every
 * query in order (progress: queries done / total) and disposes it. Resolves to CiResult[].
 */
export interface CiBatchJob {
  kind: 'ciBatch';
  test: CiTestSpec;
  data: Matrix;
  queries: CiQuery[];
  /** The prepare seed; per-query randomness derives from it and the query, so batches may split freely. */
  seed: number;
  /** Tests in the whole run (not this batch), for permutation budgets. Default 1. */
  family?: number;
}

/**
 * Layer 2 training (fitSpecialists) in a worker. Progress messages carry a FitProgress as their third
 * element (done = epoch, total = planned epochs). Resolves to the serialised model (Uint8Array).
 */
export interface FitSpecialistsJob {
  kind: 'fitSpecialists';
  latents: Matrix | ShapedArray;
  targets: TargetsInput;
  membership?: Matrix | ShapedArray;
  options: SpecialistOptions;
}

/**
 * The whole pipeline (encode, Layer 1, Layer 2) in one worker. Progress messages carry a
 * PipelineProgress as their third element. Resolves to a PipelineResult whose `specialists` is the
 * serialised model (Uint8Array) or null.
 */
export interface PipelineJob {
  kind: 'pipeline';
  input: PipelineInput;
  options: Omit<PipelineOptions, 'structure'> & { structure: Omit<PipelineOptions['structure'], 'runtime' | 'pool'> };
}

/** A job for a worker. `kind` discriminates; later layers add their own kinds here. */
export type WorkerJob = { kind: 'kernel'; name: KernelName; input: unknown } | CiBatchJob | FitSpecialistsJob | PipelineJob;

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
export type ProgressMessage = [done: number, total: number] | [done: number, total: number, detail: FitProgress | PipelineProgress];
