// Jacobi eigen-decomposition of symmetric matrices: A V = V D, V orthonormal, closed forms.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { symmetricEigen, symmetricEigenvalues } from '../../src/stats/symmetric-eigen.ts';
import { assertClose, createRng } from '../helpers.ts';

describe('symmetricEigen', () => {
  it('2 x 2 closed form and a diagonal matrix', () => {
    const [a, b, c] = [2, 1, -1];
    const mid = (a + c) / 2;
    const radius = Math.hypot((a - c) / 2, b);
    assertClose(symmetricEigenvalues(Float64Array.from([a, b, b, c]), 2), [mid + radius, mid - radius], { abs: 1e-14 }, '2 x 2');
    assertClose(symmetricEigenvalues(Float64Array.from([3, 0, 0, 0, -1, 0, 0, 0, 7]), 3), [7, 3, -1], { abs: 0 }, 'diagonal');
    assertClose(symmetricEigenvalues(new Float64Array(4), 2), [0, 0], { abs: 0 }, 'zero');
  });

  it('A V = V D with V orthonormal, for random covariances up to 40 x 40', () => {
    const rng = createRng(5);
    for (const p of [1, 3, 12, 40]) {
      const rows = 2 * p + 3;
      const x = Array.from({ length: rows * p }, () => rng.normal());
      const a = new Float64Array(p * p);
      for (let i = 0; i < p; i++) for (let j = 0; j < p; j++) for (let r = 0; r < rows; r++) a[i * p + j] += x[r * p + i] * x[r * p + j];
      const { values, vectors } = symmetricEigen(a, p);
      let trace = 0;
      for (let i = 0; i < p; i++) trace += a[i * p + i];
      assert.ok(Math.abs(values.reduce((s, v) => s + v, 0) - trace) < 1e-10 * trace, `trace p=${p}`);
      for (let i = 0; i < p; i++) {
        for (let j = 0; j < p; j++) {
          let av = 0;
          let dot = 0;
          for (let k = 0; k < p; k++) {
            av += a[i * p + k] * vectors[k * p + j];
            dot += vectors[k * p + i] * vectors[k * p + j];
          }
          assert.ok(Math.abs(av - vectors[i * p + j] * values[j]) < 1e-10 * trace, `A V = V D at ${i}, ${j}, p=${p}`);
          assert.ok(Math.abs(dot - (i === j ? 1 : 0)) < 1e-12, `V^T V at ${i}, ${j}, p=${p}`);
        }
      }
    }
  });

  it('descending values, each with its vector: A v = lambda v, orthonormal (the order whitening relies on)', () => {
    const rng = createRng(4);
    const n = 7;
    const b = Float64Array.from({ length: n * n }, () => rng.normal());
    const a = new Float64Array(n * n);
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) for (let k = 0; k < n; k++) a[i * n + j] += b[i * n + k] * b[j * n + k];
    const { values, vectors } = symmetricEigen(a, n);
    for (let c = 0; c < n; c++) {
      if (c > 0) assert.ok(values[c] <= values[c - 1]);
      for (let i = 0; i < n; i++) {
        let av = 0;
        for (let k = 0; k < n; k++) av += a[i * n + k] * vectors[k * n + c];
        assert.ok(Math.abs(av - values[c] * vectors[i * n + c]) < 1e-9 * values[0], `A v = lambda v (${c}, ${i})`);
      }
      for (let c2 = 0; c2 < n; c2++) {
        let dot = 0;
        for (let k = 0; k < n; k++) dot += vectors[k * n + c] * vectors[k * n + c2];
        assert.ok(Math.abs(dot - (c === c2 ? 1 : 0)) < 1e-9);
      }
    }
  });
});
