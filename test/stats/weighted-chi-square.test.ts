// The tail of a weighted sum of chi-square(1) variables against closed forms: equal weights give a
// scaled chi-square; weights in equal pairs give a sum of exponentials (hypoexponential), whose
// tail is exact: P(Q > q) = sum_i prod_{j != i} m_i / (m_i - m_j) exp(-q / m_i), m = 2 w.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { chiSquareSf } from '../../src/stats/distributions.ts';
import { weightedChiSquareSf, type WeightedChiSquareMethod } from '../../src/stats/weighted-chi-square.ts';
import { expectCode } from '../helpers.ts';

function hypoexponentialSf(q: number, means: number[]): number {
  return means.reduce((sum, mi, i) => sum + means.reduce((prod, mj, j) => (j === i ? prod : (prod * mi) / (mi - mj)), 1) * Math.exp(-q / mi), 0);
}

const relative = (a: number, b: number) => Math.abs(a - b) / b;

describe('weightedChiSquareSf', () => {
  it('equal weights: a scaled chi-square, exact for hbe and gamma; the saddlepoint within 10% for one weight, 3% for three or more', () => {
    for (const p of [1, 3, 25]) {
      for (const q of [1, 10, 40, 90]) {
        const want = chiSquareSf(q / 2, p);
        const weights = new Array(p).fill(2);
        assert.ok(relative(weightedChiSquareSf(q, weights, 'hbe'), want) < 1e-9, `hbe p=${p} q=${q}`);
        assert.ok(relative(weightedChiSquareSf(q, weights, 'gamma'), want) < 1e-9, `gamma p=${p} q=${q}`);
        assert.ok(relative(weightedChiSquareSf(q, weights, 'saddlepoint'), want) < (p === 1 ? 0.1 : 0.03), `saddlepoint p=${p} q=${q}`);
      }
    }
  });

  it('unequal weights: the saddlepoint stays within 4% of the exact tail from 0.7 down to 4e-11; the moment fits drift in the tail', () => {
    const pairs = [1, 0.5, 0.2, 0.05];
    const weights = pairs.flatMap((w) => [w, w]);
    const means = pairs.map((w) => 2 * w);
    const worst: Record<WeightedChiSquareMethod, number> = { saddlepoint: 0, hbe: 0, gamma: 0 };
    for (let q = 2; q <= 50; q += 2) {
      const want = hypoexponentialSf(q, means);
      for (const method of ['saddlepoint', 'hbe', 'gamma'] as const) worst[method] = Math.max(worst[method], relative(weightedChiSquareSf(q, weights, method), want));
    }
    assert.ok(worst.saddlepoint < 0.04, `saddlepoint worst relative error ${worst.saddlepoint}`);
    // What the default guards against: deep in the tail the moment fits are off by far more (at
    // p = 3e-4 hbe by 17%, gamma by 56%).
    assert.ok(worst.gamma > 0.3 && worst.hbe > 0.1, `hbe ${worst.hbe}, gamma ${worst.gamma}`);
  });

  it('edge cases: q <= 0 gives 1, no positive weight gives 0, tiny negative weights are dropped', () => {
    assert.equal(weightedChiSquareSf(0, [1, 2]), 1);
    assert.equal(weightedChiSquareSf(-3, [1, 2]), 1);
    assert.equal(weightedChiSquareSf(1, [0, -1e-17]), 0);
    assert.equal(weightedChiSquareSf(5, [2, 2, -1e-15]), weightedChiSquareSf(5, [2, 2]));
    // Near the mean the formula is 0 / 0; the value stays continuous there.
    const mean = 3;
    const below = weightedChiSquareSf(mean - 1e-3, [1, 1, 1]);
    const at = weightedChiSquareSf(mean, [1, 1, 1]);
    const above = weightedChiSquareSf(mean + 1e-3, [1, 1, 1]);
    assert.ok(below >= at && at >= above && below - above < 1e-3, `${below} ${at} ${above}`);
  });

  it('bad input gives typed errors', () => {
    expectCode(() => weightedChiSquareSf(NaN, [1]), 'NON_FINITE');
    expectCode(() => weightedChiSquareSf(1, [1, NaN]), 'NON_FINITE');
    expectCode(() => weightedChiSquareSf(1, [1], 'imhof' as WeightedChiSquareMethod), 'INVALID_ARGUMENT');
  });
});
