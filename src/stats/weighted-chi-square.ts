// Upper tail of Q = sum_j w_j chi^2_1 (independent chi-squares with one degree of freedom and
// weights w_j >= 0): the null distribution of kernel and random-feature independence statistics
// such as n ||C_xy|z||_F^2, whose weights are the eigenvalues of the covariance of the products
// of the residual features.
//
// - 'saddlepoint': Lugannani-Rice with the exact cumulant generating function
//   K(t) = -1/2 sum_j ln(1 - 2 w_j t) (Kuonen 1999); needs the weights themselves, and is accurate
//   to a few per cent relative far into the tail.
// - 'hbe': Hall-Buckley-Eagleson, a shifted and scaled chi-square with the first three cumulants of
//   Q; needs only sum w, sum w^2, sum w^3.
// - 'gamma': Satterthwaite-Welch, a scaled chi-square with the first two cumulants.

import { SpecialistError } from '../core/errors.ts';
import { chiSquareSf, normalSf } from './distributions.ts';

/**
 * How RCoT's null, a weighted sum of chi-squares, is approximated: 'saddlepoint', 'hbe'
 * (Hall-Buckley-Eagleson) or 'gamma' (Satterthwaite-Welch).
 */
export type WeightedChiSquareMethod = 'saddlepoint' | 'hbe' | 'gamma';
export const WEIGHTED_CHI_SQUARE_METHODS: readonly WeightedChiSquareMethod[] = ['saddlepoint', 'hbe', 'gamma'];

/** Cumulants 1..3 of Q from the power sums of the weights. */
function cumulants(weights: ArrayLike<number>): [number, number, number] {
  let s1 = 0, s2 = 0, s3 = 0;
  for (let j = 0; j < weights.length; j++) {
    const w = weights[j];
    s1 += w;
    s2 += w * w;
    s3 += w * w * w;
  }
  return [s1, 2 * s2, 8 * s3];
}

/** P(Q > q) by a chi-square matched to the first three cumulants (Hall-Buckley-Eagleson). */
function hbeSf(q: number, weights: ArrayLike<number>): number {
  const [k1, k2, k3] = cumulants(weights);
  const nu = (8 * k2 * k2 * k2) / (k3 * k3);
  return chiSquareSf(Math.max(0, nu + (q - k1) * Math.sqrt((2 * nu) / k2)), nu);
}

/** P(Q > q) by c chi^2_nu matched to the mean and variance (Satterthwaite-Welch). */
function gammaSf(q: number, weights: ArrayLike<number>): number {
  const [k1, k2] = cumulants(weights);
  const c = k2 / (2 * k1);
  return chiSquareSf(q / c, k1 / c);
}

/** K'(t) and K''(t) of Q. */
function derivatives(t: number, weights: ArrayLike<number>): [number, number] {
  let d1 = 0, d2 = 0;
  for (let j = 0; j < weights.length; j++) {
    const r = weights[j] / (1 - 2 * weights[j] * t);
    d1 += r;
    d2 += 2 * r * r;
  }
  return [d1, d2];
}

/** The saddlepoint t with K'(t) = q: bisection on the bracket, polished by Newton steps inside it. */
function saddlepoint(q: number, weights: ArrayLike<number>, maxWeight: number): number {
  let hi = 1 / (2 * maxWeight);
  let lo = 0;
  if (derivatives(0, weights)[0] > q) {
    lo = -1 / (2 * maxWeight);
    while (derivatives(lo, weights)[0] > q) lo *= 2;
    hi = 0;
  }
  let t = (lo + hi) / 2;
  for (let iteration = 0; iteration < 200; iteration++) {
    const [d1, d2] = derivatives(t, weights);
    if (d1 > q) hi = t;
    else lo = t;
    const newton = t - (d1 - q) / d2;
    const next = newton > lo && newton < hi ? newton : (lo + hi) / 2;
    if (Math.abs(next - t) <= 1e-15 * Math.max(1e-300, Math.abs(t)) + 1e-300) return next;
    t = next;
  }
  return t;
}

/** P(Q > q) by the Lugannani-Rice saddlepoint formula. */
function saddlepointSf(q: number, weights: ArrayLike<number>): number {
  let maxWeight = 0;
  for (let j = 0; j < weights.length; j++) maxWeight = Math.max(maxWeight, weights[j]);
  const [mean, variance] = cumulants(weights);
  // Within a hundredth of a standard deviation of the mean the formula is 0/0: the normal tail
  // there is exact to the first order (p within 0.004 of 1/2).
  if (Math.abs(q - mean) < 0.01 * Math.sqrt(variance)) return hbeSf(q, weights);
  const t = saddlepoint(q, weights, maxWeight);
  let k = 0;
  for (let j = 0; j < weights.length; j++) k -= 0.5 * Math.log1p(-2 * weights[j] * t);
  const [, d2] = derivatives(t, weights);
  const w = Math.sign(t) * Math.sqrt(Math.max(0, 2 * (t * q - k)));
  const v = t * Math.sqrt(d2);
  const density = Math.exp(-0.5 * w * w) / Math.sqrt(2 * Math.PI);
  return Math.min(1, Math.max(0, normalSf(w) + density * (1 / v - 1 / w)));
}

/**
 * P(Q > q) for Q = sum_j w_j chi^2_1. Weights <= 0 are dropped (rounding leaves tiny negative
 * eigenvalues of a covariance); with no positive weight Q is 0 and the tail is 0 for q > 0.
 */
export function weightedChiSquareSf(q: number, weights: ArrayLike<number>, method: WeightedChiSquareMethod = 'saddlepoint'): number {
  if (Number.isNaN(q)) throw new SpecialistError('NON_FINITE', 'q is NaN', { argument: 'q' });
  const positive: number[] = [];
  for (let j = 0; j < weights.length; j++) {
    const w = weights[j];
    if (!Number.isFinite(w)) throw new SpecialistError('NON_FINITE', `weight ${j} is ${w}`, { argument: 'weights', index: j });
    if (w > 0) positive.push(w);
  }
  if (q <= 0) return 1;
  if (positive.length === 0) return 0;
  switch (method) {
    case 'saddlepoint':
      return saddlepointSf(q, positive);
    case 'hbe':
      return hbeSf(q, positive);
    case 'gamma':
      return gammaSf(q, positive);
    default:
      throw new SpecialistError('INVALID_ARGUMENT', `method must be one of ${WEIGHTED_CHI_SQUARE_METHODS.join(', ')}, got ${String(method)}`, { argument: 'method', value: method });
  }
}
