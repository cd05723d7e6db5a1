// Nearest-neighbour building blocks of the kNN (conditional) mutual-information estimator.
// Data are column-major float32 [dims, n]: every column is contiguous, so the distance from point i
// to all points is a vector loop over points, and any subset of columns (the X, Y, Z blocks of one
// matrix) is used without copying. Distances use the max norm. Self-pairs are excluded.

import { vmaxNonNegF32 } from './simd';
import { kthSmallest } from './select';

/** scratch[j] = max over the listed columns of |x[c, j] - x[c, i]|; scratch[i] = +inf. */
function distanceRow(data: usize, n: i32, cols: usize, ncols: i32, i: i32, scratch: usize): void {
  const rowBytes = <usize>n << 2;
  if (ASC_FEATURE_SIMD) {
    const zero = f32x4.splat(0);
    let j = 0;
    for (; j + 4 <= n; j += 4) v128.store(scratch + (<usize>j << 2), zero);
    for (; j < n; j++) store<f32>(scratch + (<usize>j << 2), 0);
  } else {
    for (let j = 0; j < n; j++) store<f32>(scratch + (<usize>j << 2), 0);
  }
  for (let q = 0; q < ncols; q++) {
    const col = data + <usize>load<i32>(cols + (<usize>q << 2)) * rowBytes;
    const xi = load<f32>(col + (<usize>i << 2));
    let j = 0;
    if (ASC_FEATURE_SIMD) {
      const vi = f32x4.splat(xi);
      for (; j + 4 <= n; j += 4) {
        const off = <usize>j << 2;
        const dist = f32x4.abs(f32x4.sub(v128.load(col + off), vi));
        v128.store(scratch + off, vmaxNonNegF32(v128.load(scratch + off), dist));
      }
    }
    for (; j < n; j++) {
      const off = <usize>j << 2;
      store<f32>(scratch + off, max(load<f32>(scratch + off), abs(load<f32>(col + off) - xi)));
    }
  }
  store<f32>(scratch + (<usize>i << 2), Infinity);
}

/** out[i] = distance from point i to its k-th nearest other point, for i in [i0, i1). */
export function knnDistance(data: usize, n: i32, cols: usize, ncols: i32, k: i32, i0: i32, i1: i32, scratch: usize, out: usize): void {
  for (let i = i0; i < i1; i++) {
    distanceRow(data, n, cols, ncols, i, scratch);
    store<f32>(out + (<usize>i << 2), kthSmallest(scratch, n, k));
  }
}

/** out[i] = number of points j != i strictly closer than radius[i], for i in [i0, i1). */
export function countWithinRadius(data: usize, n: i32, cols: usize, ncols: i32, radius: usize, i0: i32, i1: i32, scratch: usize, out: usize): void {
  for (let i = i0; i < i1; i++) {
    distanceRow(data, n, cols, ncols, i, scratch);
    const r = load<f32>(radius + (<usize>i << 2));
    let count = 0;
    let j = 0;
    if (ASC_FEATURE_SIMD) {
      const vr = f32x4.splat(r);
      let acc = i32x4.splat(0);
      // A lane of f32x4.lt is all ones (-1) where true, so subtracting counts.
      for (; j + 4 <= n; j += 4) acc = i32x4.sub(acc, f32x4.lt(v128.load(scratch + (<usize>j << 2)), vr));
      count = i32x4.extract_lane(acc, 0) + i32x4.extract_lane(acc, 1) + i32x4.extract_lane(acc, 2) + i32x4.extract_lane(acc, 3);
    }
    for (; j < n; j++) if (load<f32>(scratch + (<usize>j << 2)) < r) count++;
    store<i32>(out + (<usize>i << 2), count);
  }
}
