// Distribution functions the CI tests need, accurate to about 1e-14 relative in double precision,
// tails included (p-values of 1e-20 must not round to 0 before a multiple-testing correction).
// Everything goes through the regularised incomplete gamma function: the normal tail is
// erfc(x) = Q(1/2, x^2) and the chi-square tail with k degrees of freedom is Q(k/2, x/2).

import { SpecialistError } from '../core/errors.ts';

const HALF_LOG_TWO_PI = 0.9189385332046728; // ln(2 pi) / 2
const MAX_ITERATIONS = 100_000;
const EPS = 1e-16;
const TINY = 1e-300;

/**
 * ln Gamma(x) for x > 0: shift x up to at least 10 with Gamma(x + 1) = x Gamma(x), then the
 * Stirling series to the z^-13 term (the first omitted term is below 3e-17 at z = 10).
 */
export function logGamma(x: number): number {
  if (!(x > 0)) throw new SpecialistError('INVALID_ARGUMENT', `logGamma needs x > 0, got ${x}`, { argument: 'x', value: x });
  let shift = 0;
  let z = x;
  while (z < 10) {
    shift += Math.log(z);
    z += 1;
  }
  const r = 1 / z;
  const r2 = r * r;
  // Bernoulli terms B_2k / (2k (2k - 1) z^(2k - 1)) for k = 1..7.
  const series = r * (1 / 12 + r2 * (-1 / 360 + r2 * (1 / 1260 + r2 * (-1 / 1680 + r2 * (1 / 1188 + r2 * (-691 / 360360 + r2 / 156))))));
  return (z - 0.5) * Math.log(z) - z + HALF_LOG_TWO_PI + series - shift;
}

/** ln of x^a e^-x / Gamma(a), the common prefactor of both incomplete gamma expansions. */
function logPrefactor(a: number, x: number): number {
  return a * Math.log(x) - x - logGamma(a);
}

/** P(a, x) by its power series, for x < a + 1 (where it converges quickly). */
function lowerSeries(a: number, x: number): number {
  let term = 1 / a;
  let sum = term;
  for (let n = 1; n < MAX_ITERATIONS; n++) {
    term *= x / (a + n);
    sum += term;
    if (Math.abs(term) < Math.abs(sum) * EPS) return sum * Math.exp(logPrefactor(a, x));
  }
  throw notConverged(a, x);
}

/** Q(a, x) by its continued fraction (modified Lentz), for x >= a + 1. */
function upperFraction(a: number, x: number): number {
  let b = x + 1 - a;
  let c = 1 / TINY;
  let d = 1 / b;
  let h = d;
  for (let n = 1; n < MAX_ITERATIONS; n++) {
    const an = -n * (n - a);
    b += 2;
    d = an * d + b;
    if (Math.abs(d) < TINY) d = TINY;
    c = b + an / c;
    if (Math.abs(c) < TINY) c = TINY;
    d = 1 / d;
    const delta = d * c;
    h *= delta;
    if (Math.abs(delta - 1) < EPS) return h * Math.exp(logPrefactor(a, x));
  }
  throw notConverged(a, x);
}

function notConverged(a: number, x: number): SpecialistError {
  return new SpecialistError('INTERNAL', `Incomplete gamma did not converge for a = ${a}, x = ${x}`, { a, x });
}

function checkGammaArgs(a: number, x: number): void {
  if (!(a > 0) || !Number.isFinite(a)) throw new SpecialistError('INVALID_ARGUMENT', `shape a must be finite and > 0, got ${a}`, { argument: 'a', value: a });
  if (Number.isNaN(x)) throw new SpecialistError('NON_FINITE', 'x is NaN', { argument: 'x' });
}

/** Regularised lower incomplete gamma P(a, x) = gamma(a, x) / Gamma(a). */
export function gammaP(a: number, x: number): number {
  checkGammaArgs(a, x);
  if (x <= 0) return 0;
  if (x === Infinity) return 1;
  return x < a + 1 ? lowerSeries(a, x) : 1 - upperFraction(a, x);
}

/** Regularised upper incomplete gamma Q(a, x) = 1 - P(a, x), accurate in the far tail. */
export function gammaQ(a: number, x: number): number {
  checkGammaArgs(a, x);
  if (x <= 0) return 1;
  if (x === Infinity) return 0;
  return x < a + 1 ? 1 - lowerSeries(a, x) : upperFraction(a, x);
}

/** Complementary error function, accurate to about 1e-14 relative out to erfc(26) ~ 1e-296. */
export function erfc(x: number): number {
  if (Number.isNaN(x)) return NaN;
  return x >= 0 ? gammaQ(0.5, x * x) : 1 + gammaP(0.5, x * x);
}

/** Standard normal upper tail P(Z > z). */
export function normalSf(z: number): number {
  return 0.5 * erfc(z / Math.SQRT2);
}

/** Standard normal CDF P(Z <= z). */
export function normalCdf(z: number): number {
  return 0.5 * erfc(-z / Math.SQRT2);
}

/** Two-sided normal p-value P(|Z| >= |z|). */
export function normalTwoSided(z: number): number {
  return Math.min(1, erfc(Math.abs(z) / Math.SQRT2));
}

function checkDf(df: number): void {
  if (!(df > 0) || !Number.isFinite(df)) throw new SpecialistError('INVALID_ARGUMENT', `degrees of freedom must be finite and > 0, got ${df}`, { argument: 'df', value: df });
}

/** Chi-square CDF with `df` degrees of freedom. */
export function chiSquareCdf(x: number, df: number): number {
  checkDf(df);
  return gammaP(df / 2, x / 2);
}

/** Chi-square upper tail P(X > x) with `df` degrees of freedom (the p-value of a chi-square test). */
export function chiSquareSf(x: number, df: number): number {
  checkDf(df);
  return gammaQ(df / 2, x / 2);
}

/** The continued fraction of I_x(a, b) (modified Lentz), for x below the mean (a + 1) / (a + b + 2). */
function betaFraction(a: number, b: number, x: number): number {
  let c = 1;
  let d = 1 - ((a + b) * x) / (a + 1);
  if (Math.abs(d) < TINY) d = TINY;
  d = 1 / d;
  let h = d;
  for (let m = 1; m < MAX_ITERATIONS; m++) {
    const even = (m * (b - m) * x) / ((a + 2 * m - 1) * (a + 2 * m));
    d = 1 + even * d;
    if (Math.abs(d) < TINY) d = TINY;
    c = 1 + even / c;
    if (Math.abs(c) < TINY) c = TINY;
    d = 1 / d;
    h *= d * c;
    const odd = (-(a + m) * (a + b + m) * x) / ((a + 2 * m) * (a + 2 * m + 1));
    d = 1 + odd * d;
    if (Math.abs(d) < TINY) d = TINY;
    c = 1 + odd / c;
    if (Math.abs(c) < TINY) c = TINY;
    d = 1 / d;
    const delta = d * c;
    h *= delta;
    if (Math.abs(delta - 1) < EPS) return h;
  }
  throw new SpecialistError('INTERNAL', `Incomplete beta did not converge for a = ${a}, b = ${b}, x = ${x}`, { a, b, x });
}

/**
 * Regularised incomplete beta I_x(a, b) = B(x; a, b) / B(a, b), accurate to about 1e-14 relative
 * in both tails (the fraction is evaluated on the side of the mean where it converges, for the
 * smaller of I and 1 - I).
 */
export function betaRegularised(a: number, b: number, x: number): number {
  for (const [name, v] of [['a', a], ['b', b]] as const) {
    if (!(v > 0) || !Number.isFinite(v)) throw new SpecialistError('INVALID_ARGUMENT', `${name} must be finite and > 0, got ${v}`, { argument: name, value: v });
  }
  if (Number.isNaN(x)) throw new SpecialistError('NON_FINITE', 'x is NaN', { argument: 'x' });
  if (x <= 0) return 0;
  if (x >= 1) return 1;
  const logPrefix = a * Math.log(x) + b * Math.log1p(-x) - (logGamma(a) + logGamma(b) - logGamma(a + b));
  if (x < (a + 1) / (a + b + 2)) return (Math.exp(logPrefix) * betaFraction(a, b, x)) / a;
  return 1 - (Math.exp(logPrefix) * betaFraction(b, a, 1 - x)) / b;
}

/** Upper tail P(F > f) of the F distribution with (d1, d2) degrees of freedom. */
export function fSf(f: number, d1: number, d2: number): number {
  checkDf(d1);
  checkDf(d2);
  if (Number.isNaN(f)) throw new SpecialistError('NON_FINITE', 'f is NaN', { argument: 'f' });
  if (f <= 0) return 1;
  if (f === Infinity) return 0;
  // P(F > f) = I_{d2 / (d2 + d1 f)}(d2 / 2, d1 / 2); the complement form keeps the far tail exact.
  return betaRegularised(d2 / 2, d1 / 2, d2 / (d2 + d1 * f));
}
