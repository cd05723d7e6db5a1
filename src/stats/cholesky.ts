// The one Cholesky factorisation of the SDK (small dense systems in float64: Fisher z's partial
// correlations, the kernel ridge of the identifiability metric) and its triangular solve.

/**
 * In-place lower Cholesky factor of the symmetric n x n row-major `a` (the upper triangle is left
 * as it was). Returns -1, or the index of the first pivot that is not above `minPivot[j]` (default
 * 0): the caller decides what a failure means (collinear columns, a ridge too small).
 */
export function choleskyInPlace(a: Float64Array, n: number, minPivot?: ArrayLike<number>): number {
  return factorColumns(a, n, (j) => (minPivot ? minPivot[j] : 0), false).failed;
}

/** Solves L L^T x = b for the factor `l` of choleskyInPlace. */
export function solveCholesky(l: Float64Array, n: number, b: ArrayLike<number>): Float64Array {
  const y = Float64Array.from(b);
  for (let i = 0; i < n; i++) {
    let s = y[i];
    for (let k = 0; k < i; k++) s -= l[i * n + k] * y[k];
    y[i] = s / l[i * n + i];
  }
  for (let i = n - 1; i >= 0; i--) {
    let s = y[i];
    for (let k = i + 1; k < n; k++) s -= l[k * n + i] * y[k];
    y[i] = s / l[i * n + i];
  }
  return y;
}

/**
 * The Cholesky factor of a positive semi-definite `a` (in place, lower triangle) that skips
 * columns whose pivot is not above `minPivot[j]`: such a column is (to that tolerance) a linear
 * combination of the earlier ones, so its column of the factor is set to zero and the rest goes on
 * without it. Returns the indices of the columns kept. With the factor, solveSkipping solves on the
 * kept columns only (the least-squares fit on them).
 */
export function choleskySkipping(a: Float64Array, n: number, minPivot: ArrayLike<number>): number[] {
  return factorColumns(a, n, (j) => minPivot[j], true).kept;
}

/**
 * Column by column, the lower factor of `a` in place. A pivot not above `floor(j)` stops the
 * factorisation (`failed` = j), or with `skip` zeroes that column and goes on without it.
 */
function factorColumns(a: Float64Array, n: number, floor: (j: number) => number, skip: boolean): { failed: number; kept: number[] } {
  const kept: number[] = [];
  for (let j = 0; j < n; j++) {
    let d = a[j * n + j];
    for (let k = 0; k < j; k++) d -= a[j * n + k] * a[j * n + k];
    if (!(d > floor(j))) {
      if (!skip) return { failed: j, kept };
      for (let i = j; i < n; i++) a[i * n + j] = 0;
      continue;
    }
    kept.push(j);
    const ljj = Math.sqrt(d);
    a[j * n + j] = ljj;
    for (let i = j + 1; i < n; i++) {
      let s = a[i * n + j];
      for (let k = 0; k < j; k++) s -= a[i * n + k] * a[j * n + k];
      a[i * n + j] = s / ljj;
    }
  }
  return { failed: -1, kept };
}

/** Forward substitution L v = b on the kept columns of a choleskySkipping factor (v is 0 elsewhere). */
export function forwardSkipping(l: Float64Array, n: number, b: ArrayLike<number>): Float64Array {
  const v = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    if (l[i * n + i] === 0) continue;
    let s = b[i];
    for (let k = 0; k < i; k++) s -= l[i * n + k] * v[k];
    v[i] = s / l[i * n + i];
  }
  return v;
}
