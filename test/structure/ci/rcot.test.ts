// RCoT: the residual cross-covariance against explicit residuals, the level on independent data,
// power where a linear test has none, determinism, and typed errors.
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import type { Matrix } from '../../../src/core/tensor.ts';
import { KernelRuntime } from '../../../src/kernels/runtime.ts';
import { runReference } from '../../../src/kernels/registry.ts';
import { rcot, type RcotOptions } from '../../../src/structure/ci/rcot/index.ts';
import { partialCrossCovariance, residualProducts } from '../../../src/structure/ci/rcot/query.ts';
import { ridgeByGcv } from '../../../src/structure/ci/ridge.ts';
import { binomialBand, createRng, expectCode, sampleRows } from '../../helpers.ts';
import type { Rng } from '../../../src/core/random.ts';

const sample = sampleRows;

describe('rcot', () => {
  let kernels: KernelRuntime;
  before(async () => {
    kernels = await KernelRuntime.create();
  });
  const test = (m: Matrix, query: { x: number[]; y: number[]; z: number[] }, options: RcotOptions = {}, seed = 1) => rcot(options).prepare(m, { kernels, seed }).test(query);

  it('C_xy.z from the covariance identity equals the covariance of explicit residuals, and so do the products', () => {
    const rng = createRng(21);
    const [n, pz, px, py] = [300, 7, 3, 2];
    const pt = px + py;
    const width = pz + pt;
    const features = sample(rng, n, (r) => {
      const z = Array.from({ length: pz }, () => r.normal());
      return [...z, ...Array.from({ length: pt }, (_, t) => Math.sin(z[t % pz]) + 0.5 * r.normal())];
    });
    const { means, cov } = runReference('covariance', { x: features });
    const block = (rows: number[], cols: number[]) => Float64Array.from(rows.flatMap((i) => cols.map((j) => cov[i * width + j])));
    const zs = Array.from({ length: pz }, (_, i) => i);
    const ts = Array.from({ length: pt }, (_, t) => pz + t);
    const { beta } = ridgeByGcv(cov, width, pz, ts, n);
    const cxy = partialCrossCovariance(block(ts, ts), block(zs, ts), block(zs, zs), beta, pz, px, py);
    const residuals = new Float32Array(n * pt);
    for (let i = 0; i < n; i++) {
      for (let t = 0; t < pt; t++) {
        let v = features.data[i * width + pz + t] - means[pz + t];
        for (let j = 0; j < pz; j++) v -= (features.data[i * width + j] - means[j]) * beta[j * pt + t];
        residuals[i * pt + t] = v;
      }
    }
    const products = residualProducts(residuals, n, px, py);
    for (let a = 0; a < px; a++) {
      for (let b = 0; b < py; b++) {
        let sum = 0;
        for (let i = 0; i < n; i++) {
          const p = residuals[i * pt + a] * residuals[i * pt + px + b];
          sum += p;
          assert.equal(products[i * px * py + a * py + b], Math.fround(p), `product ${i}, ${a}, ${b}`);
        }
        // Residuals have mean 0 (the intercept is in the centring), so their covariance is sum / (n - 1).
        assert.ok(Math.abs(cxy[a * py + b] - sum / (n - 1)) < 1e-6, `C[${a}, ${b}] = ${cxy[a * py + b]} vs ${sum / (n - 1)}`);
      }
    }
  });

  it('keeps its level on independent data (x, y, z of 1-2 columns; 200 data sets, 99.9% binomial band)', () => {
    const rng = createRng(22);
    const [lo, hi] = binomialBand(200, 0.05, 0.999);
    let rejected = 0;
    for (let t = 0; t < 200; t++) {
      const m = sample(rng, 150, (r) => [r.normal(), r.normal() ** 3, r.normal(), r.normal()]);
      if (test(m, { x: [0], y: [1], z: [2, 3] }, {}, t).pValue <= 0.05) rejected++;
    }
    assert.ok(rejected >= lo && rejected <= hi, `${rejected} of 200 rejected, band [${lo}, ${hi}]`);
  });

  it('finds a dependence given z whose partial correlation is 0 (y = x^2 + z + noise, 20 data sets)', () => {
    const rng = createRng(23);
    const query = { x: [0], y: [1], z: [2] };
    let found = 0;
    for (let t = 0; t < 20; t++) {
      const m = sample(rng, 600, (r) => {
        const z = r.normal();
        const x = r.normal();
        return [x, x * x + z + 0.5 * r.normal(), z];
      });
      if (test(m, query, {}, t).pValue <= 0.05) found++;
    }
    // Five random features of x can all be of low frequency and miss x^2 now and then.
    assert.ok(found >= 16, `rcot rejected ${found} of 20`);
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
    expectCode(() => rcot({ transform: 'standardize' } as never), 'INVALID_ARGUMENT', "spelt 'standardise'");
    expectCode(() => test(m, { x: [0], y: [0], z: [] }), 'INVALID_ARGUMENT', 'more than once');
    expectCode(() => test(m, { x: [0], y: [9], z: [] }), 'INVALID_ARGUMENT', 'not a column');
    expectCode(() => test(m, { x: [0], y: [1], z: [3] }), 'INVALID_ARGUMENT', 'constant');
    const few = sample(createRng(26), 60, (r) => [r.normal(), r.normal(), r.normal()]);
    expectCode(() => test(few, { x: [0], y: [1], z: [2] }), 'INVALID_ARGUMENT', 'at least 72 rows');
    expectCode(() => rcot().prepare(m, { seed: 1 } as never), 'INVALID_ARGUMENT', 'kernel runtime');
  });
});
