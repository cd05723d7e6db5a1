// Pairwise distances between the rows of two row-major float32 matrices A [na, d] and B [nb, d].
// out[i, j] (row-major [na, nb]) for rows i in [i0, i1) of A; callers split the row range to report
// progress and to spread work over workers. Tiles of B rows keep the inner loop in L1.

import { hmaxF32, hsumF32, vmaddF32, vmaxNonNegF32 } from './simd';

const TILE_J: i32 = 64;

export function pairwiseMaxNorm(a: usize, b: usize, na: i32, nb: i32, d: i32, i0: i32, i1: i32, out: usize): void {
  pairwise(a, b, na, nb, d, i0, i1, out, true);
}

export function pairwiseSqEuclidean(a: usize, b: usize, na: i32, nb: i32, d: i32, i0: i32, i1: i32, out: usize): void {
  pairwise(a, b, na, nb, d, i0, i1, out, false);
}

@inline function pairwise(a: usize, b: usize, na: i32, nb: i32, d: i32, i0: i32, i1: i32, out: usize, maxNorm: bool): void {
  const rowBytes = <usize>d << 2;
  for (let jt = 0; jt < nb; jt += TILE_J) {
    const jEnd = min(jt + TILE_J, nb);
    for (let i = i0; i < i1; i++) {
      const ai = a + <usize>i * rowBytes;
      const outRow = out + (<usize>i * <usize>nb << 2);
      let j = jt;
      if (ASC_FEATURE_SIMD) {
        // Four B rows at once: each load of A's row feeds four accumulators.
        for (; j + 4 <= jEnd; j += 4) {
          const b0 = b + <usize>j * rowBytes;
          const b1 = b0 + rowBytes;
          const b2 = b1 + rowBytes;
          const b3 = b2 + rowBytes;
          let acc0 = f32x4.splat(0), acc1 = f32x4.splat(0), acc2 = f32x4.splat(0), acc3 = f32x4.splat(0);
          let c = 0;
          for (; c + 4 <= d; c += 4) {
            const off = <usize>c << 2;
            const x = v128.load(ai + off);
            const d0 = f32x4.sub(x, v128.load(b0 + off));
            const d1 = f32x4.sub(x, v128.load(b1 + off));
            const d2 = f32x4.sub(x, v128.load(b2 + off));
            const d3 = f32x4.sub(x, v128.load(b3 + off));
            if (maxNorm) {
              acc0 = vmaxNonNegF32(acc0, f32x4.abs(d0));
              acc1 = vmaxNonNegF32(acc1, f32x4.abs(d1));
              acc2 = vmaxNonNegF32(acc2, f32x4.abs(d2));
              acc3 = vmaxNonNegF32(acc3, f32x4.abs(d3));
            } else {
              acc0 = vmaddF32(d0, d0, acc0);
              acc1 = vmaddF32(d1, d1, acc1);
              acc2 = vmaddF32(d2, d2, acc2);
              acc3 = vmaddF32(d3, d3, acc3);
            }
          }
          let r0: f32, r1: f32, r2: f32, r3: f32;
          if (maxNorm) {
            r0 = hmaxF32(acc0); r1 = hmaxF32(acc1); r2 = hmaxF32(acc2); r3 = hmaxF32(acc3);
          } else {
            r0 = hsumF32(acc0); r1 = hsumF32(acc1); r2 = hsumF32(acc2); r3 = hsumF32(acc3);
          }
          for (; c < d; c++) {
            const off = <usize>c << 2;
            const x = load<f32>(ai + off);
            const e0 = x - load<f32>(b0 + off);
            const e1 = x - load<f32>(b1 + off);
            const e2 = x - load<f32>(b2 + off);
            const e3 = x - load<f32>(b3 + off);
            if (maxNorm) {
              r0 = max(r0, abs(e0)); r1 = max(r1, abs(e1)); r2 = max(r2, abs(e2)); r3 = max(r3, abs(e3));
            } else {
              r0 += e0 * e0; r1 += e1 * e1; r2 += e2 * e2; r3 += e3 * e3;
            }
          }
          const o = outRow + (<usize>j << 2);
          store<f32>(o, r0);
          store<f32>(o, r1, 4);
          store<f32>(o, r2, 8);
          store<f32>(o, r3, 12);
        }
      }
      for (; j < jEnd; j++) {
        const bj = b + <usize>j * rowBytes;
        let r: f32 = 0;
        for (let c = 0; c < d; c++) {
          const off = <usize>c << 2;
          const e = load<f32>(ai + off) - load<f32>(bj + off);
          if (maxNorm) r = max(r, abs(e));
          else r += e * e;
        }
        store<f32>(outRow + (<usize>j << 2), r);
      }
    }
  }
}
