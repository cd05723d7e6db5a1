// Column transforms for the kernel tests: each column of a row-major matrix as a float64 array,
// either standardised (mean 0, variance 1) or as normal scores (mid-ranks mapped through the
// normal quantile, which makes a test invariant to monotone maps of each column and tames heavy
// tails).

import type { Matrix } from '../../core/tensor.ts';
import { midRanks } from '../../stats/ranks.ts';

/**
 * How the kernel tests scale each column first: 'standardise' (zero mean, unit variance) or
 * 'normal-scores' (ranks mapped to normal quantiles).
 */
export type ColumnTransform = 'standardise' | 'normal-scores';

/**
 * The standard normal quantile (Acklam's rational approximation, relative error below 1.2e-9,
 * ample for scores whose ranks carry far less information).
 */
export function normalQuantile(p: number): number {
  const a = [-39.69683028665376, 220.9460984245205, -275.9285104469687, 138.357751867269, -30.66479806614716, 2.506628277459239];
  const b = [-54.47609879822406, 161.5858368580409, -155.6989798598866, 66.80131188771972, -13.28068155288572];
  const c = [-0.007784894002430293, -0.3223964580411365, -2.400758277161838, -2.549732539343734, 4.374664141464968, 2.938163982698783];
  const d = [0.007784695709041462, 0.3224671290700398, 2.445134137142996, 3.754408661907416];
  const low = 0.02425;
  if (p < low) {
    const q = Math.sqrt(-2 * Math.log(p));
    return (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) / ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
  }
  if (p > 1 - low) return -normalQuantile(1 - p);
  const q = p - 0.5;
  const r = q * q;
  return ((((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q) / (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1);
}

function standardise(v: Float64Array): boolean {
  const n = v.length;
  let mean = 0;
  for (const x of v) mean += x;
  mean /= n;
  let ss = 0;
  for (const x of v) ss += (x - mean) ** 2;
  const sd = Math.sqrt(ss / n);
  if (!(sd > 0)) return false;
  for (let i = 0; i < n; i++) v[i] = (v[i] - mean) / sd;
  return true;
}

/** Each column transformed; `constant[c]` marks a column with no variation (left as zeros). */
export function transformColumns(data: Matrix, transform: ColumnTransform): { columns: Float64Array[]; constant: boolean[] } {
  const { rows: n, cols } = data;
  const columns: Float64Array[] = [];
  const constant: boolean[] = [];
  for (let c = 0; c < cols; c++) {
    let v = new Float64Array(n);
    for (let r = 0; r < n; r++) v[r] = data.data[r * cols + c];
    if (transform === 'normal-scores') v = midRanks(v).map((rank) => normalQuantile((rank + 0.5) / n));
    const varies = standardise(v);
    if (!varies) v.fill(0);
    columns.push(v);
    constant.push(!varies);
  }
  return { columns, constant };
}

/**
 * A float32 copy of `data` with the listed columns (default: all) replaced by their normal scores
 * (mid-ranks through the normal quantile); the other columns as they are.
 */
export function withNormalScores(data: Matrix, which?: readonly number[]): Matrix {
  const { rows: n, cols } = data;
  const out = Float32Array.from(data.data);
  for (const c of which ?? Array.from({ length: cols }, (_, j) => j)) {
    const v = new Float64Array(n);
    for (let r = 0; r < n; r++) v[r] = data.data[r * cols + c];
    midRanks(v).forEach((rank, r) => (out[r * cols + c] = normalQuantile((rank + 0.5) / n)));
  }
  return { data: out, rows: n, cols };
}
