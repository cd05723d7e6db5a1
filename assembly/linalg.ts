// Dense linear algebra on row-major float32 matrices.

import { hsumF32, vmaddF32, vmaddF64 } from './simd';

/**
 * C [m, n] = alpha * op(A) op(B) + beta * C, row-major. op(A) is [m, k]: A is stored [m, k], or
 * [k, m] when transA. op(B) is [k, n]: B is stored [k, n], or [n, k] when transB. With beta = 0,
 * C is not read (it may hold garbage).
 */
export function gemm(transA: i32, transB: i32, m: i32, n: i32, k: i32, alpha: f32, a: usize, b: usize, beta: f32, c: usize): void {
  // A(i, p) = a[i * aRow + p * aCol]
  const aRow: usize = transA ? 1 : <usize>k;
  const aCol: usize = transA ? <usize>m : 1;
  if (!ASC_FEATURE_SIMD) {
    gemmScalar(transB, m, n, k, alpha, a, aRow, aCol, b, beta, c);
  } else if (!transB) {
    gemmRowPanels(m, n, k, alpha, a, aRow, aCol, b, beta, c);
  } else if (!transA) {
    gemmDots(m, n, k, alpha, a, b, beta, c);
  } else {
    gemmColumnPanels(m, n, k, alpha, a, b, beta, c);
  }
}

@inline function writeC(c: usize, index: usize, value: f32, alpha: f32, beta: f32): void {
  const p = c + (index << 2);
  store<f32>(p, beta == 0 ? alpha * value : alpha * value + beta * load<f32>(p));
}

@inline function writeC4(p: usize, acc: v128, alpha: f32, beta: f32): void {
  let v = f32x4.mul(acc, f32x4.splat(alpha));
  if (beta != 0) v = vmaddF32(v128.load(p), f32x4.splat(beta), v);
  v128.store(p, v);
}

function gemmScalar(transB: i32, m: i32, n: i32, k: i32, alpha: f32, a: usize, aRow: usize, aCol: usize, b: usize, beta: f32, c: usize): void {
  const bRow: usize = transB ? 1 : <usize>n; // B(p, j) = b[p * bRow + j * bCol]
  const bCol: usize = transB ? <usize>k : 1;
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let s: f32 = 0;
      for (let p = 0; p < k; p++) {
        s += load<f32>(a + ((<usize>i * aRow + <usize>p * aCol) << 2)) * load<f32>(b + ((<usize>p * bRow + <usize>j * bCol) << 2));
      }
      writeC(c, <usize>i * <usize>n + <usize>j, s, alpha, beta);
    }
  }
}

/**
 * B rows contiguous in j: broadcast A(i, p) against 16-wide panels of B's row p. Two rows of C at
 * a time, so each panel of B loaded from memory feeds eight multiply-adds instead of four (eight
 * accumulators, four panel vectors and two broadcasts fit the 16 vector registers of x64).
 */
function gemmRowPanels(m: i32, n: i32, k: i32, alpha: f32, a: usize, aRow: usize, aCol: usize, b: usize, beta: f32, c: usize): void {
  const bRowBytes = <usize>n << 2;
  let i = 0;
  for (; i + 2 <= m; i += 2) {
    const cRow = c + (<usize>i * <usize>n << 2);
    const cNext = cRow + bRowBytes;
    const a0 = a + (<usize>i * aRow << 2), a1 = a + (<usize>(i + 1) * aRow << 2);
    const aStep = aCol << 2;
    let j = 0;
    for (; j + 16 <= n; j += 16) {
      let c00 = f32x4.splat(0), c01 = f32x4.splat(0), c02 = f32x4.splat(0), c03 = f32x4.splat(0);
      let c10 = f32x4.splat(0), c11 = f32x4.splat(0), c12 = f32x4.splat(0), c13 = f32x4.splat(0);
      let bp = b + (<usize>j << 2);
      let ap0 = a0, ap1 = a1;
      for (let p = 0; p < k; p++) {
        const b0 = v128.load(bp), b1 = v128.load(bp, 16), b2 = v128.load(bp, 32), b3 = v128.load(bp, 48);
        const x0 = f32x4.splat(load<f32>(ap0)), x1 = f32x4.splat(load<f32>(ap1));
        c00 = vmaddF32(x0, b0, c00);
        c01 = vmaddF32(x0, b1, c01);
        c02 = vmaddF32(x0, b2, c02);
        c03 = vmaddF32(x0, b3, c03);
        c10 = vmaddF32(x1, b0, c10);
        c11 = vmaddF32(x1, b1, c11);
        c12 = vmaddF32(x1, b2, c12);
        c13 = vmaddF32(x1, b3, c13);
        bp += bRowBytes;
        ap0 += aStep;
        ap1 += aStep;
      }
      const o = cRow + (<usize>j << 2), o1 = cNext + (<usize>j << 2);
      writeC4(o, c00, alpha, beta);
      writeC4(o + 16, c01, alpha, beta);
      writeC4(o + 32, c02, alpha, beta);
      writeC4(o + 48, c03, alpha, beta);
      writeC4(o1, c10, alpha, beta);
      writeC4(o1 + 16, c11, alpha, beta);
      writeC4(o1 + 32, c12, alpha, beta);
      writeC4(o1 + 48, c13, alpha, beta);
    }
    // The rest of the columns row by row.
    if (j < n) {
      rowPanelsTail(i, j, n, k, alpha, a, aRow, aCol, b, beta, c);
      rowPanelsTail(i + 1, j, n, k, alpha, a, aRow, aCol, b, beta, c);
    }
  }
  for (; i < m; i++) rowPanelsTail(i, 0, n, k, alpha, a, aRow, aCol, b, beta, c);
}

/** Row i of C from column j0 on (16-, 4- and 1-wide). */
function rowPanelsTail(i: i32, j0: i32, n: i32, k: i32, alpha: f32, a: usize, aRow: usize, aCol: usize, b: usize, beta: f32, c: usize): void {
  const bRowBytes = <usize>n << 2;
  const cRow = c + (<usize>i * <usize>n << 2);
  let j = j0;
  for (; j + 16 <= n; j += 16) {
    let acc0 = f32x4.splat(0), acc1 = f32x4.splat(0), acc2 = f32x4.splat(0), acc3 = f32x4.splat(0);
    let bp = b + (<usize>j << 2);
    for (let p = 0; p < k; p++) {
      const av = f32x4.splat(load<f32>(a + ((<usize>i * aRow + <usize>p * aCol) << 2)));
      acc0 = vmaddF32(av, v128.load(bp), acc0);
      acc1 = vmaddF32(av, v128.load(bp, 16), acc1);
      acc2 = vmaddF32(av, v128.load(bp, 32), acc2);
      acc3 = vmaddF32(av, v128.load(bp, 48), acc3);
      bp += bRowBytes;
    }
    const o = cRow + (<usize>j << 2);
    writeC4(o, acc0, alpha, beta);
    writeC4(o + 16, acc1, alpha, beta);
    writeC4(o + 32, acc2, alpha, beta);
    writeC4(o + 48, acc3, alpha, beta);
  }
  for (; j + 4 <= n; j += 4) {
    let acc = f32x4.splat(0);
    let bp = b + (<usize>j << 2);
    for (let p = 0; p < k; p++) {
      acc = vmaddF32(f32x4.splat(load<f32>(a + ((<usize>i * aRow + <usize>p * aCol) << 2))), v128.load(bp), acc);
      bp += bRowBytes;
    }
    writeC4(cRow + (<usize>j << 2), acc, alpha, beta);
  }
  for (; j < n; j++) {
    let s: f32 = 0;
    for (let p = 0; p < k; p++) {
      s += load<f32>(a + ((<usize>i * aRow + <usize>p * aCol) << 2)) * load<f32>(b + ((<usize>p * <usize>n + <usize>j) << 2));
    }
    writeC(c, <usize>i * <usize>n + <usize>j, s, alpha, beta);
  }
}

/**
 * A row-major [m, k], B stored [n, k]: every C(i, j) is a dot product of two contiguous rows. Four
 * columns j at a time, so each vector of A's row feeds four multiply-adds.
 */
function gemmDots(m: i32, n: i32, k: i32, alpha: f32, a: usize, b: usize, beta: f32, c: usize): void {
  const rowBytes = <usize>k << 2;
  for (let i = 0; i < m; i++) {
    const ai = a + <usize>i * rowBytes;
    let j = 0;
    for (; j + 4 <= n; j += 4) {
      const b0 = b + <usize>j * rowBytes, b1 = b0 + rowBytes, b2 = b1 + rowBytes, b3 = b2 + rowBytes;
      let acc0 = f32x4.splat(0), acc1 = f32x4.splat(0), acc2 = f32x4.splat(0), acc3 = f32x4.splat(0);
      let p = 0;
      for (; p + 4 <= k; p += 4) {
        const o = <usize>p << 2;
        const av = v128.load(ai + o);
        acc0 = vmaddF32(av, v128.load(b0 + o), acc0);
        acc1 = vmaddF32(av, v128.load(b1 + o), acc1);
        acc2 = vmaddF32(av, v128.load(b2 + o), acc2);
        acc3 = vmaddF32(av, v128.load(b3 + o), acc3);
      }
      let s0 = hsumF32(acc0), s1 = hsumF32(acc1), s2 = hsumF32(acc2), s3 = hsumF32(acc3);
      for (; p < k; p++) {
        const o = <usize>p << 2;
        const x = load<f32>(ai + o);
        s0 += x * load<f32>(b0 + o);
        s1 += x * load<f32>(b1 + o);
        s2 += x * load<f32>(b2 + o);
        s3 += x * load<f32>(b3 + o);
      }
      const row = <usize>i * <usize>n + <usize>j;
      writeC(c, row, s0, alpha, beta);
      writeC(c, row + 1, s1, alpha, beta);
      writeC(c, row + 2, s2, alpha, beta);
      writeC(c, row + 3, s3, alpha, beta);
    }
    for (; j < n; j++) {
      const bj = b + <usize>j * rowBytes;
      let acc = f32x4.splat(0);
      let p = 0;
      for (; p + 4 <= k; p += 4) acc = vmaddF32(v128.load(ai + (<usize>p << 2)), v128.load(bj + (<usize>p << 2)), acc);
      let s = hsumF32(acc);
      for (; p < k; p++) s += load<f32>(ai + (<usize>p << 2)) * load<f32>(bj + (<usize>p << 2));
      writeC(c, <usize>i * <usize>n + <usize>j, s, alpha, beta);
    }
  }
}

/** A stored [k, m], B stored [n, k]: vectors run down four rows i of C at once. */
function gemmColumnPanels(m: i32, n: i32, k: i32, alpha: f32, a: usize, b: usize, beta: f32, c: usize): void {
  const aRowBytes = <usize>m << 2;
  for (let j = 0; j < n; j++) {
    const bj = b + (<usize>j * <usize>k << 2);
    let i = 0;
    for (; i + 4 <= m; i += 4) {
      let acc = f32x4.splat(0);
      let ap = a + (<usize>i << 2);
      for (let p = 0; p < k; p++) {
        acc = vmaddF32(f32x4.splat(load<f32>(bj + (<usize>p << 2))), v128.load(ap), acc);
        ap += aRowBytes;
      }
      writeC(c, <usize>i * <usize>n + <usize>j, f32x4.extract_lane(acc, 0), alpha, beta);
      writeC(c, <usize>(i + 1) * <usize>n + <usize>j, f32x4.extract_lane(acc, 1), alpha, beta);
      writeC(c, <usize>(i + 2) * <usize>n + <usize>j, f32x4.extract_lane(acc, 2), alpha, beta);
      writeC(c, <usize>(i + 3) * <usize>n + <usize>j, f32x4.extract_lane(acc, 3), alpha, beta);
    }
    for (; i < m; i++) {
      let s: f32 = 0;
      for (let p = 0; p < k; p++) s += load<f32>(a + ((<usize>p * <usize>m + <usize>i) << 2)) * load<f32>(bj + (<usize>p << 2));
      writeC(c, <usize>i * <usize>n + <usize>j, s, alpha, beta);
    }
  }
}

/** means[c] (float64) = mean of column c of the row-major float32 [n, d] matrix x. */
export function columnMeans(x: usize, n: i32, d: i32, means: usize): void {
  for (let c = 0; c < d; c++) store<f64>(means + (<usize>c << 3), 0);
  for (let r = 0; r < n; r++) {
    const row = x + (<usize>r * <usize>d << 2);
    let c = 0;
    if (ASC_FEATURE_SIMD) {
      for (; c + 2 <= d; c += 2) {
        const p = means + (<usize>c << 3);
        v128.store(p, f64x2.add(v128.load(p), f64x2.promote_low_f32x4(v128.load64_zero(row + (<usize>c << 2)))));
      }
    }
    for (; c < d; c++) {
      const p = means + (<usize>c << 3);
      store<f64>(p, load<f64>(p) + <f64>load<f32>(row + (<usize>c << 2)));
    }
  }
  const inv = 1.0 / <f64>n;
  for (let c = 0; c < d; c++) store<f64>(means + (<usize>c << 3), load<f64>(means + (<usize>c << 3)) * inv);
}

/**
 * cov (float64 [d, d]) = sum_r (x_r - mean)(x_r - mean)^T / (n - ddof), two-pass and accumulated in
 * float64 so that partial correlations over ten thousand episodes keep their digits. `means`
 * (float64 [d]) receives the column means; `centered` is float64 [d] scratch.
 */
export function covariance(x: usize, n: i32, d: i32, ddof: i32, means: usize, centered: usize, cov: usize): void {
  columnMeans(x, n, d, means);
  const dd = <usize>d;
  for (let q: usize = 0; q < dd * dd; q++) store<f64>(cov + (q << 3), 0);
  for (let r = 0; r < n; r++) {
    const row = x + (<usize>r * dd << 2);
    for (let c: usize = 0; c < dd; c++) {
      store<f64>(centered + (c << 3), <f64>load<f32>(row + (c << 2)) - load<f64>(means + (c << 3)));
    }
    // Rank-one update of the upper triangle.
    for (let i: usize = 0; i < dd; i++) {
      const ci = load<f64>(centered + (i << 3));
      const covRow = cov + (i * dd << 3);
      let j = i;
      if (ASC_FEATURE_SIMD) {
        const vi = f64x2.splat(ci);
        for (; j + 2 <= dd; j += 2) {
          const p = covRow + (j << 3);
          v128.store(p, vmaddF64(vi, v128.load(centered + (j << 3)), v128.load(p)));
        }
      }
      for (; j < dd; j++) {
        const p = covRow + (j << 3);
        store<f64>(p, load<f64>(p) + ci * load<f64>(centered + (j << 3)));
      }
    }
  }
  const inv = 1.0 / <f64>(n - ddof);
  for (let i: usize = 0; i < dd; i++) {
    for (let j = i; j < dd; j++) {
      const v = load<f64>(cov + ((i * dd + j) << 3)) * inv;
      store<f64>(cov + ((i * dd + j) << 3), v);
      store<f64>(cov + ((j * dd + i) << 3), v);
    }
  }
}
