// Deployment for apps that already run their encoder (transformers.js, their own onnxruntime
// session, a server): latents in, the heads' blocks and predictions out. The heads are small MLPs
// evaluated in plain TypeScript (Specialists.transform / predict): this module imports neither the
// Generalist nor onnxruntime-web, so a page that uses it fetches no onnxruntime file.
import { SpecialistError } from '../core/errors.ts';
import type { Tensor } from '../core/tensor.ts';
import { checkKeys } from '../core/validate.ts';
import { Specialists } from '../specialist/model.ts';
import { bytesOf, type ModelSource } from './model-source.ts';

/**
 * What a deployment runtime returns for one task: its specialist representation and its head's
 * prediction.
 */
export interface RunOutput {
  /** The task's specialist representation [N, |I_k|]. */
  block: Tensor<Float32Array>;
  /** The head's prediction [N, dy]. */
  prediction: Tensor<Float32Array>;
  /** For a class-coded task (Specialists.classCodes), its class read-out (Specialists.classify): each row's class and the class scores. */
  classes?: ReturnType<Specialists['classify']>;
}

/** Latents [N, d] through task `task`'s heads: block, prediction, and the class read-out where the task has one. */
export function applyHeads(heads: Specialists, z: Tensor, task: number): RunOutput {
  const out: RunOutput = { block: heads.transform(z, task), prediction: heads.predict(z, task) };
  if (heads.state.classes?.[task]) out.classes = heads.classify(z, task);
  return out;
}

/** How a HeadRuntime checks the heads it loads. */
export interface HeadRuntimeOptions {
  /**
   * SHA-256 (hex) of the encoder whose latents you will pass: heads fitted on another encoder are
   * refused (ENCODER_MISMATCH). Default: not checked (heads fitted on latents record no encoder).
   */
  encoderSha256?: string;
}

/**
 * Fitted heads run on latents the app already has (its own encoder's output): `run(latents, task)`
 * gives the task's block and prediction. Loads no encoder and no onnxruntime.
 */
export class HeadRuntime {
  private constructor(readonly heads: Specialists) {}

  /** Loads the heads (a .specialist file's bytes, or a URL to fetch them from). */
  static async load(heads: ModelSource, options: HeadRuntimeOptions = {}): Promise<HeadRuntime> {
    if (!options || typeof options !== 'object') throw new SpecialistError('INVALID_ARGUMENT', 'options must be an object', { argument: 'options' });
    checkKeys('HeadRuntimeOptions', options, { encoderSha256: true } satisfies Record<keyof HeadRuntimeOptions, true>);
    return new HeadRuntime(Specialists.deserialise(await bytesOf(heads, 'specialist file'), { encoderSha256: options.encoderSha256 }));
  }

  get tasks(): number {
    return this.heads.tasks;
  }

  /** Latents [N, d] (or one latent vector [d]) through task `task`'s head: its block, its prediction and, for class-coded targets, its class read-out. */
  run(latents: Tensor, task: number): RunOutput {
    if (!latents || !Array.isArray(latents.shape)) throw new SpecialistError('INVALID_ARGUMENT', 'latents must be { data: Float32Array, shape: [N, d] or [d] }', { argument: 'latents' });
    this.heads.checkTask(task);
    const z = latents.shape.length === 1 ? { data: latents.data, shape: [1, latents.shape[0]] } : latents;
    return applyHeads(this.heads, z, task);
  }
}
