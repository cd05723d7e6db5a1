// A task's specialist head beside a dense head (the same network fitted without the penalty, on
// the same rows): what a deployer weighs. How wide each head's input is, how well it predicts on
// the fit's validation rows and on evaluation sets (in and out of distribution), how much of a
// nuisance a probe recovers from its input (leakage), and what it costs to run.
import { SpecialistError } from '../core/errors.ts';
import type { Tensor } from '../core/tensor.ts';
import { kernelRidgeR2 } from '../metrics/identifiability.ts';
import { exportSpecialistOnnx } from '../specialist/export-onnx.ts';
import type { Specialists } from '../specialist/model.ts';

/** One evaluation set's rows for one task. */
export interface ComparisonRows {
  /** Names the set, e.g. 'held-out episodes' or 'unseen fonts'. */
  name: string;
  /** Generalist latents [rows, d]. */
  latents: Tensor<Float32Array>;
  /** What the task's head should predict [rows, dy]. */
  targets: Tensor<Float32Array>;
  /** Nuisance variables by name, each [rows, q]: what a task's head should not need. */
  nuisance?: Record<string, Tensor<Float32Array>>;
}

/** How one head did on one evaluation set: rows scored, R², class-code accuracy, leakage per nuisance. */
export interface SetScore {
  name: string;
  rows: number;
  /** R² of the predictions to the targets (1 - squared error / variance, over all outputs). */
  r2: number;
  /**
   * For targets that are class codes: the share of rows read as their own target. A head with a
   * class read-out (Specialists.classify) reads each row as the class with the largest score; other
   * heads (and sets of continuous targets, over CODEBOOK_LIMIT distinct vectors: null) by the
   * set's distinct target nearest to the prediction.
   */
  accuracy: number | null;
  /** Per nuisance name: held-out R² of a kernel ridge probe from the head's input to it (0: nothing leaks). */
  leakage: Record<string, number>;
}

/** One head of one task in the comparison: its input width, validation loss, size, latency and scores per evaluation set. */
export interface HeadFacts {
  /** The fit's form (SpecialistOptions.architecture): both fits choose their own under 'auto'. */
  architecture: 'linear' | 'nonlinear';
  /** Coordinates of s_hat the head reads: its support, or every coordinate for the dense head. */
  inputWidth: number;
  /**
   * The task's loss on the fit's validation rows after its last phase (whitened targets: 1 - it is
   * the share explained). Both fits split the same rows with the same seed, so the two are paired.
   */
  validationLoss: number;
  /** Numbers the task's prediction reads: the encoder up to the head's inputs, and the head. */
  parameters: number;
  /** Size of the task's standalone ONNX model (exportSpecialistOnnx; it carries all of s_hat). */
  onnxBytes: number;
  /** Median time of one prediction of one row on this thread (TypeScript inference), ms. */
  latencyMs: number;
  sets: SetScore[];
}

/** One task's specialist head beside the dense head (PipelineResult.comparison). */
export interface TaskComparison {
  task: number;
  specialist: HeadFacts;
  /** Null when no dense baseline was fitted. */
  dense: HeadFacts | null;
}

/** Distinct target vectors above this many are read as continuous targets (no accuracy). */
export const CODEBOOK_LIMIT = 64;

function r2Of(prediction: Float32Array, targets: Float32Array, dy: number): number {
  const rows = targets.length / dy;
  const mean = new Float64Array(dy);
  for (let q = 0; q < targets.length; q++) mean[q % dy] += targets[q] / rows;
  let sse = 0, sst = 0;
  for (let q = 0; q < targets.length; q++) {
    sse += (prediction[q] - targets[q]) ** 2;
    sst += (targets[q] - mean[q % dy]) ** 2;
  }
  return sst > 0 ? 1 - sse / sst : 0;
}

/** Share of rows nearest their own target among the distinct targets; null past CODEBOOK_LIMIT of them. */
function codeAccuracy(prediction: Float32Array, targets: Float32Array, dy: number): number | null {
  const rows = targets.length / dy;
  const codes = new Map<string, number>();
  const own = new Int32Array(rows);
  for (let r = 0; r < rows; r++) {
    const key = targets.subarray(r * dy, (r + 1) * dy).join();
    if (!codes.has(key)) {
      if (codes.size === CODEBOOK_LIMIT) return null;
      codes.set(key, r);
    }
    own[r] = codes.get(key)!;
  }
  const book = [...codes.values()];
  let right = 0;
  for (let r = 0; r < rows; r++) {
    let best = -1, bestDistance = Infinity;
    for (const c of book) {
      let s = 0;
      for (let q = 0; q < dy; q++) s += (prediction[r * dy + q] - targets[c * dy + q]) ** 2;
      if (s < bestDistance) [best, bestDistance] = [c, s];
    }
    if (best === own[r]) right++;
  }
  return rows === 0 ? null : right / rows;
}

/** Share of rows whose read class code [rows, dy] is their own target (equal to float32 rounding). */
function classAccuracy(read: Float32Array, targets: Float32Array, dy: number): number | null {
  const rows = targets.length / dy;
  let right = 0;
  for (let r = 0; r < rows; r++) {
    let same = true;
    for (let q = 0; q < dy && same; q++) same = Math.abs(read[r * dy + q] - targets[r * dy + q]) <= 1e-6 * Math.max(1, Math.abs(targets[r * dy + q]));
    if (same) right++;
  }
  return rows === 0 ? null : right / rows;
}

/** Rows a probe needs to say anything: fewer give no leakage figure (NaN). */
const PROBE_ROWS = 20;

function leakage(input: Tensor<Float32Array>, nuisance: Record<string, Tensor<Float32Array>>, seed: number): Record<string, number> {
  const rows = input.shape[0];
  return Object.fromEntries(
    Object.entries(nuisance).map(([name, values]) => {
      if (values.shape[0] !== rows) throw new SpecialistError('SHAPE_MISMATCH', `nuisance '${name}' has ${values.shape[0]} rows, the set ${rows}`, { argument: name });
      if (input.shape[1] === 0) return [name, 0];
      if (rows < PROBE_ROWS) return [name, NaN];
      return [name, kernelRidgeR2(input, values, { seed, trainRows: Math.min(1000, Math.floor(rows * 0.7)) }).mean];
    }),
  );
}

/** What a head gives for a set's latents (scoreSet): its prediction, its input, and the class each row is read as when it has a class read-out. */
export interface HeadOutput {
  prediction: Tensor<Float32Array>;
  /** What a probe for leakage reads. */
  input: Tensor<Float32Array>;
  /** Per row, the code of the class the head reads (Specialists.classify's codes) [rows, dy]. */
  classes?: Tensor<Float32Array>;
}

/**
 * Scores any head on a set: `head` maps latents to its prediction, its input (what a probe for
 * leakage reads) and, with a class read-out, the class each row is read as. Also for heads that are
 * not Specialists (a linear probe on the latents).
 */
export function scoreSet(set: ComparisonRows, head: (latents: Tensor<Float32Array>) => HeadOutput, seed = 0): SetScore {
  const [rows, dy] = set.targets.shape;
  if (set.latents.shape[0] !== rows) throw new SpecialistError('SHAPE_MISMATCH', `set '${set.name}': ${set.latents.shape[0]} rows of latents, ${rows} of targets`, { argument: set.name });
  if (rows === 0) return { name: set.name, rows, r2: NaN, accuracy: null, leakage: {} };
  const { prediction, input, classes } = head(set.latents);
  return {
    name: set.name,
    rows,
    r2: r2Of(prediction.data, set.targets.data, dy),
    accuracy: classes ? classAccuracy(classes.data, set.targets.data, dy) : codeAccuracy(prediction.data, set.targets.data, dy),
    leakage: leakage(input, set.nuisance ?? {}, seed),
  };
}

/** Numbers task `task`'s prediction reads when its head reads `width` coordinates of s_hat. */
function parametersRead(model: Specialists, task: number, width: number): number {
  const { encoder, heads } = model.state;
  const layers = (list: { din: number; dout: number }[]) => list.reduce((a, l) => a + l.din * l.dout + l.dout, 0);
  const last = encoder[encoder.length - 1];
  const [first, ...rest] = heads[task];
  // Only the encoder outputs the head reads (and their batch-norm statistics) are needed.
  return layers(encoder.slice(0, -1)) + (last.din + 1 + 2) * width + width * first.dout + first.dout + layers(rest);
}

function medianMs(run: () => unknown, times = 15): number {
  run();
  const samples: number[] = [];
  for (let i = 0; i < times; i++) {
    const t0 = performance.now();
    run();
    samples.push(performance.now() - t0);
  }
  return samples.sort((a, b) => a - b)[times >> 1];
}

/** The last validation loss of task `task` (refit for a penalised fit, dense fit otherwise). */
function lastValidationLoss(model: Specialists, task: number): number {
  const points = model.lossCurves.validation;
  return points.length ? points[points.length - 1].tasks[task] : NaN;
}

/**
 * Facts of head `task` of `model` (the specialist heads, or a dense fit of the same tasks when
 * `dense`): its input is the task's block, or all of s_hat for a dense head.
 */
export function headFacts(model: Specialists, task: number, sets: ComparisonRows[], dense: boolean, seed = 0): HeadFacts {
  model.checkTask(task);
  const inputWidth = dense ? model.latentDims : model.supports[task].length;
  const classified = model.state.classes?.[task] != null;
  const scored = sets.map((set) =>
    scoreSet(set, (latents) => ({
      prediction: model.predict(latents, task),
      input: dense ? model.transform(latents) : model.transform(latents, task),
      classes: classified ? model.classify(latents, task).codes : undefined,
    }), seed),
  );
  // One row to time: a set's first, or the latents' mean (the model standardises around it).
  const one = sets.find((s) => s.latents.shape[0] > 0);
  const row = { data: one ? one.latents.data.subarray(0, model.state.d) : Float32Array.from(model.state.zMean), shape: [1, model.state.d] };
  return {
    architecture: model.architecture,
    inputWidth,
    validationLoss: lastValidationLoss(model, task),
    parameters: parametersRead(model, task, inputWidth),
    onnxBytes: exportSpecialistOnnx(model, task).length,
    latencyMs: medianMs(() => model.predict(row, task)),
    sets: scored,
  };
}
