// The whole pipeline in a worker: the pipeline job and its typed client.
import type { ProgressCallback } from '../core/call-options.ts';
import { Specialists } from '../specialist/model.ts';
import { poolOf, type JobHandler, type JobRunner } from '../worker/job.ts';
import type { DeviceChoice } from '../generalist/generalist.ts';
import { runPipeline, type EncoderInput, type LatentsInput, type PipelineInput, type PipelineOptions, type PipelineProgress, type PipelineResult } from './pipeline.ts';

type SentResult = Omit<PipelineResult<DeviceChoice | null>, 'specialists' | 'dense'> & { specialists: Uint8Array | null; dense: Uint8Array | null };

/** Progress: the PipelineProgress of each stage. Result: heads serialised. */
export const pipelineJob: JobHandler<{ input: PipelineInput; options: PipelineOptions }, SentResult> = {
  kind: 'pipeline',
  async run({ input, options }, { kernels, onProgress }) {
    const result = await runPipeline(input, options, { kernels, onProgress });
    return { ...result, specialists: result.specialists?.serialise() ?? null, dense: result.dense?.serialise() ?? null };
  },
};

/** The call options of runPipelineInWorker: the pool to run in, progress, abort and transfer. */
export interface PipelineInWorkerOptions {
  /** The workers; the whole pipeline runs in one of them, on that worker's kernel runtime. */
  pool: JobRunner;
  /** Aborting rejects with ABORTED and ends the worker. */
  signal?: AbortSignal;
  onProgress?: ProgressCallback<PipelineProgress>;
  /** Transfer the input arrays instead of copying them (they are detached afterwards). Default false. */
  transfer?: boolean;
}

const IN_WORKER_KEYS: Record<keyof PipelineInWorkerOptions, true> = { pool: true, signal: true, onProgress: true, transfer: true };

/**
 * The whole pipeline (encode, Layer 1, Layer 2) in one worker of `call.pool`, with one progress
 * stream (stage, done, total) and one abort signal. Resolves with the heads deserialised in this thread.
 */
export async function runPipelineInWorker(input: EncoderInput, options: PipelineOptions, call: PipelineInWorkerOptions): Promise<PipelineResult>;
export async function runPipelineInWorker(input: LatentsInput, options: PipelineOptions, call: PipelineInWorkerOptions): Promise<PipelineResult<null>>;
export async function runPipelineInWorker(input: PipelineInput, options: PipelineOptions, call: PipelineInWorkerOptions): Promise<PipelineResult<DeviceChoice | null>>;
export async function runPipelineInWorker(input: PipelineInput, options: PipelineOptions, call: PipelineInWorkerOptions): Promise<PipelineResult<DeviceChoice | null>> {
  const pool = poolOf('runPipelineInWorker', 'PipelineInWorkerOptions', call, IN_WORKER_KEYS, input);
  const { signal, onProgress, transfer } = call;
  const result = await pool.run<SentResult>(pipelineJob.kind, { input, options }, { signal, transfer, onProgress: onProgress as ProgressCallback | undefined });
  const load = (bytes: Uint8Array | null) => (bytes ? Specialists.deserialise(bytes) : null);
  return { ...result, specialists: load(result.specialists), dense: load(result.dense) };
}
