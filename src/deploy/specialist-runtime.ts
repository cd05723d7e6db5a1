// Deployment: a generalist encoder plus fitted heads, running on-device. Loads no training code:
// the heads are plain forward passes (Specialists.transform / predict). The argument checks at the
// end are shared with WorkerSpecialistRuntime, so that the same misuse gives the same error in both
// (docs/reliability.md, "The two runtimes").
import { SpecialistError, abortError } from '../core/errors.ts';
import { Generalist, type GeneralistOptions } from '../generalist/generalist.ts';
import type { Tensor } from '../core/tensor.ts';
import { checkKeys } from '../core/validate.ts';
import { Specialists } from '../specialist/model.ts';
import { linkSignals } from './linked-signal.ts';
import { applyHeads, type RunOutput } from './head-runtime.ts';
import { bytesOf, type ModelSource } from './model-source.ts';

export type { ModelSource, RunOutput };

/** How a deployment runtime loads its encoder and checks its heads. */
export interface SpecialistRuntimeOptions {
  generalist?: GeneralistOptions;
  /** Load heads fitted on another encoder (their latents would mean something else). Default false. */
  allowEncoderMismatch?: boolean;
}

/**
 * An encoder and fitted heads loaded to run on new observations in this thread: `run(observations,
 * task)` gives the task's block and prediction.
 */
export class SpecialistRuntime {
  /** Aborted by dispose(): runs still going reject with ABORTED (reason 'runtime disposed'). */
  private readonly disposal = new AbortController();
  private readonly running = new Set<Promise<unknown>>();
  private disposing?: Promise<void>;

  private constructor(
    readonly generalist: Generalist,
    readonly heads: Specialists,
  ) {}

  /** Loads the encoder and the heads; heads fitted on another encoder are refused (ENCODER_MISMATCH). */
  static async load(encoder: ModelSource, heads: ModelSource, options: SpecialistRuntimeOptions = {}): Promise<SpecialistRuntime> {
    checkRuntimeOptions(options);
    const generalist = await Generalist.load(encoder, options.generalist);
    try {
      const model = Specialists.deserialise(await bytesOf(heads, 'specialist file'), {
        encoderSha256: generalist.modelSha256,
        allowEncoderMismatch: options.allowEncoderMismatch,
      });
      return new SpecialistRuntime(generalist, model);
    } catch (error) {
      await generalist.dispose();
      throw error;
    }
  }

  get tasks(): number {
    return this.heads.tasks;
  }

  /**
   * Observations [N, ...obs] (or one observation [...obs]) through the encoder and task `task`'s
   * head: its specialist block and its prediction. After dispose(), ABORTED.
   */
  async run(observations: Tensor<Float32Array>, task: number, options: { signal?: AbortSignal } = {}): Promise<RunOutput> {
    checkRun(this.disposal.signal, observations, task, this.tasks, options, { signal: true });
    const link = linkSignals(options.signal, this.disposal.signal);
    const running = this.encodeAndApply(observations, task, link.signal);
    this.running.add(running);
    try {
      return await running;
    } finally {
      this.running.delete(running);
      link.unlink();
    }
  }

  private async encodeAndApply(observations: Tensor<Float32Array>, task: number, signal: AbortSignal): Promise<RunOutput> {
    const single = observations.shape.length === this.generalist.observationDims.length;
    const input = single ? { data: observations.data, shape: [1, ...observations.shape] } : observations;
    const latents = await this.generalist.encode(input, { signal });
    // Stopped during its last batch: the caller (or dispose) has moved on, as in the worker runtime.
    if (signal.aborted) throw abortError(signal);
    const d = latents.shape[latents.shape.length - 1];
    const z = { data: latents.data, shape: [latents.data.length / d, d] };
    return applyHeads(this.heads, z, task);
  }

  /**
   * Frees the encoder's session once the runs still going have stopped (they reject with ABORTED,
   * after their current batch). Calling it again does nothing (it resolves when the first is done).
   */
  dispose(): Promise<void> {
    this.disposing ??= (async () => {
      this.disposal.abort('runtime disposed');
      await Promise.allSettled(this.running);
      await this.generalist.dispose();
    })();
    return this.disposing;
  }

  /** `await using runtime = await SpecialistRuntime.load(...)` disposes it at the end of the scope. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.dispose();
  }
}

// Checks shared by both runtimes.

/** SpecialistRuntimeOptions: an object with known keys. */
export function checkRuntimeOptions(options: SpecialistRuntimeOptions): void {
  if (!options || typeof options !== 'object') throw new SpecialistError('INVALID_ARGUMENT', 'options must be an object', { argument: 'options' });
  checkKeys('SpecialistRuntimeOptions', options, { generalist: true, allowEncoderMismatch: true } satisfies Record<keyof SpecialistRuntimeOptions, true>);
}

/** A run's arguments, in the order both runtimes check them: disposed, options, observations, task. */
export function checkRun(disposal: AbortSignal, observations: Tensor<Float32Array>, task: number, tasks: number, options: object, keys: Record<string, true>): void {
  if (disposal.aborted) throw new SpecialistError('ABORTED', 'This runtime was disposed: load it again to run', { reason: 'runtime disposed' });
  if (!options || typeof options !== 'object') throw new SpecialistError('INVALID_ARGUMENT', 'run options must be an object', { argument: 'options' });
  checkKeys('run options', options, keys);
  if (!observations || !(observations.data instanceof Float32Array) || !Array.isArray(observations.shape)) {
    throw new SpecialistError('INVALID_ARGUMENT', 'observations must be { data: Float32Array, shape }', { argument: 'observations' });
  }
  if (!Number.isInteger(task) || task < 0 || task >= tasks) {
    throw new SpecialistError('INVALID_ARGUMENT', `task must be an integer in [0, ${tasks - 1}], got ${task}`, { task });
  }
}
