// Eigenvalues of a dense symmetric matrix by Householder reduction to tridiagonal form and the
// implicit QL iteration with Wilkinson shifts (Golub and Van Loan, sections 8.3 and 8.2): about
// 4/3 p^3 operations, a tenth of cyclic Jacobi's, for the nulls whose weights are the eigenvalues
// of a covariance of a few hundred products.
//
// Not a second eigensolver for the same job: symmetricEigen (symmetric-eigen.ts) stays the one
// eigen-decomposition of the SDK (vectors, and every eigenvalue accurate to rounding relative to its
// own size, which whitening and rank decisions need). This gives eigenvalues only, accurate to
// rounding relative to the largest one, which is all a weighted chi-square null needs, and at the
// GCM's widths (up to a few hundred products per test, thousands of tests) Jacobi's tenfold cost
// was most of a run's time.

/** Reduces the row-major symmetric p x p `a` (overwritten) to tridiagonal form: diagonal d, off-diagonal e (e[i] couples i and i + 1). */
function tridiagonalise(a: Float64Array, p: number): { d: Float64Array; e: Float64Array } {
  const d = new Float64Array(p);
  const e = new Float64Array(p);
  const v = new Float64Array(p);
  const w = new Float64Array(p);
  for (let k = 0; k < p - 2; k++) {
    // Householder vector zeroing a[k+2.., k].
    let norm = 0;
    for (let i = k + 1; i < p; i++) norm += a[i * p + k] ** 2;
    norm = Math.sqrt(norm);
    const x0 = a[(k + 1) * p + k];
    if (norm === 0) {
      e[k] = 0;
      continue;
    }
    const alpha = x0 > 0 ? -norm : norm;
    for (let i = k + 1; i < p; i++) v[i] = a[i * p + k];
    v[k + 1] -= alpha;
    let vv = 0;
    for (let i = k + 1; i < p; i++) vv += v[i] * v[i];
    e[k] = alpha;
    if (vv === 0) continue;
    // A <- H A H with H = I - 2 v v^T / (v^T v), on the trailing block: A - v w^T - w v^T.
    for (let i = k + 1; i < p; i++) {
      let s = 0;
      for (let j = k + 1; j < p; j++) s += a[i * p + j] * v[j];
      w[i] = (2 * s) / vv;
    }
    let vw = 0;
    for (let i = k + 1; i < p; i++) vw += v[i] * w[i];
    const c = vw / vv;
    for (let i = k + 1; i < p; i++) w[i] -= c * v[i];
    for (let i = k + 1; i < p; i++) {
      for (let j = k + 1; j <= i; j++) {
        const value = a[i * p + j] - v[i] * w[j] - w[i] * v[j];
        a[i * p + j] = value;
        a[j * p + i] = value;
      }
    }
  }
  for (let i = 0; i < p; i++) d[i] = a[i * p + i];
  if (p >= 2) e[p - 2] = a[(p - 1) * p + p - 2];
  return { d, e };
}

/** Eigenvalues of the symmetric tridiagonal (d, e) by implicit QL with Wilkinson shifts; d is overwritten. */
function tridiagonalEigenvalues(d: Float64Array, e: Float64Array, p: number): Float64Array {
  for (let l = 0; l < p; l++) {
    for (let iteration = 0; iteration < 60; iteration++) {
      let m = l;
      for (; m < p - 1; m++) {
        const dd = Math.abs(d[m]) + Math.abs(d[m + 1]);
        if (Math.abs(e[m]) <= Number.EPSILON * dd) break;
      }
      if (m === l) break;
      let g = (d[l + 1] - d[l]) / (2 * e[l]);
      let r = Math.hypot(g, 1);
      g = d[m] - d[l] + e[l] / (g + (g >= 0 ? r : -r));
      let s = 1;
      let c = 1;
      let q = 0;
      let i = m - 1;
      for (; i >= l; i--) {
        let f = s * e[i];
        const b = c * e[i];
        r = Math.hypot(f, g);
        e[i + 1] = r;
        if (r === 0) {
          d[i + 1] -= q;
          e[m] = 0;
          break;
        }
        s = f / r;
        c = g / r;
        g = d[i + 1] - q;
        r = (d[i] - g) * s + 2 * c * b;
        q = s * r;
        d[i + 1] = g + q;
        g = c * r - b;
        f = 0;
      }
      if (r === 0 && i >= l) continue;
      d[l] -= q;
      e[l] = g;
      e[m] = 0;
    }
  }
  return d;
}

/** Eigenvalues of the row-major symmetric p x p `a` (not modified), in decreasing order. */
export function fastSymmetricEigenvalues(a: Float64Array, p: number): Float64Array {
  const { d, e } = tridiagonalise(Float64Array.from(a), p);
  return tridiagonalEigenvalues(d, e, p).sort((x, y) => y - x);
}
