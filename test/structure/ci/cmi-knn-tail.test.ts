// The tail rule of the kNN-CMI test: the Pearson type III tail against closed forms, the moments
// against hand-computed values, the conservative tail against the true tails of normal and gamma
// nulls from 56 draws, and the exceedance slack of a family.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { conservativeTail, exceedanceSlack, moments, pearsonTail, rejectionSettled } from '../../../src/structure/ci/cmi-knn/tail.ts';
import { createRng } from '../../helpers.ts';

const close = (a: number, b: number, rel: number, what: string) => assert.ok(Math.abs(a - b) <= rel * Math.abs(b), `${what}: ${a} vs ${b}`);

describe('kNN-CMI tail rule', () => {
  it('Pearson type III tail: chi-square with 4 degrees of freedom in closed form, and the normal limit', () => {
    // chi2(4): mean 4, sd sqrt(8), skewness sqrt(8 / 4); P(X >= x) = exp(-x / 2) (1 + x / 2).
    for (const x of [1, 2, 10, 30, 60]) close(pearsonTail(x, 4, Math.sqrt(8), Math.SQRT2), Math.exp(-x / 2) * (1 + x / 2), 1e-9, `chi2(4) at ${x}`);
    // Below the lower end of the support the tail is 1.
    assert.equal(pearsonTail(-1, 4, Math.sqrt(8), Math.SQRT2), 1);
    // Skewness 0: the normal tail (P(Z >= 1.959963984540054) = 0.025); a tiny skewness is close to it.
    close(pearsonTail(1.959963984540054, 0, 1, 0), 0.025, 1e-9, 'normal');
    close(pearsonTail(1.959963984540054, 0, 1, 1e-3), 0.025, 2e-3, 'nearly normal');
  });

  it('moments: mean, standard deviation (n - 1) and skewness of a small sample by hand', () => {
    // [1, 2, 3, 4, 10]: mean 4; deviations -3 -2 -1 0 6; m2 = 50 / 5 = 10, m3 = (-27 - 8 - 1 + 216) / 5 = 36.
    const m = moments([1, 2, 3, 4, 10, 99], 5);
    assert.equal(m.mean, 4);
    close(m.sd, Math.sqrt(50 / 4), 1e-12, 'sd');
    close(m.skewness, 36 / 10 ** 1.5, 1e-12, 'skewness');
    assert.equal(conservativeTail(5, [2, 2, 2], 3), 1);
  });

  it('from 56 draws, the conservative tail is at least the true tail in most samples, for normal and gamma nulls', () => {
    const rng = createRng(71);
    // Gamma(4, 1) (skewness 1) as a sum of four exponentials; its 1e-4 upper quantile is 15.914, the normal's 3.719.
    const nulls: [string, () => number, number, number, number][] = [
      ['normal', () => rng.normal(), 3.719016485455709, 1e-4, 0.02],
      ['gamma(4)', () => -Math.log((1 - rng.next()) * (1 - rng.next()) * (1 - rng.next()) * (1 - rng.next())), 15.913814, 1e-4, 0.1],
    ];
    for (const [name, draw, x, truth, share] of nulls) {
      let below = 0;
      const samples = 300;
      for (let s = 0; s < samples; s++) {
        const draws = Float64Array.from({ length: 56 }, draw);
        if (conservativeTail(x, draws, 56) < truth) below++;
      }
      // Two standard errors on each moment: the estimate undershoots the truth in few samples (measured
      // 0 / 300 normal; 17 / 300 for the gamma, skewer than any kNN-CMI null seen, skewness <= 0.65).
      assert.ok(below / samples < share, `${name}: ${below} / ${samples} below the true tail`);
    }
  });

  it('slack: exceedances the full budget may hold and still reject at alpha / family', () => {
    assert.equal(exceedanceSlack(0.05, 18, 719), 1); // 2 / 720 = 0.05 / 18
    assert.equal(exceedanceSlack(0.05, 20, 799), 1);
    assert.equal(exceedanceSlack(0.05, 1, 100), 4); // 5 / 101 <= 0.05 < 6 / 101
    assert.equal(exceedanceSlack(0.05, 18, 100), 0); // unreachable: 1 / 101 > 0.05 / 18
  });

  it('settles only with no exceedance, at least 56 draws and draws left, and an observed value far out', () => {
    const rng = createRng(72);
    const draws = Float64Array.from({ length: 719 }, () => rng.normal());
    assert.ok(rejectionSettled(8, draws, 56, 0, 719, 1));
    assert.ok(!rejectionSettled(8, draws, 56, 1, 719, 1));
    assert.ok(!rejectionSettled(8, draws, 24, 0, 719, 1));
    assert.ok(!rejectionSettled(8, draws, 719, 0, 719, 1));
    assert.ok(!rejectionSettled(3.5, draws, 56, 0, 719, 1));
    // More slack settles earlier: some observed value is settled with slack 1 but not with 0.
    const x = [4, 4.5, 5, 5.5, 6, 6.5, 7].find((v) => rejectionSettled(v, draws, 120, 0, 719, 1) && !rejectionSettled(v, draws, 120, 0, 719, 0));
    assert.ok(x !== undefined);
  });
});
