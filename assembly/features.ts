// Random Fourier features: out[i, j] = sqrt(2) cos(phase[j] + sum_c x[i, c] w[c, j]) for the
// row-major float32 x [n, b], w [b, m], phase [m] and out [n, m]. The cosine is computed here in
// float32: the argument reduced modulo 2 pi (Cody-Waite, two constants), then the Taylor series
// of cos on [-pi, pi] to the r^18 term (its truncation error there is below 4e-9).

import { vmaddF32 } from './simd';

const TWO_PI_HI: f32 = 6.28125; // exact in 8 bits, so k * TWO_PI_HI is exact for |k| < 2^15
const TWO_PI_LO: f32 = 0.0019353071795864769; // 2 pi - TWO_PI_HI
const INV_TWO_PI: f32 = 0.15915494309189535;
const SQRT2: f32 = 1.4142135623730951;

// (-1)^k / (2k)! for k = 0..9
const C0: f32 = 1.0;
const C1: f32 = -0.5;
const C2: f32 = 0.041666666666666664;
const C3: f32 = -0.001388888888888889;
const C4: f32 = 0.0000248015873015873;
const C5: f32 = -2.755731922398589e-7;
const C6: f32 = 2.08767569878681e-9;
const C7: f32 = -1.1470745597729725e-11;
const C8: f32 = 4.779477332387385e-14;
const C9: f32 = -1.5619206968586225e-16;

@inline function cosScalar(t: f32): f32 {
  const k = nearest<f32>(t * INV_TWO_PI);
  const r = (t - k * TWO_PI_HI) - k * TWO_PI_LO;
  const s = r * r;
  return C0 + s * (C1 + s * (C2 + s * (C3 + s * (C4 + s * (C5 + s * (C6 + s * (C7 + s * (C8 + s * C9))))))));
}

@inline function cosVector(t: v128): v128 {
  const k = f32x4.nearest(f32x4.mul(t, f32x4.splat(INV_TWO_PI)));
  const r = f32x4.sub(f32x4.sub(t, f32x4.mul(k, f32x4.splat(TWO_PI_HI))), f32x4.mul(k, f32x4.splat(TWO_PI_LO)));
  const s = f32x4.mul(r, r);
  let p = vmaddF32(s, f32x4.splat(C9), f32x4.splat(C8));
  p = vmaddF32(s, p, f32x4.splat(C7));
  p = vmaddF32(s, p, f32x4.splat(C6));
  p = vmaddF32(s, p, f32x4.splat(C5));
  p = vmaddF32(s, p, f32x4.splat(C4));
  p = vmaddF32(s, p, f32x4.splat(C3));
  p = vmaddF32(s, p, f32x4.splat(C2));
  p = vmaddF32(s, p, f32x4.splat(C1));
  return vmaddF32(s, p, f32x4.splat(C0));
}

export function fourierFeatures(x: usize, n: i32, b: i32, w: usize, phase: usize, m: i32, i0: i32, i1: i32, out: usize): void {
  const rowBytes = <usize>m << 2;
  for (let i = i0; i < i1; i++) {
    const xi = x + (<usize>i * <usize>b << 2);
    const oi = out + <usize>i * rowBytes;
    let j = 0;
    if (ASC_FEATURE_SIMD) {
      for (; j + 4 <= m; j += 4) {
        let acc = v128.load(phase + (<usize>j << 2));
        let wp = w + (<usize>j << 2);
        for (let c = 0; c < b; c++) {
          acc = vmaddF32(f32x4.splat(load<f32>(xi + (<usize>c << 2))), v128.load(wp), acc);
          wp += rowBytes;
        }
        v128.store(oi + (<usize>j << 2), f32x4.mul(cosVector(acc), f32x4.splat(SQRT2)));
      }
    }
    for (; j < m; j++) {
      let t = load<f32>(phase + (<usize>j << 2));
      for (let c = 0; c < b; c++) t += load<f32>(xi + (<usize>c << 2)) * load<f32>(w + ((<usize>c * <usize>m + <usize>j) << 2));
      store<f32>(oi + (<usize>j << 2), SQRT2 * cosScalar(t));
    }
  }
}
