// Deployment: a generalist encoder plus fitted heads, running on-device. Loads no training code:
// the heads are plain forward passes (Specialists.transform / predict).
import { SpecialistError } from '../core/errors.ts';
import { Generalist, type GeneralistOptions } from '../generalist/generalist.ts';
import { readBytes } from '../core/read-bytes.ts';
import type { Tensor } from '../core/tensor.ts';
import { Specialists } from '../specialist/model.ts';

export interface SpecialistRuntimeOptions {
  generalist?: GeneralistOptions;
  /** Load heads fitted on another encoder (their latents would mean something else). Default false. */
  allowEncoderMismatch?: boolean;
}

export interface RunOutput {
  /** The task's specialist representation [N, |I_k|]. */
  block: Tensor<Float32Array>;
  /** The head's prediction [N, dy]. */
  prediction: Tensor<Float32Array>;
}

/** Model bytes, or a URL (string or URL; in Node a file: URL) to read them from. */
export type ModelSource = Uint8Array | ArrayBuffer | URL | string;

async function bytesOf(source: ModelSource, what: string): Promise<Uint8Array> {
  if (source instanceof Uint8Array) return source;
  if (source instanceof ArrayBuffer) return new Uint8Array(source);
  return readBytes(source, what, 'INVALID_FILE');
}

export class SpecialistRuntime {
  private constructor(
    readonly generalist: Generalist,
    readonly heads: Specialists,
  ) {}

  /** Loads the encoder and the heads; heads fitted on another encoder are refused (ENCODER_MISMATCH). */
  static async load(encoder: ModelSource, heads: ModelSource, options: SpecialistRuntimeOptions = {}): Promise<SpecialistRuntime> {
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
   * head: its specialist block and its prediction.
   */
  async run(observations: Tensor<Float32Array>, task: number, options: { signal?: AbortSignal } = {}): Promise<RunOutput> {
    if (!observations || !Array.isArray(observations.shape)) throw new SpecialistError('INVALID_ARGUMENT', 'observations must be { data: Float32Array, shape }', { argument: 'observations' });
    this.heads.checkTask(task);
    const single = observations.shape.length === this.generalist.observationDims.length;
    const input = single ? { data: observations.data, shape: [1, ...observations.shape] } : observations;
    const latents = await this.generalist.encode(input, options);
    const d = latents.shape[latents.shape.length - 1];
    const z = { data: latents.data, shape: [latents.data.length / d, d] };
    return { block: this.heads.transform(z, task), prediction: this.heads.predict(z, task) };
  }

  async dispose(): Promise<void> {
    await this.generalist.dispose();
  }
}
