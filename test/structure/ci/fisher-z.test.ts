// Fisher z against a plain float64 reference built from regression residuals, its false-positive
// rate on independent data inside the binomial band, its power, and its typed errors.
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { KernelRuntime } from '../../../src/kernels/runtime.ts';
import type { Matrix } from '../../../src/core/tensor.ts';
import { betaRegularised, fSf, normalTwoSided } from '../../../src/stats/distributions.ts';
import type { CiQuery } from '../../../src/structure/ci-test.ts';
import { fisherZ } from '../../../src/structure/ci/fisher-z.ts';
import { binomialBand, createRng, expectCode } from '../../helpers.ts';
import type { Rng } from '../../../src/core/random.ts';

/** Columns of a row-major matrix as float64 vectors. */
function column(m: Matrix, c: number): Float64Array {
  return Float64Array.from({ length: m.rows }, (_, r) => m.data[r * m.cols + c]);
}

/** Solves A x = b (A p x p) by Gaussian elimination with partial pivoting. */
function solve(a: number[][], b: number[]): number[] {
  const p = b.length;
  const m = a.map((row, i) => [...row, b[i]]);
  for (let j = 0; j < p; j++) {
    let piv = j;
    for (let i = j + 1; i < p; i++) if (Math.abs(m[i][j]) > Math.abs(m[piv][j])) piv = i;
    [m[j], m[piv]] = [m[piv], m[j]];
    for (let i = j + 1; i < p; i++) {
      const f = m[i][j] / m[j][j];
      for (let c = j; c <= p; c++) m[i][c] -= f * m[j][c];
    }
  }
  const x = new Array<number>(p).fill(0);
  for (let i = p - 1; i >= 0; i--) {
    let s = m[i][p];
    for (let c = i + 1; c < p; c++) s -= m[i][c] * x[c];
    x[i] = s / m[i][i];
  }
  return x;
}

function det(a: number[][]): number {
  const p = a.length;
  const m = a.map((row) => [...row]);
  let d = 1;
  for (let j = 0; j < p; j++) {
    let piv = j;
    for (let i = j + 1; i < p; i++) if (Math.abs(m[i][j]) > Math.abs(m[piv][j])) piv = i;
    if (piv !== j) {
      [m[j], m[piv]] = [m[piv], m[j]];
      d = -d;
    }
    d *= m[j][j];
    for (let i = j + 1; i < p; i++) {
      const f = m[i][j] / m[j][j];
      for (let c = j; c < p; c++) m[i][c] -= f * m[j][c];
    }
  }
  return d;
}

/** Residuals of `target` after least squares on `given` plus an intercept. */
function residual(target: Float64Array, given: Float64Array[]): Float64Array {
  const n = target.length;
  const design = [new Float64Array(n).fill(1), ...given];
  const gram = design.map((u) => design.map((v) => u.reduce((s, ui, r) => s + ui * v[r], 0)));
  const rhs = design.map((u) => u.reduce((s, ui, r) => s + ui * target[r], 0));
  const beta = solve(gram, rhs);
  return target.map((t, r) => t - design.reduce((s, u, j) => s + beta[j] * u[r], 0));
}

/** The reference test: partial correlation (or Wilks' lambda) of regression residuals. */
function reference(m: Matrix, q: CiQuery): { statistic: number; pValue: number } {
  const z = q.z.map((c) => column(m, c));
  const res = [...q.x, ...q.y].map((c) => residual(column(m, c), z));
  const cov = res.map((u) => res.map((v) => u.reduce((s, ui, r) => s + ui * v[r], 0)));
  const n = m.rows;
  const k = q.z.length;
  const dx = q.x.length;
  const dy = q.y.length;
  if (dx === 1 && dy === 1) {
    const r = cov[0][1] / Math.sqrt(cov[0][0] * cov[1][1]);
    const stat = Math.sqrt(n - k - 3) * Math.atanh(r);
    return { statistic: stat, pValue: normalTwoSided(stat) };
  }
  const sub = (idx: number[]) => idx.map((i) => idx.map((j) => cov[i][j]));
  const all = Array.from({ length: dx + dy }, (_, i) => i);
  const lambda = det(cov) / (det(sub(all.slice(0, dx))) * det(sub(all.slice(dx))));
  // Rao's F, written out from its definition.
  const t = dx * dx + dy * dy - 5 > 0 ? Math.sqrt((dx * dx * dy * dy - 4) / (dx * dx + dy * dy - 5)) : 1;
  const df1 = dx * dy;
  const df2 = (n - 1 - k - (dx + dy + 1) / 2) * t - (df1 - 2) / 2;
  const stat = ((1 - lambda ** (1 / t)) / lambda ** (1 / t)) * (df2 / df1);
  return { statistic: stat, pValue: fSf(stat, df1, df2) };
}

/** n rows: columns [x (dx), y (dy), z (dz)] with x and y both driven by z; `rho` couples y to x. */
function dataset(rng: Rng, n: number, dx: number, dy: number, dz: number, rho: number): Matrix {
  const cols = dx + dy + dz;
  const data = new Float32Array(n * cols);
  const wx = Array.from({ length: dx * dz }, () => rng.normal());
  const wy = Array.from({ length: dy * dz }, () => rng.normal());
  for (let r = 0; r < n; r++) {
    const z = Array.from({ length: dz }, () => rng.normal());
    const x = Array.from({ length: dx }, (_, i) => z.reduce((s, zj, j) => s + wx[i * dz + j] * zj, 0) + rng.normal());
    const y = Array.from({ length: dy }, (_, i) => z.reduce((s, zj, j) => s + wy[i * dz + j] * zj, 0) + rng.normal() + rho * x[i % dx]);
    data.set([...x, ...y, ...z.map((v) => v * 3 + 10)], r * cols);
  }
  return { data, rows: n, cols };
}

function query(dx: number, dy: number, dz: number): CiQuery {
  const range = (from: number, count: number) => Array.from({ length: count }, (_, i) => from + i);
  return { x: range(0, dx), y: range(dx, dy), z: range(dx + dy, dz) };
}

describe('fisherZ', () => {
  let runtime: KernelRuntime;
  before(async () => {
    runtime = await KernelRuntime.create();
  });
  const prepare = (m: Matrix) => fisherZ().prepare(m, { kernels: runtime, seed: 0 });

  it('matches the regression-residual reference (d = 1 and multivariate, with and without Z)', () => {
    const rng = createRng(101);
    for (const [dx, dy, dz, rho] of [[1, 1, 0, 0.2], [1, 1, 1, 0], [1, 1, 4, 0.1], [2, 1, 3, 0.15], [1, 3, 2, 0], [2, 2, 5, 0.1], [3, 2, 0, 0.05]]) {
      const m = dataset(rng, 300, dx, dy, dz, rho);
      const q = query(dx, dy, dz);
      const got = prepare(m).test(q);
      const want = reference(m, q);
      const what = `dx ${dx}, dy ${dy}, dz ${dz}`;
      assert.ok(Math.abs(got.statistic - want.statistic) <= 1e-7 * Math.max(1, Math.abs(want.statistic)), `${what}: statistic ${got.statistic} vs ${want.statistic}`);
      assert.ok(Math.abs(got.pValue - want.pValue) <= 1e-7 * want.pValue + 1e-12, `${what}: p ${got.pValue} vs ${want.pValue}`);
    }
  });

  it('answers every query from one covariance, with columns in any order', () => {
    const m = dataset(createRng(102), 400, 2, 2, 3, 0.2);
    const prepared = prepare(m);
    const a = prepared.test({ x: [0, 1], y: [2, 3], z: [4, 5, 6] });
    const b = prepared.test({ x: [3, 2], y: [1, 0], z: [6, 4, 5] });
    assert.ok(Math.abs(a.statistic - b.statistic) < 1e-9 * a.statistic, 'x and y swap and reorder');
    const c = prepared.test({ x: [0], y: [2], z: [4] });
    const want = reference(m, { x: [0], y: [2], z: [4] });
    assert.ok(Math.abs(c.statistic - want.statistic) < 1e-7 * Math.max(1, Math.abs(want.statistic)));
  });

  it('has the nominal false-positive rate at alpha 0.05 on independent data (400 tests each, 99.9% binomial band)', () => {
    const rng = createRng(103);
    const [lo, hi] = binomialBand(400, 0.05, 0.999);
    for (const [dx, dy, dz] of [[1, 1, 3], [2, 2, 3]]) {
      let rejected = 0;
      for (let t = 0; t < 400; t++) {
        const m = dataset(rng, 150, dx, dy, dz, 0);
        if (prepare(m).test(query(dx, dy, dz)).pValue < 0.05) rejected++;
      }
      assert.ok(rejected >= lo && rejected <= hi, `dx ${dx}, dy ${dy}: ${rejected} of 400 rejected, band [${lo}, ${hi}]`);
    }
  });

  it('at wide widths the p-value is exact: with a scalar y, Wilks lambda ~ Beta((n - |Z| - dx - 1) / 2, dx / 2) and p = I_lambda', () => {
    // dx = 24, |Z| = 48 on n = 90 rows: n - |Z| = 1.75 dx, where Bartlett's chi-square rejects far
    // too often. Rao's F with dy = 1 is the exact F test, so p equals the Beta cdf at lambda.
    const rng = createRng(108);
    const [dx, dz, n] = [24, 48, 90];
    const m = dataset(rng, n, dx, 1, dz, 0);
    const q = query(dx, 1, dz);
    const { pValue } = prepare(m).test(q);
    const want = reference(m, q).pValue;
    const df2 = n - dz - dx - 1;
    // lambda from the F value: lambda = 1 / (1 + F dx / df2); the exact p-value is I_lambda(df2 / 2, dx / 2).
    const f = reference(m, q).statistic;
    const lambda = 1 / (1 + (f * dx) / df2);
    assert.ok(Math.abs(pValue - betaRegularised(df2 / 2, dx / 2, lambda)) < 1e-9, `p ${pValue} vs Beta cdf ${betaRegularised(df2 / 2, dx / 2, lambda)}`);
    assert.ok(Math.abs(pValue - want) < 1e-9);
  });

  it('has power against a moderate partial dependence', () => {
    const rng = createRng(104);
    for (const [dx, dy] of [[1, 1], [2, 2]]) {
      const m = dataset(rng, 500, dx, dy, 3, 0.3);
      const { pValue } = prepare(m).test(query(dx, dy, 3));
      assert.ok(pValue < 1e-6, `dx ${dx}: p = ${pValue}`);
    }
  });

  it('recovers the known partial correlation of a Gaussian chain (z = sqrt(n - 4) atanh(r))', () => {
    // x = z + e1, y = z + e2 with unit noises: corr(x, y) = 1/2 marginally, 0 given z.
    const rng = createRng(105);
    const n = 20000;
    const data = new Float32Array(n * 3);
    for (let r = 0; r < n; r++) {
      const z = rng.normal();
      data.set([z + rng.normal(), z + rng.normal(), z], r * 3);
    }
    const prepared = prepare({ data, rows: n, cols: 3 });
    const marginal = prepared.test({ x: [0], y: [1], z: [] });
    assert.ok(Math.abs(Math.tanh(marginal.statistic / Math.sqrt(n - 3)) - 0.5) < 0.02, `marginal r = ${Math.tanh(marginal.statistic / Math.sqrt(n - 3))}`);
    assert.ok(Math.abs(prepared.test({ x: [0], y: [1], z: [2] }).statistic) < 4);
  });

  it('runs on the rank the data support: a redundant z column or x block changes nothing, and the rank is stated', () => {
    const rng = createRng(108);
    const n = 400;
    const m = dataset(rng, n, 2, 1, 2, 0.3);
    // Columns: x0 x1 y z0 z1, then z0 + z1 (redundant z), then x0 - x1 (a third x that adds no direction).
    const wide = new Float32Array(n * 7);
    for (let r = 0; r < n; r++) {
      const row = Array.from(m.data.subarray(r * 5, r * 5 + 5));
      wide.set([...row, row[3] + row[4], row[0] - row[1]], r * 7);
    }
    const w = prepare({ data: wide, rows: n, cols: 7 });
    const full = prepare(m).test({ x: [0, 1], y: [2], z: [3, 4] });
    const redundant = w.test({ x: [0, 1, 6], y: [2], z: [3, 4, 5] });
    assert.deepEqual(redundant.rank, { x: 2, y: 1, z: 2 });
    assert.ok(Math.abs(redundant.pValue - full.pValue) <= 1e-4 * full.pValue + 1e-12, `${redundant.pValue} vs ${full.pValue}`);
    assert.equal(full.rank, undefined);
  });

  it("normal scores: invariant to monotone maps of the columns, and Cauchy outliers cannot make a null reject", () => {
    const rng = createRng(109);
    const n = 1000;
    const cauchy = () => Math.tan(Math.PI * (rng.next() - 0.5));
    const scores = fisherZ({ transform: 'normal-scores' });
    let smallest = 1;
    for (let rep = 0; rep < 20; rep++) {
      const data = new Float32Array(n * 3);
      for (let r = 0; r < n; r++) {
        const z = cauchy();
        data.set([z + cauchy(), z * 0.5 + cauchy(), z], r * 3);
      }
      const p = scores.prepare({ data, rows: n, cols: 3 }, { kernels: runtime, seed: 0 }).test({ x: [0], y: [1], z: [2] }).pValue;
      smallest = Math.min(smallest, p);
      // The same test on a monotone map of every column gives the same p-value.
      const mapped = data.map((v) => Math.cbrt(v) * 3 + 1);
      const again = scores.prepare({ data: mapped, rows: n, cols: 3 }, { kernels: runtime, seed: 0 }).test({ x: [0], y: [1], z: [2] }).pValue;
      assert.ok(Math.abs(again - p) < 1e-6, `${again} vs ${p}`);
    }
    assert.ok(smallest > 1e-4, `smallest p over 20 null data sets ${smallest}`);
    assert.throws(() => fisherZ({ transform: 'ranks' as never }), /transform must be/);
  });

  it('bad queries and data are typed errors', async () => {
    const m = dataset(createRng(106), 50, 1, 1, 2, 0);
    const prepared = prepare(m);
    await expectCode(() => prepared.test({ x: [0], y: [0], z: [] }), 'INVALID_ARGUMENT', 'twice');
    await expectCode(() => prepared.test({ x: [0], y: [1], z: [1] }), 'INVALID_ARGUMENT', 'twice');
    await expectCode(() => prepared.test({ x: [], y: [1], z: [] }), 'INVALID_ARGUMENT', 'at least one');
    await expectCode(() => prepared.test({ x: [0], y: [9], z: [] }), 'INVALID_ARGUMENT', 'not a column');
    // A conditioning column that is an affine map of x: z determines x, so x _||_ y | z holds
    // whatever y is; the test says so (p = 1) and states the rank it kept, instead of refusing.
    const dup = new Float32Array(50 * 3);
    for (let r = 0; r < 50; r++) dup.set([m.data[r * 4], m.data[r * 4 + 1], m.data[r * 4] * 2 + 1], r * 3);
    const determined = prepare({ data: dup, rows: 50, cols: 3 }).test({ x: [0], y: [1], z: [2] });
    assert.equal(determined.pValue, 1);
    assert.deepEqual(determined.rank, { x: 0, y: 1, z: 1 });
    const small = dataset(createRng(107), 6, 1, 1, 3, 0);
    await expectCode(() => prepare(small).test(query(1, 1, 3)), 'INVALID_ARGUMENT', 'at least 7 samples');
    await expectCode(() => prepare({ data: new Float32Array(6), rows: 3, cols: 2 }), 'INVALID_ARGUMENT', 'at least 4 samples');
    await expectCode(() => fisherZ({ transform: 'standardize' } as never), 'INVALID_ARGUMENT', "spelt 'standardise'");
  });
});
