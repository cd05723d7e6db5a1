// Random Fourier features of the Gaussian kernel (Rahimi and Recht 2007): for a block of b columns,
// phi_j(u) = sqrt(2) cos(w_j . u + c_j) with w_j ~ N(0, I / sigma^2) and c_j ~ U[0, 2 pi), so that
// phi(u) . phi(v) / m estimates exp(-|u - v|^2 / (2 sigma^2)). sigma is the median distance between
// rows (the median heuristic), taken on an evenly spaced subsample of the rows.

import type { Rng } from '../../core/random.ts';
import { getKernel } from '../../kernels/registry.ts';
import type { KernelRuntime } from '../../kernels/runtime.ts';

/** Rows used for the median distance: 500 rows give 124,750 pairs, a median within ~1%. */
export const BANDWIDTH_ROWS = 500;

/**
 * Median Euclidean distance between the rows of the given column-major columns (each of length
 * n), over at most BANDWIDTH_ROWS evenly spaced rows. 0 when more than half of the pairs coincide.
 */
export function medianDistance(columns: readonly Float64Array[], n: number): number {
  const m = Math.min(n, BANDWIDTH_ROWS);
  const rows = Array.from({ length: m }, (_, i) => Math.floor((i * n) / m));
  const distances = new Float64Array((m * (m - 1)) / 2);
  let q = 0;
  for (let i = 0; i < m; i++) {
    for (let j = i + 1; j < m; j++) {
      let s = 0;
      for (const c of columns) {
        const d = c[rows[i]] - c[rows[j]];
        s += d * d;
      }
      distances[q++] = s;
    }
  }
  return distances.length === 0 ? 0 : Math.sqrt(select(distances, Math.floor((distances.length - 1) / 2)));
}

/** The k-th smallest value (0-based) of `a`, reordering it (quickselect, middle pivot). */
function select(a: Float64Array, k: number): number {
  let lo = 0;
  let hi = a.length - 1;
  while (lo < hi) {
    const pivot = a[(lo + hi) >>> 1];
    let i = lo;
    let j = hi;
    while (i <= j) {
      while (a[i] < pivot) i++;
      while (a[j] > pivot) j--;
      if (i <= j) {
        const t = a[i];
        a[i++] = a[j];
        a[j--] = t;
      }
    }
    if (k <= j) hi = j;
    else if (k >= i) lo = i;
    else return a[k];
  }
  return a[k];
}

/**
 * Writes `count` random Fourier features of the columns (bandwidth `sigma`) into `out`, a row-major
 * [n, stride] float32 matrix, at column `offset`. The weights come from `rng` in a fixed order.
 * With `kernels`, the wasm `fourierFeatures` kernel computes them (float32 arguments, several
 * times faster than Math.cos); without, this plain loop in float64 (the two agree to about 1e-6).
 */
export function writeFourierFeatures(
  rng: Rng,
  columns: readonly Float64Array[],
  n: number,
  sigma: number,
  count: number,
  out: Float32Array,
  stride: number,
  offset: number,
  kernels?: KernelRuntime,
): void {
  const b = columns.length;
  const w = new Float64Array(count * b);
  const phase = new Float64Array(count);
  for (let j = 0; j < count; j++) {
    for (let c = 0; c < b; c++) w[j * b + c] = rng.normal() / sigma;
    phase[j] = 2 * Math.PI * rng.next();
  }
  if (kernels) {
    const x = new Float32Array(n * b);
    columns.forEach((column, c) => { for (let i = 0; i < n; i++) x[i * b + c] = column[i]; });
    const wt = Float32Array.from({ length: b * count }, (_, q) => w[(q % count) * b + Math.floor(q / count)]);
    // Inputs built here are finite: the kernel runs without its validator's rescan.
    const { data } = getKernel('fourierFeatures').wasm(kernels, { x: { data: x, rows: n, cols: b }, w: { data: wt, rows: b, cols: count }, phase: Float32Array.from(phase) });
    for (let i = 0; i < n; i++) out.set(data.subarray(i * count, (i + 1) * count), i * stride + offset);
    return;
  }
  const row = new Float64Array(b);
  for (let i = 0; i < n; i++) {
    for (let c = 0; c < b; c++) row[c] = columns[c][i];
    const base = i * stride + offset;
    for (let j = 0; j < count; j++) {
      let s = phase[j];
      for (let c = 0; c < b; c++) s += w[j * b + c] * row[c];
      out[base + j] = Math.SQRT2 * Math.cos(s);
    }
  }
}

/**
 * What a block's features are: random features at each scale (split evenly), plus linear ones
 * when `linear`: the columns themselves, or, for a block wider than `maxLinear`, that many random
 * unit projections of them.
 */
export interface BlockFeatures {
  count: number;
  scales: readonly number[];
  linear: boolean;
  maxLinear?: number;
}

function linearWidth(columns: number, spec: BlockFeatures): number {
  return spec.linear ? Math.min(columns, spec.maxLinear ?? Infinity) : 0;
}

/** Feature columns a block of `columns` columns gets (0 for an empty block). */
export function featureWidth(columns: number, spec: BlockFeatures): number {
  return columns === 0 ? 0 : spec.count + linearWidth(columns, spec);
}

/** Median distances of blocks of columns, computed once per block. */
export class Bandwidths {
  private readonly known = new Map<string, number>();
  constructor(
    private readonly columns: readonly Float64Array[],
    private readonly n: number,
  ) {}

  of(block: readonly number[]): number {
    const key = block.join(',');
    let sigma = this.known.get(key);
    if (sigma === undefined) {
      // Coinciding rows for more than half of the pairs leave no scale: fall back to the expected
      // distance of standardised columns, sqrt(2 b).
      sigma = medianDistance(block.map((c) => this.columns[c]), this.n) || Math.sqrt(2 * block.length);
      this.known.set(key, sigma);
    }
    return sigma;
  }
}

/**
 * Writes a block's features (see BlockFeatures) into the row-major [n, stride] `out` at column
 * `offset`: bandwidth scale * sigma for each scale, sigma the block's median distance.
 */
export function writeBlockFeatures(rng: Rng, columns: readonly Float64Array[], n: number, sigma: number, spec: BlockFeatures, out: Float32Array, stride: number, offset: number, kernels?: KernelRuntime): void {
  if (columns.length === 0) return;
  let done = 0;
  spec.scales.forEach((scale, j) => {
    const count = Math.round(((j + 1) * spec.count) / spec.scales.length) - done;
    writeFourierFeatures(rng, columns, n, scale * sigma, count, out, stride, offset + done, kernels);
    done += count;
  });
  const linear = linearWidth(columns.length, spec);
  if (linear === columns.length) {
    columns.forEach((c, j) => { for (let i = 0; i < n; i++) out[i * stride + offset + spec.count + j] = c[i]; });
  } else if (linear > 0) {
    const b = columns.length;
    const w = Float64Array.from({ length: linear * b }, () => rng.normal() / Math.sqrt(b));
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < linear; j++) {
        let s = 0;
        for (let c = 0; c < b; c++) s += w[j * b + c] * columns[c][i];
        out[i * stride + offset + spec.count + j] = s;
      }
    }
  }
}
