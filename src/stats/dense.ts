// Small dense symmetric linear algebra in float64 for the CI tests (matrices up to a few hundred
// rows): Cholesky factorisation and solves, and the eigenvalues of a symmetric matrix.

/**
 * In-place lower Cholesky of the p x p row-major symmetric `a` (only the lower triangle is read;
 * the upper triangle is left as it was). Returns -1, or the index of the first pivot that is not
 * above `floor` (the matrix is then not safely positive definite).
 */
export function choleskyInPlace(a: Float64Array, p: number, floor = 0): number {
  for (let j = 0; j < p; j++) {
    let d = a[j * p + j];
    for (let k = 0; k < j; k++) d -= a[j * p + k] * a[j * p + k];
    if (!(d > floor)) return j;
    const ljj = Math.sqrt(d);
    a[j * p + j] = ljj;
    for (let i = j + 1; i < p; i++) {
      let s = a[i * p + j];
      for (let k = 0; k < j; k++) s -= a[i * p + k] * a[j * p + k];
      a[i * p + j] = s / ljj;
    }
  }
  return -1;
}

/** Solves L L^T X = B in place for the p x m row-major B, with L from choleskyInPlace. */
export function choleskySolve(l: Float64Array, p: number, b: Float64Array, m: number): void {
  for (let c = 0; c < m; c++) {
    for (let i = 0; i < p; i++) {
      let s = b[i * m + c];
      for (let k = 0; k < i; k++) s -= l[i * p + k] * b[k * m + c];
      b[i * m + c] = s / l[i * p + i];
    }
    for (let i = p - 1; i >= 0; i--) {
      let s = b[i * m + c];
      for (let k = i + 1; k < p; k++) s -= l[k * p + i] * b[k * m + c];
      b[i * m + c] = s / l[i * p + i];
    }
  }
}

/**
 * Eigen-decomposition of the p x p row-major symmetric `a` (not modified) by cyclic Jacobi
 * rotations: a = V diag(values) V^T, V row-major with eigenvector j in column j. Accurate to
 * rounding for every eigenvalue, small ones included; O(p^3) per sweep, 6-10 sweeps.
 * With `vectors` false only the values are computed (half the work).
 */
export function symmetricEigen(a: Float64Array, p: number, vectors = true): { values: Float64Array; vectors: Float64Array | null } {
  const m = Float64Array.from(a);
  const v = vectors ? new Float64Array(p * p) : null;
  if (v) for (let i = 0; i < p; i++) v[i * p + i] = 1;
  let scale = 0;
  for (let i = 0; i < p * p; i++) scale = Math.max(scale, Math.abs(m[i]));
  for (let sweep = 0; sweep < 60 && scale > 0; sweep++) {
    let off = 0;
    for (let i = 0; i < p; i++) for (let j = i + 1; j < p; j++) off += m[i * p + j] * m[i * p + j];
    if (Math.sqrt(off) <= 1e-15 * scale) break;
    for (let i = 0; i < p; i++) {
      for (let j = i + 1; j < p; j++) {
        const aij = m[i * p + j];
        if (Math.abs(aij) <= 1e-300) continue;
        const theta = (m[j * p + j] - m[i * p + i]) / (2 * aij);
        const t = (theta >= 0 ? 1 : -1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const s = t * c;
        rotate(m, p, i, j, c, s);
        if (v) rotateColumns(v, p, i, j, c, s);
      }
    }
  }
  return { values: Float64Array.from({ length: p }, (_, i) => m[i * p + i]), vectors: v };
}

/** m <- R^T m R for the rotation R in the (i, j) plane. */
function rotate(m: Float64Array, p: number, i: number, j: number, c: number, s: number): void {
  rotateColumns(m, p, i, j, c, s);
  for (let k = 0; k < p; k++) {
    const mik = m[i * p + k];
    const mjk = m[j * p + k];
    m[i * p + k] = c * mik - s * mjk;
    m[j * p + k] = s * mik + c * mjk;
  }
}

/** m <- m R: columns i and j rotated. */
function rotateColumns(m: Float64Array, p: number, i: number, j: number, c: number, s: number): void {
  for (let k = 0; k < p; k++) {
    const mki = m[k * p + i];
    const mkj = m[k * p + j];
    m[k * p + i] = c * mki - s * mkj;
    m[k * p + j] = s * mki + c * mkj;
  }
}

/** Eigenvalues of the symmetric `a`, in decreasing order. */
export function symmetricEigenvalues(a: Float64Array, p: number): Float64Array {
  return symmetricEigen(a, p, false).values.sort((x, y) => y - x);
}
