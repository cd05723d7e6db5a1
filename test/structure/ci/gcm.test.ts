// The GCM (generalised covariance measure with cross-fitted ridge): its level where x and y are
// nearly functions of z (the cases that broke RCoT), the rank it states, power on linear and
// non-monotone dependence, determinism, and typed errors.
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import type { Matrix } from '../../../src/core/tensor.ts';
import { KernelRuntime } from '../../../src/kernels/runtime.ts';
import { gcm, type GcmOptions } from '../../../src/structure/ci/gcm/index.ts';
import { foldOrder } from '../../../src/structure/ci/gcm/cross-fit.ts';
import { defaultGcmFeaturesZ, productShape } from '../../../src/structure/ci/gcm/options.ts';
import { binomialBand, createRng, expectCode, sampleRows } from '../../helpers.ts';
import type { Rng } from '../../../src/core/random.ts';

const sample = sampleRows;

describe('gcm', () => {
  let kernels: KernelRuntime;
  before(async () => {
    kernels = await KernelRuntime.create();
  });
  const test = (m: Matrix, query: { x: number[]; y: number[]; z: number[] }, options: GcmOptions = {}, seed = 1) => gcm(options).prepare(m, { kernels, seed }).test(query);

  it('folds: every row once, fold f holds the rows i with i mod K = f', () => {
    assert.deepEqual([...foldOrder(7, 3)], [0, 3, 6, 1, 4, 2, 5]);
  });

  it('x and y nearly functions of z do not reject (x = 2a + 1, y = a^2, z = a; x = a, y = b, z = [a, b])', () => {
    let smallest = 1;
    for (let s = 0; s < 10; s++) {
      const rng = createRng(300 + s);
      const quadratic = sample(rng, 1000, (r) => { const a = r.normal(); return [2 * a + 1 + 1e-3 * r.normal(), a * a + 1e-3 * r.normal(), a]; });
      smallest = Math.min(smallest, test(quadratic, { x: [0], y: [1], z: [2] }, {}, s).pValue);
    }
    assert.ok(smallest > 1e-3, `smallest p ${smallest}`);
    // Exactly determined: the residual has no direction left; p = 1 and the rank says why.
    const rng = createRng(310);
    const exact = sample(rng, 1000, (r) => { const a = r.normal(); const b = r.normal(); return [a, b, a, b]; });
    const r = test(exact, { x: [0], y: [1], z: [2, 3] });
    assert.equal(r.pValue, 1);
    assert.deepEqual(r.rank, { x: 0, y: 0, z: 2 });
  });

  it('keeps its level on independent data given a nonlinear z (99.9% band, 60 data sets)', () => {
    let rejected = 0;
    for (let s = 0; s < 60; s++) {
      const rng = createRng(400 + s);
      const m = sample(rng, 300, (r) => { const z = r.normal(); return [Math.sin(2 * z) + 0.5 * r.normal(), Math.cos(2 * z) + 0.5 * r.normal(), z]; });
      if (test(m, { x: [0], y: [1], z: [2] }, {}, s).pValue <= 0.05) rejected++;
    }
    const [lo, hi] = binomialBand(60, 0.05, 0.999);
    assert.ok(rejected >= lo && rejected <= hi, `${rejected} of 60 rejected, band [${lo}, ${hi}]`);
  });

  it('power: a weak linear effect, and y = x^2 (no correlation to see)', () => {
    const rng = createRng(500);
    const linear = sample(rng, 1000, (r) => { const z = r.normal(); const x = z + r.normal(); return [x, 0.2 * x + z + r.normal(), z]; });
    assert.ok(test(linear, { x: [0], y: [1], z: [2] }).pValue < 1e-4);
    const square = sample(rng, 1000, (r) => { const z = r.normal(); const x = r.normal(); return [x, x * x + 0.5 * z + 0.3 * r.normal(), z]; });
    // Only the nonlinear part (random features of the residuals) can see it.
    assert.ok(test(square, { x: [0], y: [1], z: [2] }).pValue < 0.02);
    assert.ok(test(square, { x: [0], y: [1], z: [2] }, { featuresResidual: 0 }).pValue > 1e-3, 'the linear part alone is blind to y = x^2');
  });

  it('a wide z gets 3 features per column (between RCoT\'s count for n and twice it); a wide x keeps at most 50 products', () => {
    assert.equal(defaultGcmFeaturesZ(2000, 2), 100);
    assert.equal(defaultGcmFeaturesZ(2000, 40), 120);
    assert.equal(defaultGcmFeaturesZ(2000, 66), 198);
    assert.equal(defaultGcmFeaturesZ(2000, 132), 200);
    assert.equal(defaultGcmFeaturesZ(10000, 132), 396);
    assert.deepEqual(productShape(33, 5), { x: 10, y: 5 });
    assert.deepEqual(productShape(33, 33), { x: 7, y: 7 });
    assert.deepEqual(productShape(4, 5), { x: 4, y: 5 });
    // The default is taken per query, from that query's z.
    const rng = createRng(520);
    const m = sample(rng, 400, (r) => {
      const z = Array.from({ length: 40 }, () => r.normal());
      return [Math.tanh(z[0] + z[1]) + r.normal(), Math.sin(z[2]) + r.normal(), ...z];
    });
    const query = { x: [0], y: [1], z: Array.from({ length: 40 }, (_, i) => i + 2) };
    assert.deepEqual(test(m, query, {}, 3), test(m, query, { featuresZ: 120 }, 3));
    assert.notDeepEqual(test(m, query, {}, 3), test(m, query, { featuresZ: 100 }, 3));
  });

  it('is deterministic for a seed, and the same for a query however the columns are laid out', () => {
    const rng = createRng(600);
    const m = sample(rng, 500, (r) => { const z = r.normal(); return [z + r.normal(), Math.tanh(z) + r.normal(), z, r.normal()]; });
    const a = test(m, { x: [0], y: [1], z: [2, 3] }, {}, 7);
    assert.deepEqual(test(m, { x: [0], y: [1], z: [2, 3] }, {}, 7), a);
  });

  it('bad options, queries and data are typed errors', async () => {
    const rng = createRng(700);
    const m = sample(rng, 100, (r) => [r.normal(), r.normal(), r.normal()]);
    await expectCode(() => gcm({ folds: 1 }), 'INVALID_ARGUMENT', 'folds');
    await expectCode(() => gcm({ featuresZ: 0 }), 'INVALID_ARGUMENT', 'featuresZ');
    await expectCode(() => gcm({ featuresResidual: -1 }), 'INVALID_ARGUMENT', 'featuresResidual');
    await expectCode(() => gcm({ scalesZ: [] }), 'INVALID_ARGUMENT', 'scalesZ');
    await expectCode(() => gcm({ transform: 'ranks' as never }), 'INVALID_ARGUMENT', 'transform');
    await expectCode(() => gcm({ transform: 'standardize' } as never), 'INVALID_ARGUMENT', "spelt 'standardise'");
    await expectCode(() => test(m, { x: [0], y: [0], z: [] }), 'INVALID_ARGUMENT', 'more than once');
    await expectCode(() => test(m, { x: [0], y: [9], z: [] }), 'INVALID_ARGUMENT', 'not a column');
    await expectCode(() => test(sample(rng, 30, (r) => [r.normal(), r.normal(), r.normal()]), { x: [0], y: [1], z: [2] }), 'INVALID_ARGUMENT', 'at least 50 rows');
    const constant = sample(rng, 100, (r) => [r.normal(), 1, r.normal()]);
    await expectCode(() => test(constant, { x: [0], y: [1], z: [2] }), 'INVALID_ARGUMENT', 'constant');
  });
});
