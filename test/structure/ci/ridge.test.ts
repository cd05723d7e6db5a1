// Ridge regressions from a covariance with the ridge chosen by GCV: the coefficients equal the
// closed-form ridge solution at the chosen ridge (solved here by Gaussian elimination), the ridge
// is small for a target the basis explains and large for pure noise.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ridgeByGcv } from '../../../src/structure/ci/ridge.ts';
import { createRng } from '../../helpers.ts';

/** Sample covariance (divisor n - 1) of the columns of a row-major [n, w] array. */
function covarianceOf(x: number[][], w: number): Float64Array {
  const n = x.length;
  const mean = Array.from({ length: w }, (_, c) => x.reduce((s, r) => s + r[c], 0) / n);
  const cov = new Float64Array(w * w);
  for (const r of x) for (let i = 0; i < w; i++) for (let j = 0; j < w; j++) cov[i * w + j] += ((r[i] - mean[i]) * (r[j] - mean[j])) / (n - 1);
  return cov;
}

/** Solves A x = b by Gaussian elimination with partial pivoting (a reference apart from Cholesky). */
function solve(a: number[][], b: number[]): number[] {
  const m = a.map((row, i) => [...row, b[i]]);
  const p = b.length;
  for (let c = 0; c < p; c++) {
    const pivot = m.slice(c).reduce((best, row, i) => (Math.abs(row[c]) > Math.abs(m[best][c]) ? c + i : best), c);
    [m[c], m[pivot]] = [m[pivot], m[c]];
    for (let r = c + 1; r < p; r++) {
      const f = m[r][c] / m[c][c];
      for (let k = c; k <= p; k++) m[r][k] -= f * m[c][k];
    }
  }
  const x = new Array<number>(p).fill(0);
  for (let r = p - 1; r >= 0; r--) x[r] = (m[r][p] - m.slice(r + 1, p).reduce((s, _, k) => s + m[r][r + 1 + k] * x[r + 1 + k], 0)) / m[r][r];
  return x;
}

describe('ridgeByGcv', () => {
  const rng = createRng(9);
  const n = 400;
  const p = 6;
  const truth = [1, -0.5, 0.25, 0, 0, 2];
  const rows = Array.from({ length: n }, () => {
    const basis = Array.from({ length: p }, () => rng.normal());
    const signal = basis.reduce((s, v, i) => s + v * truth[i], 0) + 0.3 * rng.normal();
    return [...basis, signal, rng.normal()];
  });
  const w = p + 2;
  const cov = covarianceOf(rows, w);
  const fit = ridgeByGcv(cov, w, p, [p, p + 1], n);

  it('equals the closed-form ridge solution at the chosen ridge, for each target', () => {
    const trace = Array.from({ length: p }, (_, i) => cov[i * w + i]).reduce((a, b) => a + b, 0);
    for (let t = 0; t < 2; t++) {
      const lambda = (fit.ridge[t] * trace) / p;
      const a = Array.from({ length: p }, (_, i) => Array.from({ length: p }, (_, j) => cov[i * w + j] + (i === j ? lambda : 0)));
      const want = solve(a, Array.from({ length: p }, (_, i) => cov[i * w + p + t]));
      for (let i = 0; i < p; i++) assert.ok(Math.abs(fit.beta[i * 2 + t] - want[i]) < 1e-9, `target ${t}, coefficient ${i}: ${fit.beta[i * 2 + t]} vs ${want[i]}`);
    }
  });

  it('explains a linear target with a small ridge (coefficients within 0.05, GCV near the noise variance 0.09)', () => {
    assert.ok(fit.ridge[0] <= 1e-2, `ridge ${fit.ridge[0]}`);
    truth.forEach((b, i) => assert.ok(Math.abs(fit.beta[i * 2] - b) < 0.05, `coefficient ${i}: ${fit.beta[i * 2]}`));
    assert.ok(fit.gcv[0] > 0.07 && fit.gcv[0] < 0.11, `gcv ${fit.gcv[0]}`);
  });

  it('shrinks a pure-noise target: a large ridge and small coefficients', () => {
    assert.ok(fit.ridge[1] >= 1, `ridge ${fit.ridge[1]}`);
    for (let i = 0; i < p; i++) assert.ok(Math.abs(fit.beta[i * 2 + 1]) < 0.05, `coefficient ${i}: ${fit.beta[i * 2 + 1]}`);
  });
});
