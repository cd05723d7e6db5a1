// The fitted model: everything needed to transform and predict, with plain TypeScript inference
// (a forward pass per row is a few thousand multiply-adds; no kernel runtime needed to deploy).
import { SpecialistError } from '../core/errors.ts';
import { matrixOf, type Tensor } from '../core/tensor.ts';
import { activate, type LayerWeights } from './layers.ts';
import type { LossCurves, SpecialistsState } from './state.ts';

export type { LossCurves, SpecialistsState, ValidationPoint } from './state.ts';
import type { Penalty } from './options.ts';
import { deserialiseModel, serialiseModel } from './format.ts';

/** How a heads file is checked on load: the encoder it must have been fitted on. */
export interface DeserialiseOptions {
  /** SHA-256 of the encoder you will feed the heads from: a file fitted on another encoder is refused. */
  encoderSha256?: string;
  /** Load even when the file's encoder hash differs from `encoderSha256`. Default false. */
  allowEncoderMismatch?: boolean;
}

/** Finite inputs can still overflow float32 on the way out (latents far outside the fitted range). */
function finiteOutput(what: string, data: Float32Array, cols: number): Float32Array {
  const at = data.findIndex((v) => !Number.isFinite(v));
  if (at >= 0) {
    const row = Math.floor(at / cols);
    throw new SpecialistError('NON_FINITE', `${what} overflows float32 (${data[at]}) for row ${row}: its latents lie far outside the range the heads were fitted on`, { row, column: at % cols, value: String(data[at]) });
  }
  return data;
}

function forwardLayers(layers: LayerWeights[], x: Float64Array, rows: number): Float64Array {
  let h = x;
  for (const l of layers) {
    const out = new Float64Array(rows * l.dout);
    for (let r = 0; r < rows; r++) {
      for (let o = 0; o < l.dout; o++) {
        let s = l.b[o];
        for (let p = 0; p < l.din; p++) s += h[r * l.din + p] * l.w[p * l.dout + o];
        out[r * l.dout + o] = activate(s, l.activation);
      }
    }
    h = out;
  }
  return h;
}

/**
 * Fitted specialist heads: per task, the block of s_hat coordinates it reads and the head on them.
 * Serialisable, runs without a kernel runtime.
 */
export class Specialists {
  constructor(readonly state: SpecialistsState) {}

  /** Per task, the s_hat coordinates its head reads (ascending). */
  get supports(): number[][] {
    return this.state.supports.map((s) => [...s]);
  }
  /** The lambda chosen for each task (all equal for a given lambda; 0 without penalty). */
  get lambda(): number[] {
    return [...this.state.lambda];
  }
  get converged(): boolean {
    return this.state.converged;
  }
  get lossCurves(): LossCurves {
    return this.state.curves;
  }
  get latentDims(): number {
    return this.state.latentDims;
  }
  /**
   * 'linear' when s_hat is one linear map of the latents and every head is linear (architecture
   * 'linear', or 'auto' where the linear fit read the validation rows better), else 'nonlinear'.
   */
  get architecture(): 'linear' | 'nonlinear' {
    const { encoderWidths, heads } = this.state;
    return encoderWidths.length === 0 && heads.every((head) => head.every((l) => l.activation === 'identity')) ? 'linear' : 'nonlinear';
  }
  get tasks(): number {
    return this.state.taskDims.length;
  }

  /** Throws INVALID_ARGUMENT unless `task` is one of the heads' tasks. */
  checkTask(task: number): void {
    if (!Number.isInteger(task) || task < 0 || task >= this.tasks) {
      throw new SpecialistError('INVALID_ARGUMENT', `task must be an integer in [0, ${this.tasks - 1}], got ${task}`, { task });
    }
  }

  /** s_hat of latents [N, d], and N. */
  private sHat(input: Tensor): { s: Float64Array; rows: number } {
    const latents = matrixOf('latents', input);
    const { d, zMean, zStd, encoder, bnMean, bnInvStd, latentDims } = this.state;
    if (latents.cols !== d) throw new SpecialistError('SHAPE_MISMATCH', `latents have ${latents.cols} columns; the model was fitted on ${d}`, { cols: latents.cols, d });
    const x = Float64Array.from(latents.data, (v, i) => (v - zMean[i % d]) / zStd[i % d]);
    const e = forwardLayers(encoder, x, latents.rows);
    for (let q = 0; q < e.length; q++) e[q] = (e[q] - bnMean[q % latentDims]) * bnInvStd[q % latentDims];
    return { s: e, rows: latents.rows };
  }

  /** s_hat [N, latentDims], or with `task` only that task's block [N, |support|] (columns in support order). */
  transform(latents: Tensor, task?: number): Tensor<Float32Array> {
    if (task !== undefined) this.checkTask(task);
    const { s, rows } = this.sHat(latents);
    const dh = this.state.latentDims;
    if (task === undefined) return { data: finiteOutput('s_hat', Float32Array.from(s), dh), shape: [rows, dh] };
    const cols = this.state.supports[task];
    const out = new Float32Array(rows * cols.length);
    for (let r = 0; r < rows; r++) cols.forEach((c, j) => (out[r * cols.length + j] = s[r * dh + c]));
    return { data: finiteOutput(`task ${task}'s block`, out, cols.length), shape: [rows, cols.length] };
  }

  /** Task k's prediction [N, dy] in the targets' original units. */
  predict(latents: Tensor, task: number): Tensor<Float32Array> {
    this.checkTask(task);
    const { s, rows } = this.sHat(latents);
    const y = forwardLayers(this.state.heads[task], s, rows);
    const dy = this.state.taskDims[task];
    const { yMean, yStd } = this.state;
    const prediction = Float32Array.from(y, (v, i) => v * yStd[task][i % dy] + yMean[task][i % dy]);
    return { data: finiteOutput(`task ${task}'s prediction`, prediction, dy), shape: [rows, dy] };
  }

  /**
   * Task k's class codes [classes, dy] (in the targets' units, in order of first appearance in
   * the fit), or null when its targets were not class codes: more than 64 distinct target vectors
   * or under 10 rows per class over the task's rows, `whitenTargets: false`, or a model file
   * of format 3 (written before the class read-out), which kept no class map.
   */
  classCodes(task: number): Tensor<Float32Array> | null {
    this.checkTask(task);
    const map = this.state.classes?.[task];
    return map ? { data: map.codes.slice(), shape: [map.classes, this.state.taskDims[task]] } : null;
  }

  /**
   * Task k's class read-out for class-coded targets: per row the class scores and the class with
   * the largest one (not the class code nearest to `predict`, whose mix of two codes can lie nearest
   * a third). INVALID_ARGUMENT (reason 'not-classes') when the task has no class map (classCodes).
   */
  classify(latents: Tensor, task: number): {
    /** Per row, the class with the largest score: its index in the task's class codes (classCodes). */
    index: Int32Array;
    /** Per row, that class's code [N, dy], in the targets' units: the target the row is read as. */
    codes: Tensor<Float32Array>;
    /**
     * The class scores [N, classes]: the head's estimate of each class's share among rows like this
     * one (linear, so they sum to 1 per row but may leave [0, 1]; not calibrated probabilities).
     */
    scores: Tensor<Float32Array>;
  } {
    this.checkTask(task);
    const map = this.state.classes?.[task];
    if (!map) {
      throw new SpecialistError('INVALID_ARGUMENT', `task ${task} has no class map: its targets were not class codes (at most 64 distinct target vectors, at least 10 rows each), it was fitted with whitenTargets: false, or the model file predates format 4. Use predict`, { task, reason: 'not-classes' });
    }
    const { s, rows } = this.sHat(latents);
    const head = this.state.heads[task];
    const scores = Float32Array.from(forwardLayers([...head.slice(0, -1), map.scores], s, rows));
    finiteOutput(`task ${task}'s class scores`, scores, map.classes);
    const dy = this.state.taskDims[task];
    const index = new Int32Array(rows);
    const codes = new Float32Array(rows * dy);
    for (let r = 0; r < rows; r++) {
      let best = 0;
      for (let c = 1; c < map.classes; c++) if (scores[r * map.classes + c] > scores[r * map.classes + best]) best = c;
      index[r] = best;
      codes.set(map.codes.subarray(best * dy, (best + 1) * dy), r * dy);
    }
    return { index, codes: { data: codes, shape: [rows, dy] }, scores: { data: scores, shape: [rows, map.classes] } };
  }

  /** The versioned, checksummed binary model (see format.ts). */
  serialise(): Uint8Array {
    return serialiseModel(this.state);
  }

  /** SHA-256 of the encoder the heads were fitted on, when recorded. */
  get encoderSha256(): string | undefined {
    return this.state.encoderSha256;
  }

  /** Records the encoder the heads were fitted on (saved with the model; checked when loading). */
  withEncoder(encoderSha256: string): Specialists {
    if (!/^[0-9a-f]{64}$/.test(encoderSha256)) throw new SpecialistError('INVALID_ARGUMENT', `encoderSha256 must be 64 lower-case hex digits, got ${JSON.stringify(encoderSha256)}`);
    return new Specialists({ ...this.state, encoderSha256 });
  }

  /**
   * Loads serialise()'s bytes; anything truncated, corrupted or of another version is INVALID_FILE,
   * and heads fitted on another encoder than `options.encoderSha256` are ENCODER_MISMATCH.
   */
  static deserialise(bytes: Uint8Array, options: DeserialiseOptions = {}): Specialists {
    if (options.encoderSha256 !== undefined && !/^[0-9a-f]{64}$/.test(options.encoderSha256)) {
      throw new SpecialistError('INVALID_ARGUMENT', `encoderSha256 must be 64 lower-case hex digits (Generalist.modelSha256), got ${JSON.stringify(options.encoderSha256)}`, { argument: 'encoderSha256' });
    }
    const { file, ...state } = deserialiseModel(bytes);
    if (options.encoderSha256 && !options.allowEncoderMismatch && file.encoderSha256 !== options.encoderSha256) {
      throw new SpecialistError(
        'ENCODER_MISMATCH',
        file.encoderSha256
          ? `These heads were fitted on encoder ${file.encoderSha256.slice(0, 12)}..., not on ${options.encoderSha256.slice(0, 12)}...: their latents would mean something else (pass allowEncoderMismatch to load anyway)`
          : 'These heads record no encoder, so they cannot be checked against yours (pass allowEncoderMismatch to load anyway)',
        { expected: options.encoderSha256, found: file.encoderSha256 },
      );
    }
    return new Specialists(state);
  }

  /** Reconstruction of z_hat from s_hat, in the latents' units. */
  reconstruct(latents: Tensor): Tensor<Float32Array> {
    const { s, rows } = this.sHat(latents);
    const { d, zMean, zStd, decoder } = this.state;
    const z = forwardLayers(decoder, s, rows);
    return { data: finiteOutput('the reconstruction', Float32Array.from(z, (v, i) => v * zStd[i % d] + zMean[i % d]), d), shape: [rows, d] };
  }
}
