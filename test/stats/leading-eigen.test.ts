// The eigensolvers for wide covariances and long nulls: randomised subspace iteration (leading
// pairs) and Householder + QL (all eigenvalues), against Jacobi on the same matrices.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { leadingEigen } from '../../src/stats/leading-eigen.ts';
import { symmetricEigen, symmetricEigenvalues } from '../../src/stats/symmetric-eigen.ts';
import { fastSymmetricEigenvalues } from '../../src/stats/tridiagonal-eigen.ts';
import { assertClose, createRng } from '../helpers.ts';

/** A p x p covariance of `rank` directions with decaying variances, plus `floor` on the diagonal. */
function covariance(p: number, rank: number, floor: number, seed: number): Float64Array {
  const rng = createRng(seed);
  const a = new Float64Array(p * p);
  for (let k = 0; k < rank; k++) {
    const v = Array.from({ length: p }, () => rng.normal());
    const scale = 10 / (k + 1) ** 1.5 / p;
    for (let i = 0; i < p; i++) for (let j = 0; j < p; j++) a[i * p + j] += scale * v[i] * v[j];
  }
  for (let i = 0; i < p; i++) a[i * p + i] += floor;
  return a;
}

const multiplyBy = (a: Float64Array, p: number) => (block: Float64Array, m: number) => {
  const out = new Float64Array(p * m);
  for (let i = 0; i < p; i++) for (let k = 0; k < p; k++) { const v = a[i * p + k]; if (v !== 0) for (let j = 0; j < m; j++) out[i * m + j] += v * block[k * m + j]; }
  return out;
};

describe('leadingEigen and fastSymmetricEigenvalues', () => {
  it('leading pairs of a low-rank covariance match Jacobi, and A v = lambda v', () => {
    const p = 60;
    const a = covariance(p, 8, 0, 1);
    const exact = [...symmetricEigen(a, p).values].sort((x, y) => y - x);
    const { values, vectors } = leadingEigen(p, 12, multiplyBy(a, p), createRng(2));
    assertClose(values.subarray(0, 8), exact.slice(0, 8), { rel: 1e-8, abs: 1e-12 }, 'leading values');
    // Beyond the rank: nothing left.
    assert.ok(values[8] < 1e-10 * values[0], `value 9 ${values[8]}`);
    const av = multiplyBy(a, p)(vectors, 12);
    for (let j = 0; j < 8; j++) for (let i = 0; i < p; i++) assert.ok(Math.abs(av[i * 12 + j] - values[j] * vectors[i * 12 + j]) < 1e-8 * values[0], `A v = lambda v at ${i}, ${j}`);
  });

  it('all eigenvalues by Householder + QL equal Jacobi\'s (random, rank-deficient, diagonal, 1 x 1)', () => {
    for (const [p, rank, floor, seed] of [[1, 1, 0, 3], [7, 7, 0.1, 4], [40, 5, 0, 5], [90, 90, 0.5, 6]]) {
      const a = covariance(p, rank, floor, seed);
      const jacobi = [...symmetricEigenvalues(a, p)].sort((x, y) => y - x);
      assertClose(fastSymmetricEigenvalues(a, p), jacobi, { abs: 1e-11 * Math.max(1, jacobi[0]) }, `p = ${p}, rank ${rank}`);
    }
    assertClose(fastSymmetricEigenvalues(Float64Array.from([3, 0, 0, 0, -1, 0, 0, 0, 7]), 3), [7, 3, -1], { abs: 1e-14 }, 'diagonal');
  });
});
