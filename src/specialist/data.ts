// Checks and standardises the inputs of fitSpecialists: latents [N, d], targets per task, and the
// optional 0/1 membership [N, K]; splits rows into training and validation with the seed.
import { SpecialistError } from '../core/errors.ts';
import { checkTensor, matrixOf, type Matrix, type Tensor } from '../core/tensor.ts';
import type { Rng } from '../core/random.ts';

/** One [N, K] / [N, K, dy] tensor, or one [N, dy] tensor per task (widths may differ). */
export type TargetsInput = Tensor | Tensor[];

export interface TaskData {
  /** Standardised targets [N, dy]. */
  y: Float32Array;
  dy: number;
  mean: Float32Array;
  std: Float32Array;
  /** 1 where the row counts for this task. */
  member: Uint8Array;
  /** The targets as given [N, dy] (class codes are kept in these units). */
  raw?: Float32Array;
}

export interface FitData {
  n: number;
  d: number;
  /** Standardised latents [N, d]. */
  z: Float32Array;
  zMean: Float32Array;
  zStd: Float32Array;
  tasks: TaskData[];
}

/** Fewest rows a task needs (after the validation split some must remain on both sides). */
export const MIN_ROWS = 20;

function splitTargets(targets: TargetsInput, n: number): Matrix[] {
  if (Array.isArray(targets)) {
    if (targets.length === 0) throw new SpecialistError('INVALID_ARGUMENT', 'targets must hold at least one task', { argument: 'targets' });
    return targets.map((t, k) => matrixOf(`targets[${k}]`, t));
  }
  const shape = checkTensor('targets', targets, [2, 3], 'N, K[, dy]');
  const [rows, K] = shape;
  const dy = shape[2] ?? 1;
  if (rows !== n) throw new SpecialistError('SHAPE_MISMATCH', `targets have ${rows} rows, latents ${n}`, { targets: rows, latents: n });
  return Array.from({ length: K }, (_, k) => {
    const data = targets.data instanceof Float64Array ? new Float64Array(rows * dy) : new Float32Array(rows * dy); // float64 narrowed (and checked) by matrixOf
    for (let r = 0; r < rows; r++) for (let j = 0; j < dy; j++) data[r * dy + j] = targets.data[(r * K + k) * dy + j];
    return matrixOf(`targets[:, ${k}]`, { data, shape: [rows, dy] });
  });
}

/** Per column, whether it holds one value over the rows where `use` is 1 (all rows when absent). */
function constantColumns(data: Float32Array, rows: number, cols: number, use?: Uint8Array): boolean[] {
  return Array.from({ length: cols }, (_, c) => {
    let first: number | undefined;
    for (let r = 0; r < rows; r++) {
      if (use && !use[r]) continue;
      const v = data[r * cols + c];
      if (first === undefined) first = v;
      else if (v !== first) return false;
    }
    return true;
  });
}

/** Column means and standard deviations over the rows where `use` is 1 (all rows when absent). */
export function columnStats(data: Float32Array, rows: number, cols: number, use?: Uint8Array): { mean: Float32Array; std: Float32Array } {
  const mean = new Float64Array(cols), sq = new Float64Array(cols);
  let count = 0;
  for (let r = 0; r < rows; r++) {
    if (use && !use[r]) continue;
    count++;
    for (let c = 0; c < cols; c++) mean[c] += data[r * cols + c];
  }
  for (let c = 0; c < cols; c++) mean[c] /= Math.max(1, count);
  for (let r = 0; r < rows; r++) {
    if (use && !use[r]) continue;
    for (let c = 0; c < cols; c++) sq[c] += (data[r * cols + c] - mean[c]) ** 2;
  }
  // A constant column keeps std 1, so it standardises to zeros instead of NaN.
  const std = Float32Array.from(sq, (s) => (s > 0 ? Math.sqrt(s / Math.max(1, count)) : 1));
  return { mean: Float32Array.from(mean), std };
}

export function standardise(data: Float32Array, cols: number, mean: Float32Array, std: Float32Array): Float32Array {
  return data.map((v, i) => (v - mean[i % cols]) / std[i % cols]);
}

/** Checks latents, targets and membership (typed errors naming what is wrong); the targets split per task with each task's member rows. */
export function checkInputs(latents: Tensor, targets: TargetsInput, membership?: Tensor): { z: Matrix; parts: Matrix[]; member: Uint8Array[] } {
  const z = matrixOf('latents', latents);
  const parts = splitTargets(targets, z.rows);
  parts.forEach((t, k) => {
    if (t.rows !== z.rows) throw new SpecialistError('SHAPE_MISMATCH', `targets[${k}] has ${t.rows} rows, latents ${z.rows}`, { task: k });
  });
  const K = parts.length;
  let member: Uint8Array[] = parts.map(() => new Uint8Array(z.rows).fill(1));
  if (membership !== undefined) {
    const m = matrixOf('membership', membership);
    if (m.rows !== z.rows || m.cols !== K) throw new SpecialistError('SHAPE_MISMATCH', `membership is [${m.rows}, ${m.cols}], expected [${z.rows}, ${K}] (rows x tasks)`);
    const bad = m.data.findIndex((v) => v !== 0 && v !== 1);
    if (bad >= 0) {
      throw new SpecialistError('INVALID_ARGUMENT', `membership must hold only 0 and 1; row ${Math.floor(bad / K)}, task ${bad % K} holds ${m.data[bad]}`, { row: Math.floor(bad / K), task: bad % K });
    }
    member = parts.map((_, k) => Uint8Array.from({ length: z.rows }, (_, r) => m.data[r * K + k]));
  }
  if (z.rows < MIN_ROWS) throw new SpecialistError('SHAPE_MISMATCH', `fitSpecialists needs at least ${MIN_ROWS} rows, got ${z.rows}`, { rows: z.rows });
  member.forEach((m, k) => {
    const count = m.reduce((a, b) => a + b, 0);
    if (count < MIN_ROWS) throw new SpecialistError('SHAPE_MISMATCH', `task ${k} has ${count} member rows; it needs at least ${MIN_ROWS}`, { task: k, rows: count });
  });
  if (constantColumns(z.data, z.rows, z.cols).every(Boolean)) {
    throw new SpecialistError('INVALID_ARGUMENT', `latents are constant: each of the ${z.cols} columns holds one value in all ${z.rows} rows, so no task can depend on them (are these the encoder's outputs?)`, {
      argument: 'latents',
      reason: 'constant',
    });
  }
  parts.forEach((t, k) => {
    if (constantColumns(t.data, t.rows, t.cols, member[k]).every(Boolean)) {
      throw new SpecialistError('INVALID_ARGUMENT', `targets of task ${k} are constant over its member rows: there is nothing to predict, so no support can be learnt`, {
        argument: `targets[${k}]`,
        task: k,
        reason: 'constant',
      });
    }
  });
  return { z, parts, member };
}

export function prepareData(latents: Tensor, targets: TargetsInput, membership?: Tensor): FitData {
  const { z, parts, member } = checkInputs(latents, targets, membership);
  const zs = columnStats(z.data, z.rows, z.cols);
  const tasks = parts.map((t, k) => {
    const s = columnStats(t.data, t.rows, t.cols, member[k]);
    return { y: standardise(t.data, t.cols, s.mean, s.std), dy: t.cols, mean: s.mean, std: s.std, member: member[k], raw: t.data };
  });
  return { n: z.rows, d: z.cols, z: standardise(z.data, z.cols, zs.mean, zs.std), zMean: zs.mean, zStd: zs.std, tasks };
}

/** A seeded shuffle of the rows, split into training and validation indices. */
export function splitRows(n: number, fraction: number, rng: Rng): { train: Int32Array; validation: Int32Array } {
  const order = Int32Array.from({ length: n }, (_, i) => i);
  shuffle(order, rng);
  const nVal = Math.max(1, Math.min(n - 2, Math.round(n * fraction)));
  return { validation: order.slice(0, nVal).sort(), train: order.slice(nVal).sort() };
}

export function shuffle(a: Int32Array, rng: Rng): void {
  for (let i = a.length - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    const t = a[i];
    a[i] = a[j];
    a[j] = t;
  }
}
