// Eigenvalues (and vectors) of small dense symmetric matrices in float64: the one eigensolver of
// the SDK, for the null distributions of the kernel CI tests and the whitened targets of Layer 2.

/**
 * Eigen-decomposition of the p x p row-major symmetric `a` (not modified) by cyclic Jacobi
 * rotations: a = V diag(values) V^T, values in decreasing order, V row-major with the eigenvector
 * of values[j] in column j. Accurate to rounding for every eigenvalue, small ones included;
 * O(p^3) per sweep, 6-10 sweeps.
 */
export function symmetricEigen(a: Float64Array, p: number): { values: Float64Array; vectors: Float64Array } {
  const { diagonal, vectors } = jacobi(a, p, true);
  const order = Array.from({ length: p }, (_, i) => i).sort((i, j) => diagonal[j] - diagonal[i]);
  const sorted = new Float64Array(p * p);
  order.forEach((from, to) => {
    for (let k = 0; k < p; k++) sorted[k * p + to] = vectors![k * p + from];
  });
  return { values: Float64Array.from(order, (i) => diagonal[i]), vectors: sorted };
}

/** Eigenvalues of the symmetric `a`, in decreasing order (half the work of symmetricEigen). */
export function symmetricEigenvalues(a: Float64Array, p: number): Float64Array {
  return jacobi(a, p, false).diagonal.sort((x, y) => y - x);
}

/** Cyclic Jacobi sweeps until the off-diagonal part is rounding: the diagonal left, and the rotations when asked. */
function jacobi(a: Float64Array, p: number, vectors: boolean): { diagonal: Float64Array; vectors: Float64Array | null } {
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
  return { diagonal: Float64Array.from({ length: p }, (_, i) => m[i * p + i]), vectors: v };
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
