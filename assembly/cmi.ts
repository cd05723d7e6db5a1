// Kernels of the kNN conditional mutual information test (Frenzel-Pompe estimator, max norm).
// The max-norm distance of a joint space is the max of its blocks' distances, so the (y, z) and z
// blocks are computed once per test as dense [n, n] matrices, and each permutation of x only
// recomputes the x block, fused with the k-th-neighbour search and the three strict counts. The
// k-th distance is found by vector counting passes below probe values (no sorting), starting from a
// guess: the previous permutation's distance for the same point.
// Columns are column-major float32 (one contiguous column of n values each).

import { kthSmallest } from './select';

/**
 * max of two vectors of non-negative floats (distances). Their bit patterns order like signed
 * integers, so one integer max gives the exact result in every build, while f32x4.max needs a
 * NaN- and sign-aware instruction sequence on x64 where relaxed SIMD is unavailable.
 */
@inline function vmaxDist(a: v128, b: v128): v128 {
  return i32x4.max_s(a, b);
}

/**
 * out[i, j] = max(init[i, j] (0 when init is 0), max over the listed columns of |col[j] - col[i]|),
 * row-major [n, n], for rows [i0, i1). `init` may equal `out` (accumulate in place).
 */
export function blockDistances(data: usize, n: i32, cols: usize, ncols: i32, init: usize, out: usize, i0: i32, i1: i32): void {
  const rowBytes = <usize>n << 2;
  for (let i = i0; i < i1; i++) {
    const row = out + <usize>i * rowBytes;
    if (init == 0) memory.fill(row, 0, rowBytes);
    else if (init != out) memory.copy(row, init + <usize>i * rowBytes, rowBytes);
    for (let q = 0; q < ncols; q++) {
      const col = data + <usize>load<i32>(cols + (<usize>q << 2)) * rowBytes;
      maxAbsDiff(col, load<f32>(col + (<usize>i << 2)), row, row, n);
    }
  }
}

/** dst[j] = max(src[j], |col[j] - xi|) for j < n. */
@inline function maxAbsDiff(col: usize, xi: f32, src: usize, dst: usize, n: i32): void {
  let j = 0;
  if (ASC_FEATURE_SIMD) {
    const vi = f32x4.splat(xi);
    for (; j + 4 <= n; j += 4) {
      const off = <usize>j << 2;
      v128.store(dst + off, vmaxDist(v128.load(src + off), f32x4.abs(f32x4.sub(v128.load(col + off), vi))));
    }
  }
  for (; j < n; j++) {
    const off = <usize>j << 2;
    store<f32>(dst + off, max(load<f32>(src + off), abs(load<f32>(col + off) - xi)));
  }
}

/** dst[j] = |col[j] - xi| for j < n. */
@inline function absDiff(col: usize, xi: f32, dst: usize, n: i32): void {
  let j = 0;
  if (ASC_FEATURE_SIMD) {
    const vi = f32x4.splat(xi);
    for (; j + 4 <= n; j += 4) {
      const off = <usize>j << 2;
      v128.store(dst + off, f32x4.abs(f32x4.sub(v128.load(col + off), vi)));
    }
  }
  for (; j < n; j++) store<f32>(dst + (<usize>j << 2), abs(load<f32>(col + (<usize>j << 2)) - xi));
}

/**
 * For rows [i0, i1) of a row-major [n, n] matrix: the column indices of its s smallest entries in
 * ascending (value, index) order, written to out[i * s ..]. `vals` is scratch for s floats.
 */
export function nearestIndices(d: usize, n: i32, s: i32, i0: i32, i1: i32, vals: usize, out: usize): void {
  for (let i = i0; i < i1; i++) {
    const row = d + (<usize>i * <usize>n << 2);
    const idx = out + (<usize>i * <usize>s << 2);
    let filled = 0;
    let worst: f32 = Infinity;
    let j = 0;
    while (j < n) {
      if (ASC_FEATURE_SIMD) {
        // Skip groups of four with nothing below the current s-th smallest (the common case).
        if (filled == s && j + 4 <= n && !v128.any_true(f32x4.lt(v128.load(row + (<usize>j << 2)), f32x4.splat(worst)))) {
          j += 4;
          continue;
        }
      }
      const v = load<f32>(row + (<usize>j << 2));
      if (filled < s || v < worst) {
        // Insert after every entry <= v, so equal values stay in index order.
        let pos = filled < s ? filled : s - 1;
        while (pos > 0 && load<f32>(vals + (<usize>(pos - 1) << 2)) > v) {
          store<f32>(vals + (<usize>pos << 2), load<f32>(vals + (<usize>(pos - 1) << 2)));
          store<i32>(idx + (<usize>pos << 2), load<i32>(idx + (<usize>(pos - 1) << 2)));
          pos--;
        }
        store<f32>(vals + (<usize>pos << 2), v);
        store<i32>(idx + (<usize>pos << 2), j);
        if (filled < s) filled++;
        if (filled == s) worst = load<f32>(vals + (<usize>(s - 1) << 2));
      }
      j++;
    }
  }
}

// Both chosen by measurement at n = 1000, k = 100: a counting pass is cheap and branch-free, while
// compaction and quickselect mispredict branches, so it pays to narrow down to a handful first.
/** Brackets narrow enough to finish by compaction and a small quickselect. */
const FEW: i32 = 8;
/** Relative half-width of the bracket probed around a guess while the distances are computed. */
const GUESS_WIDTH: f32 = 0.03;

/** Copies the values of [lo, hi) among the len floats at src to dst; returns how many. */
function compact(src: usize, len: i32, lo: f32, hi: f32, dst: usize): i32 {
  let m = 0;
  let j = 0;
  if (ASC_FEATURE_SIMD) {
    const vlo = f32x4.splat(lo), vhi = f32x4.splat(hi);
    for (; j + 4 <= len; j += 4) {
      // With a narrow bracket most groups hold none of its values: test four at once.
      const v = v128.load(src + (<usize>j << 2));
      if (v128.any_true(v128.and(f32x4.ge(v, vlo), f32x4.lt(v, vhi)))) {
        for (let l = 0; l < 4; l++) {
          const x = load<f32>(src + (<usize>(j + l) << 2));
          store<f32>(dst + (<usize>m << 2), x);
          m += i32(x >= lo && x < hi);
        }
      }
    }
  }
  for (; j < len; j++) {
    const x = load<f32>(src + (<usize>j << 2));
    store<f32>(dst + (<usize>m << 2), x);
    m += i32(x >= lo && x < hi);
  }
  return m;
}

// Second result of countBelow2.
let belowHigh: i32 = 0;

/** How many of the n floats at p are below t1 (returned) and below t2 (in belowHigh), in one pass. */
function countBelow2(p: usize, n: i32, t1: f32, t2: f32): i32 {
  let c1 = 0, c2 = 0;
  let j = 0;
  if (ASC_FEATURE_SIMD) {
    const v1 = f32x4.splat(t1), v2 = f32x4.splat(t2);
    let a1 = i32x4.splat(0), a2 = i32x4.splat(0), b1 = i32x4.splat(0), b2 = i32x4.splat(0);
    for (; j + 8 <= n; j += 8) {
      const off = <usize>j << 2;
      const x = v128.load(p + off), y = v128.load(p + off, 16);
      a1 = i32x4.sub(a1, f32x4.lt(x, v1));
      a2 = i32x4.sub(a2, f32x4.lt(x, v2));
      b1 = i32x4.sub(b1, f32x4.lt(y, v1));
      b2 = i32x4.sub(b2, f32x4.lt(y, v2));
    }
    c1 = lanes(i32x4.add(a1, b1));
    c2 = lanes(i32x4.add(a2, b2));
  }
  for (; j < n; j++) {
    const x = load<f32>(p + (<usize>j << 2));
    c1 += i32(x < t1);
    c2 += i32(x < t2);
  }
  belowHigh = c2;
  return c1;
}

/**
 * The k-th smallest of the n floats at p (non-negative, finite except +inf entries), given two
 * counts already taken: ca = #(< ta), cb = #(< tb) with 0 < ta < tb (ta = tb = 0: no guess).
 * Narrows a value bracket [lo, hi) holding it by counting passes (a few branch-free vector
 * instructions per four values), each at two probes placed around where interpolation puts the
 * k-th value, so that one pass usually leaves a handful; then compacts those and selects.
 */
function selectKth(p: usize, n: i32, k: i32, top: f32, ta: f32, ca: i32, tb: f32, cb: i32, buf: usize): f32 {
  // Invariant: #(< lo) = clo < k <= chi = #(< hi). All values are >= 0 and only self is +inf.
  let lo: f32 = 0, clo = 0;
  let hi: f32 = Infinity, chi = n - 1;
  // Local density (values per count) near the guess, for extrapolating when k lies outside it.
  let slope: f32 = 0;
  if (ta > 0) {
    if (ca < k) { lo = ta; clo = ca; } else { hi = ta; chi = ca; }
    if (cb < k) { lo = tb; clo = cb; } else if (tb < hi) { hi = tb; chi = cb; }
    slope = (tb - ta) / <f32>max(1, cb - ca);
  }
  for (let iter = 0; iter < 40 && chi - clo > FEW; iter++) {
    const hv = hi < Infinity ? hi : top;
    const span = hv - lo;
    const width = chi - clo;
    // Aim a little below and above the k-th position, by a margin that shrinks with the bracket.
    const margin: f32 = <f32>max(2, width >> 4);
    let per: f32 = span / <f32>max(1, width);
    if (slope > 0 && iter == 0 && (hi == Infinity || lo == 0)) per = slope;
    const anchorLow = hi == Infinity || lo > 0 || slope == 0;
    const centre: f32 = anchorLow ? lo + per * (<f32>(k - clo) - 0.5) : hv - per * (<f32>(chi - k) + 0.5);
    let t1: f32 = centre - per * margin, t2: f32 = centre + per * margin;
    const guard = span * (1.0 / 64);
    t1 = min(max(t1, lo + guard), hv - guard);
    t2 = min(max(t2, t1), hv - guard);
    if (!(t1 > lo && t1 < hi)) {
      t1 = lo + span * 0.5;
      if (!(t1 > lo && t1 < hi)) break; // no float left between the ends: many equal values
      t2 = t1;
    }
    const c1 = countBelow2(p, n, t1, t2);
    const c2 = belowHigh;
    if (c1 >= k) { hi = t1; chi = c1; }
    else if (c2 < k) { lo = t2; clo = c2; }
    else { lo = t1; clo = c1; hi = t2; chi = c2; }
    slope = 0;
  }
  const m = compact(p, n, lo, hi, buf);
  return kthSmallest(buf, m, k - clo);
}

// Results of the last fusedPass (an AssemblyScript function returns one value).
let passXZ: i32 = 0, passYZ: i32 = 0, passZ: i32 = 0, passA: i32 = 0, passB: i32 = 0;
let passTop: f32 = 0;

@inline function lanes(v: v128): i32 {
  return i32x4.extract_lane(v, 0) + i32x4.extract_lane(v, 1) + i32x4.extract_lane(v, 2) + i32x4.extract_lane(v, 3);
}

/**
 * One sweep over the points j of row i doing up to two jobs, so the row of dyz is read once for both:
 *   count: strict counts within e for the current version (its x-block distances in dxCur);
 *   next:  the next version's x-block distances (last column `col`; with multiX the earlier columns
 *          are already max-ed into dxNext), its joint distances into `joint`, how many of those are
 *          below ta and tb, and their maximum.
 * The flags are literal constants at every call, so each call compiles to a branch-free loop.
 */
@inline function fusedPass(count: bool, next: bool, hasZ: bool, multiX: bool, n: i32, dxCur: usize, zRow: usize, yzRow: usize, e: f32,
  col: usize, xi: f32, dxNext: usize, joint: usize, ta: f32, tb: f32): void {
  let cxz = 0, cyz = 0, cz = 0, ca = 0, cb = 0;
  let top: f32 = 0;
  let j = 0;
  if (ASC_FEATURE_SIMD) {
    const ve = f32x4.splat(e), vi = f32x4.splat(xi), va = f32x4.splat(ta), vb = f32x4.splat(tb);
    let axz = i32x4.splat(0), ayz = i32x4.splat(0), az = i32x4.splat(0), aa = i32x4.splat(0), ab = i32x4.splat(0), vtop = i32x4.splat(0);
    for (; j + 4 <= n; j += 4) {
      const off = <usize>j << 2;
      const yz = v128.load(yzRow + off);
      if (count) {
        const cur = v128.load(dxCur + off);
        if (hasZ) {
          const z = v128.load(zRow + off);
          axz = i32x4.sub(axz, f32x4.lt(vmaxDist(z, cur), ve));
          az = i32x4.sub(az, f32x4.lt(z, ve));
        } else {
          axz = i32x4.sub(axz, f32x4.lt(cur, ve));
        }
        ayz = i32x4.sub(ayz, f32x4.lt(yz, ve));
      }
      if (next) {
        let d = f32x4.abs(f32x4.sub(v128.load(col + off), vi));
        if (multiX) d = vmaxDist(d, v128.load(dxNext + off));
        v128.store(dxNext + off, d);
        const v = vmaxDist(d, yz);
        v128.store(joint + off, v);
        aa = i32x4.sub(aa, f32x4.lt(v, va));
        ab = i32x4.sub(ab, f32x4.lt(v, vb));
        vtop = vmaxDist(vtop, v);
      }
    }
    cxz = lanes(axz); cyz = lanes(ayz); cz = lanes(az); ca = lanes(aa); cb = lanes(ab);
    top = max(max(f32x4.extract_lane(vtop, 0), f32x4.extract_lane(vtop, 1)), max(f32x4.extract_lane(vtop, 2), f32x4.extract_lane(vtop, 3)));
  }
  for (; j < n; j++) {
    const off = <usize>j << 2;
    const yz = load<f32>(yzRow + off);
    if (count) {
      const cur = load<f32>(dxCur + off);
      if (hasZ) {
        const z = load<f32>(zRow + off);
        cxz += i32(max(z, cur) < e);
        cz += i32(z < e);
      } else {
        cxz += i32(cur < e);
      }
      cyz += i32(yz < e);
    }
    if (next) {
      let d = abs(load<f32>(col + off) - xi);
      if (multiX) d = max(d, load<f32>(dxNext + off));
      store<f32>(dxNext + off, d);
      const v = max(d, yz);
      store<f32>(joint + off, v);
      ca += i32(v < ta);
      cb += i32(v < tb);
      top = max(top, v);
    }
  }
  passXZ = cxz; passYZ = cyz; passZ = cz; passA = ca; passB = cb; passTop = top;
}

/** fusedPass with its flags turned into literal constants. */
function sweep(count: bool, next: bool, hasZ: bool, multiX: bool, n: i32, dxCur: usize, zRow: usize, yzRow: usize, e: f32,
  col: usize, xi: f32, dxNext: usize, joint: usize, ta: f32, tb: f32): void {
  if (hasZ) {
    if (multiX) {
      if (!count) fusedPass(false, true, true, true, n, dxCur, zRow, yzRow, e, col, xi, dxNext, joint, ta, tb);
      else if (next) fusedPass(true, true, true, true, n, dxCur, zRow, yzRow, e, col, xi, dxNext, joint, ta, tb);
      else fusedPass(true, false, true, false, n, dxCur, zRow, yzRow, e, col, xi, dxNext, joint, ta, tb);
    } else {
      if (!count) fusedPass(false, true, true, false, n, dxCur, zRow, yzRow, e, col, xi, dxNext, joint, ta, tb);
      else if (next) fusedPass(true, true, true, false, n, dxCur, zRow, yzRow, e, col, xi, dxNext, joint, ta, tb);
      else fusedPass(true, false, true, false, n, dxCur, zRow, yzRow, e, col, xi, dxNext, joint, ta, tb);
    }
  } else {
    if (multiX) {
      if (!count) fusedPass(false, true, false, true, n, dxCur, zRow, yzRow, e, col, xi, dxNext, joint, ta, tb);
      else if (next) fusedPass(true, true, false, true, n, dxCur, zRow, yzRow, e, col, xi, dxNext, joint, ta, tb);
      else fusedPass(true, false, false, false, n, dxCur, zRow, yzRow, e, col, xi, dxNext, joint, ta, tb);
    } else {
      if (!count) fusedPass(false, true, false, false, n, dxCur, zRow, yzRow, e, col, xi, dxNext, joint, ta, tb);
      else if (next) fusedPass(true, true, false, false, n, dxCur, zRow, yzRow, e, col, xi, dxNext, joint, ta, tb);
      else fusedPass(true, false, false, false, n, dxCur, zRow, yzRow, e, col, xi, dxNext, joint, ta, tb);
    }
  }
}

/**
 * The Frenzel-Pompe neighbour counts for nperm versions of the x block, rows [i0, i1).
 *
 *   xs      nperm blocks of dx columns (column-major [dx, n] each): x, or x permuted
 *   dyz     row-major [n, n] max-norm distances of the (y, z) block (of y alone without z)
 *   dz      row-major [n, n] distances of the z block, or 0 when z is empty
 *   guess   n floats, a guess of each row's k-th neighbour distance (<= 0: none), or 0
 *   scratch 4n floats
 *   eps     out, [nperm, n]: distance to the k-th nearest other point in the joint space
 *   counts  out, [nperm, 3, n] int32: points j != i strictly within eps[i] in the (x, z), (y, z)
 *           and z spaces; without z these are n_x, n_y and n - 1.
 *
 * Within a row the versions run back to back while the row's dyz and dz stay in cache; the counts of
 * one version share a sweep with the distances of the next, and each version's k-th distance is
 * the guess for the next.
 */
export function cmiCounts(xs: usize, dx: i32, n: i32, nperm: i32, dyz: usize, dz: usize, k: i32, guess: usize, i0: i32, i1: i32, scratch: usize, eps: usize, counts: usize): void {
  const rowBytes = <usize>n << 2;
  const blockBytes = <usize>dx * rowBytes;
  const joint = scratch;
  const buf = joint + rowBytes;
  const hasZ = dz != 0;
  const multiX = dx > 1;
  for (let i = i0; i < i1; i++) {
    const iOff = <usize>i << 2;
    const yzRow = dyz + <usize>i * rowBytes;
    const zRow = dz + <usize>i * rowBytes;
    let dxCur = buf + rowBytes;
    let dxNext = dxCur + rowBytes;
    let g: f32 = guess != 0 ? load<f32>(guess + iOff) : 0;
    let e: f32 = 0;
    for (let p = 0; p <= nperm; p++) {
      const next = p < nperm;
      let ta: f32 = 0, tb: f32 = 0;
      let col: usize = 0;
      let xi: f32 = 0;
      if (next) {
        // The next version's earlier x columns go into dxNext first; its last column joins the sweep.
        const x = xs + <usize>p * blockBytes;
        for (let c = 0; c < dx - 1; c++) {
          const colC = x + <usize>c * rowBytes;
          if (c == 0) absDiff(colC, load<f32>(colC + iOff), dxNext, n);
          else maxAbsDiff(colC, load<f32>(colC + iOff), dxNext, dxNext, n);
        }
        col = x + <usize>(dx - 1) * rowBytes;
        xi = load<f32>(col + iOff);
        if (g > 0) {
          ta = g * (1 - GUESS_WIDTH);
          tb = g * (1 + GUESS_WIDTH);
        }
      }
      sweep(p > 0, next, hasZ, multiX, n, dxCur, zRow, yzRow, e, col, xi, dxNext, joint, ta, tb);
      if (p > 0) {
        // Counts of version p - 1. Self is at distance 0 in every block: inside whenever e > 0.
        const self = i32(e > 0);
        const out = <usize>(p - 1) * <usize>n;
        store<f32>(eps + ((out + <usize>i) << 2), e);
        const cOut = counts + ((<usize>3 * out + <usize>i) << 2);
        store<i32>(cOut, passXZ - self);
        store<i32>(cOut + rowBytes, passYZ - self);
        store<i32>(cOut + 2 * rowBytes, hasZ ? passZ - self : n - 1);
      }
      if (next) {
        // Drop self from the guess counts and from the search, then find version p's k-th distance.
        const ca = passA - i32(ta > 0);
        const cb = passB - i32(tb > 0);
        store<f32>(joint + iOff, Infinity);
        e = selectKth(joint, n, k, passTop, ta, ca, tb, cb, buf);
        g = e;
        const t = dxCur;
        dxCur = dxNext;
        dxNext = t;
      }
    }
  }
}
