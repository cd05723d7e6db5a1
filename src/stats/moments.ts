// First and second moments of row vectors that can be gathered in parts and merged: a count, the
// mean and the centred cross-product matrix M2 = sum_r (x_r - mean)(x_r - mean)^T, all float64.
// Merging two parts uses the pairwise update of Chan, Golub and LeVeque (1979):
//   n = na + nb,  delta = mean_b - mean_a,  mean = mean_a + delta nb / n,
//   M2 = M2_a + M2_b + delta delta^T na nb / n,
// which never subtracts two large raw sums (the textbook sum(x y) - n mean_x mean_y loses every
// digit when the mean is large against the spread). The covariance is M2 / (n - ddof).
import { SpecialistError } from '../core/errors.ts';

export interface Moments {
  /** Rows counted. */
  n: number;
  /** Columns (the length of one row vector). */
  width: number;
  /** [width] column means. */
  mean: Float64Array;
  /** [width, width] row-major centred cross-products (symmetric). */
  m2: Float64Array;
}

export function emptyMoments(width: number): Moments {
  return { n: 0, width, mean: new Float64Array(width), m2: new Float64Array(width * width) };
}

/** a + b, a new object (neither input changes). Order matters only through float64 rounding. */
export function mergeMoments(a: Moments, b: Moments): Moments {
  if (a.width !== b.width) throw new SpecialistError('SHAPE_MISMATCH', `moments of ${a.width} and ${b.width} columns cannot be merged`, { left: a.width, right: b.width });
  if (b.n === 0) return { ...a, mean: a.mean.slice(), m2: a.m2.slice() };
  if (a.n === 0) return { ...b, mean: b.mean.slice(), m2: b.m2.slice() };
  const w = a.width;
  const n = a.n + b.n;
  const delta = new Float64Array(w);
  const mean = new Float64Array(w);
  for (let i = 0; i < w; i++) {
    delta[i] = b.mean[i] - a.mean[i];
    mean[i] = a.mean[i] + (delta[i] * b.n) / n;
  }
  const f = (a.n * b.n) / n;
  const m2 = new Float64Array(w * w);
  for (let i = 0; i < w; i++) {
    const di = delta[i] * f;
    for (let j = i; j < w; j++) {
      const v = a.m2[i * w + j] + b.m2[i * w + j] + di * delta[j];
      m2[i * w + j] = v;
      m2[j * w + i] = v;
    }
  }
  return { n, width: w, mean, m2 };
}

/** Merges a list pairwise (a balanced tree): rounding grows with log(parts), not with parts. */
export function mergePairwise(parts: readonly Moments[]): Moments {
  if (parts.length === 0) throw new SpecialistError('INVALID_ARGUMENT', 'nothing to merge');
  let level = [...parts];
  while (level.length > 1) {
    const next: Moments[] = [];
    for (let i = 0; i + 1 < level.length; i += 2) next.push(mergeMoments(level[i], level[i + 1]));
    if (level.length % 2 === 1) next.push(level[level.length - 1]);
    level = next;
  }
  return level[0];
}

/** The covariance M2 / (n - ddof) (default ddof 1, the unbiased estimate). */
export function covarianceOf(m: Moments, ddof = 1): Float64Array {
  const scale = 1 / (m.n - ddof);
  return m.m2.map((v) => v * scale);
}

/** The sub-block of moments on `columns` (in that order). */
export function selectMoments(m: Moments, columns: readonly number[]): Moments {
  const p = columns.length;
  const m2 = new Float64Array(p * p);
  for (let i = 0; i < p; i++) for (let j = 0; j < p; j++) m2[i * p + j] = m.m2[columns[i] * m.width + columns[j]];
  return { n: m.n, width: p, mean: Float64Array.from(columns, (c) => m.mean[c]), m2 };
}

/** The upper triangle (with the diagonal) row by row: what a symmetric M2 needs on the wire. */
export function packUpper(m2: Float64Array, w: number): Float64Array {
  const out = new Float64Array((w * (w + 1)) / 2);
  let q = 0;
  for (let i = 0; i < w; i++) for (let j = i; j < w; j++) out[q++] = m2[i * w + j];
  return out;
}

export function unpackUpper(packed: Float64Array, w: number): Float64Array {
  const m2 = new Float64Array(w * w);
  let q = 0;
  for (let i = 0; i < w; i++) {
    for (let j = i; j < w; j++) {
      m2[i * w + j] = packed[q];
      m2[j * w + i] = packed[q++];
    }
  }
  return m2;
}
