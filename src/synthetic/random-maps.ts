// Small seeded building blocks of the synthetic worlds: random matrices with controlled size,
// noise laws, and invertible maps. Matrices are row-major Float64Array.

import type { Rng } from '../core/random.ts';

export interface Mat {
  data: Float64Array;
  rows: number;
  cols: number;
}

export function gaussianMatrix(rng: Rng, rows: number, cols: number): Mat {
  return { data: Float64Array.from({ length: rows * cols }, () => rng.normal()), rows, cols };
}

/**
 * Entries with magnitude in [lo, hi] and a random sign: no near-zero coefficient, so no effect in
 * the true graph is too small to see (faithfulness holds by a margin).
 */
export function signedUniformMatrix(rng: Rng, rows: number, cols: number, lo: number, hi: number): Mat {
  return { data: Float64Array.from({ length: rows * cols }, () => (rng.next() < 0.5 ? -1 : 1) * (lo + (hi - lo) * rng.next())), rows, cols };
}

/** Largest singular value, by power iteration on M^T M (ample for the small matrices here). */
export function spectralNorm(m: Mat): number {
  let v = new Float64Array(m.cols).fill(1 / Math.sqrt(m.cols));
  let norm = 0;
  for (let it = 0; it < 100; it++) {
    const u = multiply(m, v);
    const w = new Float64Array(m.cols);
    for (let r = 0; r < m.rows; r++) for (let c = 0; c < m.cols; c++) w[c] += m.data[r * m.cols + c] * u[r];
    const len = Math.hypot(...w);
    if (len === 0) return 0;
    const next = Math.sqrt(len);
    v = w.map((x) => x / len);
    if (Math.abs(next - norm) < 1e-12 * next) return next;
    norm = next;
  }
  return norm;
}

export function scaled(m: Mat, factor: number): Mat {
  return { data: m.data.map((x) => x * factor), rows: m.rows, cols: m.cols };
}

/** A matrix rescaled to the given spectral norm. */
export function withNorm(m: Mat, norm: number): Mat {
  const current = spectralNorm(m);
  return current === 0 ? m : scaled(m, norm / current);
}

export function add(a: Mat, b: Mat): Mat {
  return { data: a.data.map((x, i) => x + b.data[i]), rows: a.rows, cols: a.cols };
}

export function product(a: Mat, b: Mat): Mat {
  const out = new Float64Array(a.rows * b.cols);
  for (let i = 0; i < a.rows; i++) {
    for (let k = 0; k < a.cols; k++) {
      const v = a.data[i * a.cols + k];
      for (let j = 0; j < b.cols; j++) out[i * b.cols + j] += v * b.data[k * b.cols + j];
    }
  }
  return { data: out, rows: a.rows, cols: b.cols };
}

export function multiply(m: Mat, v: ArrayLike<number>): Float64Array {
  const out = new Float64Array(m.rows);
  for (let r = 0; r < m.rows; r++) {
    let s = 0;
    for (let c = 0; c < m.cols; c++) s += m.data[r * m.cols + c] * v[c];
    out[r] = s;
  }
  return out;
}

/** Adds m v into `out` (length m.rows). */
export function multiplyAdd(m: Mat, v: ArrayLike<number>, out: Float64Array): void {
  for (let r = 0; r < m.rows; r++) {
    let s = 0;
    for (let c = 0; c < m.cols; c++) s += m.data[r * m.cols + c] * v[c];
    out[r] += s;
  }
}

/**
 * A random d x d matrix with singular values in [lo, hi]: Q1 diag(sigma) Q2 with random
 * orthogonal Q1, Q2 (Gram-Schmidt of Gaussian matrices). Condition number at most hi / lo.
 */
export function wellConditioned(rng: Rng, d: number, lo: number, hi: number): Mat {
  const q1 = orthogonal(rng, d);
  const q2 = orthogonal(rng, d);
  const diag = { data: new Float64Array(d * d), rows: d, cols: d };
  for (let i = 0; i < d; i++) diag.data[i * d + i] = lo + (hi - lo) * rng.next();
  return product(product(q1, diag), q2);
}

export function orthogonal(rng: Rng, d: number): Mat {
  const rows: Float64Array[] = [];
  while (rows.length < d) {
    const v = Float64Array.from({ length: d }, () => rng.normal());
    for (const u of rows) {
      let dot = 0;
      for (let i = 0; i < d; i++) dot += u[i] * v[i];
      for (let i = 0; i < d; i++) v[i] -= dot * u[i];
    }
    const len = Math.hypot(...v);
    if (len > 1e-6) rows.push(v.map((x) => x / len));
  }
  const data = new Float64Array(d * d);
  rows.forEach((r, i) => data.set(r, i * d));
  return { data, rows: d, cols: d };
}

/** Laplace noise with unit variance. */
export function laplace(rng: Rng): number {
  const u = rng.next() - 0.5;
  return -Math.sign(u) * Math.log(1 - 2 * Math.abs(u)) * Math.SQRT1_2;
}

/** Uniform noise with unit variance. */
export function uniformUnit(rng: Rng): number {
  return (rng.next() * 2 - 1) * Math.sqrt(3);
}

export function leakyRelu(x: number, slope: number): number {
  return x >= 0 ? x : slope * x;
}
