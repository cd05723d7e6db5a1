// Vector helpers shared by every kernel. Each picks the relaxed-SIMD instruction when the build
// enables it; the compiler folds the ASC_FEATURE_* constants, so every build keeps one path only.

@inline export function vmaxF32(a: v128, b: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) return f32x4.relaxed_max(a, b);
  return f32x4.max(a, b);
}

/**
 * Max of two vectors of non-negative floats (distances). Without relaxed SIMD, f32x4.max pays for
 * NaN and signed-zero rules; non-negative floats order like their bit patterns, so the integer max
 * (one instruction) gives the same result.
 */
@inline export function vmaxNonNegF32(a: v128, b: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) return f32x4.relaxed_max(a, b);
  return i32x4.max_s(a, b);
}

/** a * b + c, fused where the host fuses it (relaxed build). */
@inline export function vmaddF32(a: v128, b: v128, c: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) return f32x4.relaxed_madd(a, b, c);
  return f32x4.add(f32x4.mul(a, b), c);
}

@inline export function vmaddF64(a: v128, b: v128, c: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) return f64x2.relaxed_madd(a, b, c);
  return f64x2.add(f64x2.mul(a, b), c);
}

@inline export function hmaxF32(v: v128): f32 {
  return max(max(f32x4.extract_lane(v, 0), f32x4.extract_lane(v, 1)),
    max(f32x4.extract_lane(v, 2), f32x4.extract_lane(v, 3)));
}

@inline export function hsumF32(v: v128): f32 {
  return (f32x4.extract_lane(v, 0) + f32x4.extract_lane(v, 1)) +
    (f32x4.extract_lane(v, 2) + f32x4.extract_lane(v, 3));
}
