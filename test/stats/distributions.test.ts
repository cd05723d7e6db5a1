// Normal and chi-square distribution functions against closed forms and tabulated values, and the
// multiple-testing adjustments on hand-worked examples.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { betaRegularised, chiSquareCdf, chiSquareSf, erfc, fSf, gammaP, gammaQ, logGamma, normalCdf, normalSf, normalTwoSided } from '../../src/stats/distributions.ts';
import { adjustPValues } from '../../src/stats/multiple-testing.ts';
import { assertClose, expectCode } from '../helpers.ts';

function assertRel(actual: number, expected: number, rel: number, what: string): void {
  assert.ok(Math.abs(actual - expected) <= rel * Math.abs(expected), `${what}: got ${actual}, expected ${expected} (relative ${rel})`);
}

describe('normal distribution', () => {
  // Upper tails 1 - Phi(z), computed to 17 digits with 30-digit arithmetic (mpmath.ncdf).
  const table: [number, number][] = [
    [0.5, 0.3085375387259869],
    [1, 0.15865525393145705],
    [1.959963984540054, 0.025000000000000011],
    [2, 0.022750131948179207],
    [3, 0.0013498980316300945],
    [4, 3.1671241833119921e-5],
    [5, 2.8665157187919391e-7],
    [6, 9.8658764503769814e-10],
    [8, 6.2209605742717841e-16],
    [10, 7.6198530241605261e-24],
    [20, 2.7536241186062337e-89],
  ];

  it('matches tabulated upper tails to 1e-10 relative, out to z = 20', () => {
    for (const [z, sf] of table) {
      assertRel(normalSf(z), sf, 1e-10, `sf(${z})`);
      assertRel(normalCdf(-z), sf, 1e-10, `cdf(${-z})`);
      assertRel(normalTwoSided(z), 2 * sf, 1e-10, `two-sided(${z})`);
      assertRel(normalTwoSided(-z), 2 * sf, 1e-10, `two-sided(${-z})`);
    }
  });

  it('is symmetric and centred', () => {
    assert.equal(normalSf(0), 0.5);
    assert.equal(normalTwoSided(0), 1);
    for (const z of [0.1, 0.7, 1.3, 2.9, 4.4]) assertRel(normalCdf(z) + normalSf(z), 1, 1e-15, `cdf + sf at ${z}`);
    assert.equal(erfc(-Infinity), 2);
    assert.equal(erfc(Infinity), 0);
    assert.ok(Number.isNaN(erfc(NaN)));
  });
});

describe('chi-square and incomplete gamma', () => {
  const xs = [1e-6, 0.01, 0.5, 1, 2.5, 5, 10, 30, 80, 200, 600];

  it('2 degrees of freedom: 1 - exp(-x / 2)', () => {
    for (const x of xs) {
      assertRel(chiSquareSf(x, 2), Math.exp(-x / 2), 1e-12, `sf(${x})`);
      assertRel(chiSquareCdf(x, 2), -Math.expm1(-x / 2), 1e-12, `cdf(${x})`);
    }
  });

  it('4 and 6 degrees of freedom: exp(-x / 2) times the Poisson sum', () => {
    for (const x of xs) {
      const h = x / 2;
      assertRel(chiSquareSf(x, 4), Math.exp(-h) * (1 + h), 1e-12, `df 4 sf(${x})`);
      assertRel(chiSquareSf(x, 6), Math.exp(-h) * (1 + h + (h * h) / 2), 1e-12, `df 6 sf(${x})`);
    }
  });

  it('1 degree of freedom is the square of a standard normal', () => {
    for (const z of [0.05, 0.5, 1, 1.96, 3, 5, 8]) assertRel(chiSquareSf(z * z, 1), 2 * normalSf(z), 1e-12, `z = ${z}`);
  });

  it('P + Q = 1 across the switch between series and continued fraction, large shapes included', () => {
    for (const a of [0.5, 1, 3.5, 10, 50, 200]) {
      for (const x of [0.5 * a, a, a + 0.999, a + 1, a + 1.001, 2 * a, 3 * a + 5]) {
        assertRel(gammaP(a, x) + gammaQ(a, x), 1, 1e-13, `a = ${a}, x = ${x}`);
      }
    }
    assert.equal(gammaP(3, 0), 0);
    assert.equal(gammaQ(3, 0), 1);
    assert.equal(gammaQ(3, Infinity), 0);
  });

  it('logGamma matches factorials and Gamma(1/2) = sqrt(pi)', () => {
    let fact = 1;
    for (let n = 1; n <= 30; n++) {
      assertRel(logGamma(n + 1), Math.log((fact *= n)), 1e-13, `ln ${n}!`);
    }
    assert.ok(Math.abs(logGamma(1)) < 1e-14 && Math.abs(logGamma(2)) < 1e-14);
    assertRel(logGamma(0.5), 0.5 * Math.log(Math.PI), 1e-14, 'ln Gamma(1/2)');
    assertRel(logGamma(100.5), 361.43554046777762, 1e-14, 'ln Gamma(100.5)');
  });

  it('bad arguments are typed errors', async () => {
    await expectCode(() => chiSquareSf(1, 0), 'INVALID_ARGUMENT', 'degrees of freedom');
    await expectCode(() => gammaP(-1, 1), 'INVALID_ARGUMENT', 'shape');
    await expectCode(() => logGamma(0), 'INVALID_ARGUMENT');
  });
});

describe('multiple-testing adjustments', () => {
  const p = [0.01, 0.04, 0.03, 0.005, NaN, 0.5];

  it('none leaves p-values as they are', () => {
    assertClose(adjustPValues(p, 'none').filter((v) => !Number.isNaN(v)), [0.01, 0.04, 0.03, 0.005, 0.5], {}, 'none');
  });

  it('bonferroni multiplies by the tested count (NaN = untested, not counted)', () => {
    const got = adjustPValues(p, 'bonferroni');
    assertClose([got[0], got[1], got[2], got[3], got[5]], [0.05, 0.2, 0.15, 0.025, 1], { abs: 1e-15 }, 'bonferroni');
    assert.ok(Number.isNaN(got[4]));
  });

  it('Benjamini-Hochberg step-up, worked by hand', () => {
    // Sorted: 0.005 (1), 0.01 (2), 0.03 (3), 0.04 (4), 0.5 (5); m = 5.
    // m p / rank: 0.025, 0.025, 0.05, 0.05, 0.5; running minimum from the top is the same here.
    const got = adjustPValues(p, 'bh');
    assertClose([got[3], got[0], got[2], got[1], got[5]], [0.025, 0.025, 0.05, 0.05, 0.5], { abs: 1e-15 }, 'bh');
    // The running minimum from the top: 0.039 at rank 1 gives min(2 * 0.039, 0.04) = 0.04.
    assertClose(adjustPValues([0.04, 0.039], 'bh'), [0.04, 0.04], { abs: 1e-15 }, 'bh monotone');
  });
});

describe('incomplete beta and the F distribution', () => {
  it('match closed forms: I_x(a, 1) = x^a, I_x(1, b) = 1 - (1 - x)^b, I_x(1/2, 1/2) = 2 asin(sqrt x) / pi', () => {
    for (const x of [1e-8, 0.01, 0.3, 0.77, 0.999]) {
      for (const a of [0.5, 3, 40]) assertRel(betaRegularised(a, 1, x), x ** a, 1e-12, `I_${x}(${a}, 1)`);
      for (const b of [0.5, 3, 40]) assertRel(betaRegularised(1, b, x), -Math.expm1(b * Math.log1p(-x)), 1e-12, `I_${x}(1, ${b})`);
      assertRel(betaRegularised(0.5, 0.5, x), (2 / Math.PI) * Math.asin(Math.sqrt(x)), 1e-12, `I_${x}(1/2, 1/2)`);
    }
    assert.equal(betaRegularised(2, 3, 0), 0);
    assert.equal(betaRegularised(2, 3, 1), 1);
  });

  it('F tails: tabulated quantiles, F(1, d2) = t^2, and the chi-square limit', () => {
    // 0.95 and 0.99 quantiles from standard tables.
    for (const [f, d1, d2, p] of [[3.3258, 5, 10, 0.05], [4.3512, 1, 20, 0.05], [7.5594, 2, 10, 0.01]] as const) assertRel(fSf(f, d1, d2), p, 2e-4, `F(${d1}, ${d2}) at ${f}`);
    // F(1, d2) at t^2 is the two-sided t tail; for d2 = 1 the t is Cauchy: P(|T| > t) = 1 - 2 atan(t) / pi.
    for (const t of [0.5, 2, 30]) assertRel(fSf(t * t, 1, 1), 1 - (2 / Math.PI) * Math.atan(t), 1e-12, `Cauchy ${t}`);
    assertRel(fSf(30 / 5, 5, 1e9), chiSquareSf(30, 5), 1e-6, 'd2 -> infinity');
    assert.ok(fSf(200, 3, 50) > 0 && fSf(200, 3, 50) < 1e-25, 'far tail stays positive');
    assert.equal(fSf(0, 2, 3), 1);
    expectCode(() => fSf(1, 0, 3), 'INVALID_ARGUMENT');
    expectCode(() => betaRegularised(1, 1, NaN), 'NON_FINITE');
  });
});
