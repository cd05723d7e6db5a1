// The whole pipeline in a worker: the pipeline job and its typed client.
import { Specialists } from '../specialist/model.ts';
import type { JobHandler, JobRunner } from '../worker/job.ts';
import { runPipeline, type PipelineInput, type PipelineOptions, type PipelineProgress, type PipelineResult } from './pipeline.ts';

type SentResult = Omit<PipelineResult, 'specialists'> & { specialists: Uint8Array | null };

/** Progress: the stage's done / total, with the PipelineProgress as detail. Result: heads serialised. */
export const pipelineJob: JobHandler<{ input: PipelineInput; options: PipelineOptions }, SentResult> = {
  kind: 'pipeline',
  async run({ input, options }, { kernels, onProgress }) {
    const result = await runPipeline(input, options, { kernels, onProgress: onProgress && ((p) => onProgress(p.done, p.total, p)) });
    return { ...result, specialists: result.specialists?.serialise() ?? null };
  },
};

export interface PipelineInWorkerOptions {
  signal?: AbortSignal;
  onProgress?: (progress: PipelineProgress) => void;
  /** Transfer the input arrays instead of copying them (they are detached afterwards). Default false. */
  transfer?: boolean;
}

/**
 * The whole pipeline (encode, Layer 1, Layer 2) in one worker of `pool`, with one progress stream
 * (stage, done, total) and one abort signal. Resolves with the heads deserialised in this thread.
 */
export async function runPipelineInWorker(pool: JobRunner, input: PipelineInput, options: PipelineOptions, call: PipelineInWorkerOptions = {}): Promise<PipelineResult> {
  const { onProgress, ...run } = call;
  const result = await pool.run<SentResult>(pipelineJob.kind, { input, options }, { ...run, onProgress: onProgress && ((_d, _t, detail) => onProgress(detail as PipelineProgress)) });
  return { ...result, specialists: result.specialists ? Specialists.deserialise(result.specialists) : null };
}
