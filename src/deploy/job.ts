// Deployment in a worker: the jobs that load a SpecialistRuntime into the worker that runs them,
// run it and free it. The worker keeps each loaded runtime under a handle (a number local to that
// worker), so its clients must send every later job to the same worker: a PinnedRunner
// (WorkerPool.pin). The client class is WorkerSpecialistRuntime (worker-runtime.ts).
import { SpecialistError, throwIfAborted } from '../core/errors.ts';
import type { Tensor } from '../core/tensor.ts';
import type { DeviceChoice } from '../generalist/generalist.ts';
import type { JobHandler, JobRunner, JobRunOptions } from '../worker/job.ts';
import { SpecialistRuntime, type RunOutput, type SpecialistRuntimeOptions } from './specialist-runtime.ts';

/** What a worker is sent to load: bytes (copied or transferred), or a URL it reads itself. */
export type SentSource = Uint8Array | ArrayBuffer | string;

export interface DeployLoadPayload {
  encoder: SentSource;
  heads: SentSource;
  options: SpecialistRuntimeOptions;
}

/** What the caller learns about a runtime loaded in a worker. */
export interface LoadedRuntime {
  handle: number;
  tasks: number;
  /** Per task, the s_hat coordinates its head reads. */
  supports: number[][];
  encoderSha256: string;
  /** Per-observation dims the encoder takes (after the batch axis); strings are dynamic axes. */
  observationDims: (number | string)[];
  device: DeviceChoice;
}

export interface DeployRunPayload {
  handle: number;
  observations: Tensor<Float32Array>;
  task: number;
}

/** The runtimes this worker holds, by handle. */
const loaded = new Map<number, SpecialistRuntime>();
let nextHandle = 1;

function runtimeOf(handle: number): SpecialistRuntime {
  const runtime = loaded.get(handle);
  if (!runtime) throw new SpecialistError('INVALID_ARGUMENT', `This worker holds no runtime ${handle}: it was disposed`, { handle, reason: 'disposed' });
  return runtime;
}

export const deployLoadJob: JobHandler<DeployLoadPayload, LoadedRuntime> = {
  kind: 'deploy.load',
  async run({ encoder, heads, options }, { signal }) {
    const runtime = await SpecialistRuntime.load(encoder, heads, options);
    if (signal.aborted) {
      // The caller gave up while onnxruntime was creating the session: nothing may stay behind.
      await runtime.dispose();
      throwIfAborted(signal);
    }
    const handle = nextHandle++;
    loaded.set(handle, runtime);
    const { generalist, heads: model } = runtime;
    return { handle, tasks: model.tasks, supports: model.supports, encoderSha256: generalist.modelSha256, observationDims: generalist.observationDims, device: generalist.device };
  },
};

export const deployRunJob: JobHandler<DeployRunPayload, RunOutput> = {
  kind: 'deploy.run',
  run: ({ handle, observations, task }, { signal }) => runtimeOf(handle).run(observations, task, { signal }),
};

export const deployDisposeJob: JobHandler<{ handle: number }, void> = {
  kind: 'deploy.dispose',
  async run({ handle }) {
    const runtime = loaded.get(handle);
    loaded.delete(handle);
    await runtime?.dispose();
  },
};

// The typed clients (WorkerSpecialistRuntime calls them on its pinned runner).

export function loadInWorker(runner: JobRunner, payload: DeployLoadPayload, options: JobRunOptions): Promise<LoadedRuntime> {
  return runner.run<LoadedRuntime>(deployLoadJob.kind, payload, options);
}

export function runInWorker(runner: JobRunner, payload: DeployRunPayload, options: JobRunOptions): Promise<RunOutput> {
  return runner.run<RunOutput>(deployRunJob.kind, payload, options);
}

export function disposeInWorker(runner: JobRunner, handle: number): Promise<void> {
  return runner.run<void>(deployDisposeJob.kind, { handle });
}
