// The digamma function psi(x) = d/dx ln Gamma(x), for the kNN mutual-information estimators.

/**
 * psi(x) for real x > 0, to about 1e-14 absolute: the recurrence psi(x) = psi(x + 1) - 1/x lifts
 * x to 10 or more, where the asymptotic series ln x - 1/(2x) - sum B_2j / (2j x^2j) converges fast.
 * Returns NaN for x <= 0 or NaN (the estimators only need positive arguments).
 */
export function digamma(x: number): number {
  if (!(x > 0)) return NaN;
  let shift = 0;
  while (x < 10) {
    shift -= 1 / x;
    x += 1;
  }
  const inv2 = 1 / (x * x);
  // Bernoulli terms B2/2, B4/4, ..., B12/12 (Horner in 1/x^2).
  const series = inv2 * (1 / 12 - inv2 * (1 / 120 - inv2 * (1 / 252 - inv2 * (1 / 240 - inv2 * (1 / 132 - inv2 * (691 / 32760))))));
  return shift + Math.log(x) - 0.5 / x - series;
}

/** psi(0), ..., psi(n) for the integers (psi(0) is NaN), as a lookup table for the neighbour counts. */
export function digammaTable(n: number): Float64Array {
  const table = new Float64Array(n + 1);
  table[0] = NaN;
  for (let m = 1; m <= n; m++) table[m] = digamma(m);
  return table;
}
