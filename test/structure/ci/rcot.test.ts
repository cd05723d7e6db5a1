// RCoT: the residual cross-covariance against explicit residuals, the level on independent data,
// power where a linear test has none, determinism, and typed errors.
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import type { Matrix } from '../../../src/core/tensor.ts';
import { KernelRuntime } from '../../../src/kernels/runtime.ts';
import { runReference } from '../../../src/kernels/registry.ts';
import { fisherZ } from '../../../src/structure/ci/fisher-z.ts';
import { rcot, type RcotOptions } from '../../../src/structure/ci/rcot/index.ts';
import { partialCrossCovariance, residualProducts } from '../../../src/structure/ci/rcot/query.ts';
import { binomialBand, createRng, expectCode } from '../../helpers.ts';
import type { Rng } from '../../../src/core/random.ts';

function sample(rng: Rng, n: number, row: (rng: Rng) => number[]): Matrix {
  const first = row(rng);
  const data = new Float32Array(n * first.length);
  data.set(first);
  for (let r = 1; r < n; r++) data.set(row(rng), r * first.length);
  return { data, rows: n, cols: first.length };
}

describe('rcot', () => {
  let kernels: KernelRuntime;
  before(async () => {
    kernels = await KernelRuntime.create();
  });
  const test = (m: Matrix, query: { x: number[]; y: number[]; z: number[] }, options: RcotOptions = {}, seed = 1) => rcot(options).prepare(m, { kernels, seed }).test(query);

  it('C_xy.z from the covariance identity equals the covariance of explicit residuals, and so do the products', () => {
    const rng = createRng(21);
    const [n, pz, px, py] = [300, 7, 3, 2];
    const width = pz + px + py;
    const features = sample(rng, n, (r) => {
      const z = Array.from({ length: pz }, () => r.normal());
      return [...z, ...Array.from({ length: px + py }, (_, t) => Math.sin(z[t % pz]) + 0.5 * r.normal())];
    });
    const { means, cov } = runReference('covariance', { x: features });
    const { cxy, beta } = partialCrossCovariance(cov, width, n, pz, px, py);
    const pt = px + py;
    const residual = (i: number, t: number) => {
      let s = features.data[i * width + pz + t] - means[pz + t];
      for (let j = 0; j < pz; j++) s -= (features.data[i * width + j] - means[j]) * beta[j * pt + t];
      return s;
    };
    const products = residualProducts(features.data, means, n, width, pz, px, py, beta);
    for (let a = 0; a < px; a++) {
      for (let b = 0; b < py; b++) {
        let s = 0;
        for (let i = 0; i < n; i++) {
          const p = residual(i, a) * residual(i, px + b);
          s += p;
          assert.ok(Math.abs(products[i * px * py + a * py + b] - p) < 1e-5 * Math.max(1, Math.abs(p)), `product ${i}, ${a}, ${b}`);
        }
        // Residuals have mean 0 (the intercept is in the centring), so their covariance is s / (n - 1).
        assert.ok(Math.abs(cxy[a * py + b] - s / (n - 1)) < 1e-9, `C[${a}, ${b}] = ${cxy[a * py + b]} vs ${s / (n - 1)}`);
      }
    }
  });

  it('keeps its level on independent data (x, y, z of 1-2 columns; 300 data sets, 99.9% binomial band)', () => {
    const rng = createRng(22);
    const [lo, hi] = binomialBand(300, 0.05, 0.999);
    let rejected = 0;
    for (let t = 0; t < 300; t++) {
      const m = sample(rng, 150, (r) => [r.normal(), r.normal() ** 3, r.normal(), r.normal()]);
      if (test(m, { x: [0], y: [1], z: [2, 3] }, {}, t).pValue <= 0.05) rejected++;
    }
    assert.ok(rejected >= lo && rejected <= hi, `${rejected} of 300 rejected, band [${lo}, ${hi}]`);
  });

  it('finds a dependence given z that a partial correlation cannot see (y = x^2 + z + noise)', () => {
    const rng = createRng(23);
    const m = sample(rng, 600, (r) => {
      const z = r.normal();
      const x = r.normal();
      return [x, x * x + z + 0.5 * r.normal(), z];
    });
    const query = { x: [0], y: [1], z: [2] };
    assert.ok(test(m, query).pValue < 1e-6, `rcot p ${test(m, query).pValue}`);
    const linear = fisherZ().prepare(m, { kernels, seed: 0 }).test(query).pValue;
    assert.ok(linear > 0.01, `Fisher z p ${linear}: the dependence is not linear`);
  });

  it('is deterministic per seed and query, whatever ran before', () => {
    const rng = createRng(24);
    const m = sample(rng, 200, (r) => [r.normal(), r.normal(), r.normal(), r.normal()]);
    const a = { x: [0], y: [1], z: [2, 3] };
    const b = { x: [1], y: [2], z: [0] };
    const prepared = rcot().prepare(m, { kernels, seed: 5 });
    const first = prepared.test(a);
    prepared.test(b);
    assert.deepEqual(prepared.test(a), first);
    assert.deepEqual(rcot().prepare(m, { kernels, seed: 5 }).test({ x: [0], y: [1], z: [3, 2] }), first, 'z in another order');
    assert.notEqual(rcot().prepare(m, { kernels, seed: 6 }).test(a).statistic, first.statistic, 'another seed draws other features');
  });

  it('bad options, queries and data give typed errors', () => {
    const m = sample(createRng(25), 120, (r) => [r.normal(), r.normal(), r.normal(), 1]);
    for (const options of [{ featuresX: 0 }, { featuresZ: 1.5 }, { featuresY: 1e9 }, { scalesZ: [] }, { scalesZ: [-1] }, { scaleXY: 0 }, { linear: 'yes' }, { transform: 'log' }, { approximation: 'imhof' }]) {
      expectCode(() => rcot(options as RcotOptions), 'INVALID_ARGUMENT');
    }
    expectCode(() => test(m, { x: [0], y: [0], z: [] }), 'INVALID_ARGUMENT', 'more than once');
    expectCode(() => test(m, { x: [0], y: [9], z: [] }), 'INVALID_ARGUMENT', 'not a column');
    expectCode(() => test(m, { x: [0], y: [1], z: [3] }), 'INVALID_ARGUMENT', 'constant');
    const few = sample(createRng(26), 60, (r) => [r.normal(), r.normal(), r.normal()]);
    expectCode(() => test(few, { x: [0], y: [1], z: [2] }), 'INVALID_ARGUMENT', 'at least 72 rows');
    expectCode(() => rcot().prepare(m, { seed: 1 } as never), 'INVALID_ARGUMENT', 'kernel runtime');
  });
});
