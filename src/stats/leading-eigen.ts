// The leading eigenpairs of a large symmetric positive semi-definite matrix by randomised subspace
// iteration (Halko, Martinsson and Tropp 2011, algorithm 4.4): Q <- orth(A Q), repeated, then the
// Rayleigh-Ritz pairs of the small Q^T A Q. A full eigen-decomposition of a 1024 x 1024 covariance
// by Jacobi rotations takes minutes here; a block of m columns costs a few products A Q.
import type { Rng } from '../core/random.ts';
import { symmetricEigen } from './symmetric-eigen.ts';

/** Orthonormalises the columns of the row-major [p, m] block in place (Gram-Schmidt, twice for accuracy). */
export function orthonormalise(q: Float64Array, p: number, m: number): void {
  for (let pass = 0; pass < 2; pass++) {
    for (let j = 0; j < m; j++) {
      for (let i = 0; i < j; i++) {
        let dot = 0;
        for (let r = 0; r < p; r++) dot += q[r * m + i] * q[r * m + j];
        for (let r = 0; r < p; r++) q[r * m + j] -= dot * q[r * m + i];
      }
      let norm = 0;
      for (let r = 0; r < p; r++) norm += q[r * m + j] ** 2;
      norm = Math.sqrt(norm);
      // A column already spanned by the others (A of rank below m) is left at zero.
      for (let r = 0; r < p; r++) q[r * m + j] = norm > 1e-300 ? q[r * m + j] / norm : 0;
    }
  }
}

/**
 * The m largest eigenvalues (decreasing) of the p x p symmetric positive semi-definite A and their
 * eigenvectors (row-major [p, m], vector j in column j). `multiply(block, m)` returns A times the
 * row-major [p, m] block. Exact when m = p; otherwise eigenvalues well above the (m+1)-th converge
 * fast, those near it less so (`iterations` products; default 8).
 */
export function leadingEigen(p: number, m: number, multiply: (block: Float64Array, m: number) => Float64Array, rng: Rng, iterations = 8): { values: Float64Array; vectors: Float64Array } {
  let q: Float64Array = Float64Array.from({ length: p * m }, () => rng.normal());
  orthonormalise(q, p, m);
  for (let it = 0; it < iterations; it++) {
    q = multiply(q, m);
    orthonormalise(q, p, m);
  }
  const { values, vectors } = rayleighRitz(q, multiply(q, m), p, m);
  return { values: values.map((v) => Math.max(0, v)), vectors };
}

/**
 * The Rayleigh-Ritz pairs of A on the span of the orthonormal columns of q [p, m], given aq = A q:
 * the eigenpairs of q^T A q (values decreasing), lifted back to [p, m] (vector j in column j).
 */
export function rayleighRitz(q: Float64Array, aq: Float64Array, p: number, m: number): { values: Float64Array; vectors: Float64Array } {
  const small = new Float64Array(m * m);
  for (let i = 0; i < m; i++) {
    for (let j = 0; j <= i; j++) {
      let s = 0;
      for (let r = 0; r < p; r++) s += q[r * m + i] * aq[r * m + j];
      small[i * m + j] = small[j * m + i] = s;
    }
  }
  // symmetricEigen returns the pairs in decreasing order of value.
  const { values, vectors } = symmetricEigen(small, m);
  const out = new Float64Array(p * m);
  for (let r = 0; r < p; r++) {
    for (let j = 0; j < m; j++) {
      let s = 0;
      for (let i = 0; i < m; i++) s += q[r * m + i] * vectors[i * m + j];
      out[r * m + j] = s;
    }
  }
  return { values, vectors: out };
}
