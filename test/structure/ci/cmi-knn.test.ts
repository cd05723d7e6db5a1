// The kNN-CMI test: digamma, the estimator against a brute-force reference and closed forms, the
// local permutation null (level and power), the permutation budget for a family, determinism, and
// typed errors for bad input.
import assert from 'node:assert/strict';
import { describe, it, before } from 'node:test';
import { KernelRuntime } from '../../../src/kernels/runtime.ts';
import type { Matrix } from '../../../src/core/tensor.ts';
import { cmiKnn, permutationBudget, querySeed, type CmiKnnOptions } from '../../../src/structure/ci/cmi-knn/index.ts';
import { minimumRows } from '../../../src/structure/ci/cmi-knn/options.ts';
import type { CiQuery } from '../../../src/structure/ci-test.ts';
import { digamma } from '../../../src/stats/digamma.ts';
import { createRng, expectCode } from '../../helpers.ts';
import type { Rng } from '../../../src/core/random.ts';

/** Rows of `make(rng)` stacked into a matrix. */
function sample(rng: Rng, n: number, make: (rng: Rng) => number[]): Matrix {
  const first = make(rng);
  const cols = first.length;
  const data = new Float32Array(n * cols);
  data.set(first, 0);
  for (let r = 1; r < n; r++) data.set(make(rng), r * cols);
  return { data, rows: n, cols };
}

/**
 * Brute force, written apart from the kernels: float32 max-norm distances, every neighbourhood by
 * sorting, the Frenzel-Pompe formula (KSG with n_z = n - 1 when z is empty).
 */
function bruteCmi(m: Matrix, q: CiQuery, k: number): number {
  const n = m.rows;
  const dist = (i: number, j: number, cols: readonly number[]) => {
    let d = 0;
    for (const c of cols) d = Math.max(d, Math.abs(Math.fround(m.data[i * m.cols + c] - m.data[j * m.cols + c])));
    return d;
  };
  const all = [...q.x, ...q.y, ...q.z];
  let sum = 0;
  for (let i = 0; i < n; i++) {
    const others = [...Array(n).keys()].filter((j) => j !== i);
    const eps = others.map((j) => dist(i, j, all)).sort((a, b) => a - b)[k - 1];
    const within = (cols: readonly number[]) => others.filter((j) => dist(i, j, cols) < eps).length;
    const nz = q.z.length > 0 ? within(q.z) : n - 1;
    sum += digamma(within([...q.x, ...q.z]) + 1) + digamma(within([...q.y, ...q.z]) + 1) - digamma(nz + 1);
  }
  return digamma(k) - sum / n;
}

const XYZ: CiQuery = { x: [0], y: [1], z: [2] };
const exact: CmiKnnOptions = { transform: 'none', noise: 0, permutations: 1, adaptive: false };

describe('digamma', () => {
  it('matches known values and the recurrence', () => {
    const known: [number, number][] = [
      [1, -0.5772156649015329], [0.5, -1.9635100260214235], [2.5, 0.7031566406452432], [10, 2.251752589066721], [100, 4.600161852738087],
    ];
    for (const [x, want] of known) assert.ok(Math.abs(digamma(x) - want) < 1e-13, `psi(${x}) = ${digamma(x)}, want ${want}`);
    for (const x of [0.01, 0.3, 1.7, 9.99, 42.5, 1e4]) {
      assert.ok(Math.abs(digamma(x + 1) - digamma(x) - 1 / x) < 1e-12 * Math.max(1, 1 / x), `recurrence at ${x}`);
    }
    assert.ok(Number.isNaN(digamma(0)) && Number.isNaN(digamma(-1)));
  });
});

describe('cmiKnn', () => {
  let runtime: KernelRuntime;
  before(async () => {
    runtime = await KernelRuntime.create({ build: 'simd' });
  });
  const prepare = (m: Matrix, options: CmiKnnOptions = {}, seed = 1) => cmiKnn(options).prepare(m, { kernels: runtime, seed });

  it('equals a brute-force estimator, with and without z, multi-column blocks, several k', () => {
    const rng = createRng(41);
    // n = 30: the smallest the test accepts for its widest query here (6 columns, 5 rows each).
    for (const n of [30, 40, 123]) {
      const m = sample(rng, n, (r) => {
        const z = [r.normal(), r.normal()];
        return [z[0] + r.normal(), r.normal() - z[1], z[0] * z[1] + r.normal(), z[0], z[1], r.normal()];
      });
      const queries: CiQuery[] = [
        { x: [0], y: [1], z: [3] },
        { x: [0, 5], y: [2], z: [3, 4] },
        { x: [2], y: [0, 1], z: [] },
        { x: [4], y: [5], z: [0, 1, 2, 3] },
      ];
      for (const knn of [1, 3, Math.floor(n / 2)]) {
        const test = prepare(m, { ...exact, knn });
        for (const q of queries) {
          const got = test.test(q).statistic;
          const want = bruteCmi(m, q, knn);
          assert.ok(Math.abs(got - want) < 1e-12, `n=${n} k=${knn} ${JSON.stringify(q)}: ${got} vs ${want}`);
        }
      }
    }
  });

  it('recovers the mutual information of a bivariate Gaussian, and ranks do not change it', () => {
    const rng = createRng(42);
    const rho = 0.6;
    const n = 2000;
    const m = sample(rng, n, (r) => {
      const a = r.normal();
      const b = rho * a + Math.sqrt(1 - rho * rho) * r.normal();
      return [a, b, Math.exp(a), b * b * b];
    });
    const truth = -0.5 * Math.log(1 - rho * rho); // 0.223
    const raw = prepare(m, { ...exact, knn: 10 }).test({ x: [0], y: [1], z: [] }).statistic;
    assert.ok(Math.abs(raw - truth) < 0.03, `MI ${raw}, truth ${truth}`);
    // Monotone maps of each column leave the rank-transformed estimate unchanged.
    const ranked = prepare(m, { knn: 10, permutations: 1, adaptive: false });
    const a = ranked.test({ x: [0], y: [1], z: [] }).statistic;
    const b = ranked.test({ x: [2], y: [3], z: [] }).statistic;
    assert.ok(Math.abs(a - b) < 1e-3, `ranks: ${a} vs ${b} after monotone maps`);
    assert.ok(Math.abs(a - truth) < 0.04, `rank MI ${a}, truth ${truth}`);
  });

  it('recovers conditional mutual information: 0 for a common cause, the partial-correlation value otherwise', () => {
    const rng = createRng(43);
    const n = 2000;
    const m = sample(rng, n, (r) => {
      const z = r.normal(), e1 = r.normal(), e2 = r.normal(), e3 = r.normal();
      // x = z + e1, y = z + e2: independent given z. w = z + e1 + e3: partial correlation with x is 1/sqrt(2).
      return [z + e1, z + e2, z, z + e1 + e3];
    });
    const test = prepare(m, { ...exact, knn: 10 });
    const zero = test.test({ x: [0], y: [1], z: [2] }).statistic;
    assert.ok(Math.abs(zero) < 0.03, `CMI ${zero}, truth 0`);
    const partial = test.test({ x: [0], y: [3], z: [2] }).statistic;
    const truth = -0.5 * Math.log(1 - 0.5); // 0.347
    assert.ok(Math.abs(partial - truth) < 0.05, `CMI ${partial}, truth ${truth}`);
  });

  it('keeps its level under conditional independence: false positives at 0.05 within the binomial band', () => {
    // 200 data sets where x and y depend on z (nonlinearly) but not on each other.
    const tests = 200;
    let rejections = 0;
    for (let s = 0; s < tests; s++) {
      const rng = createRng(1000 + s);
      const m = sample(rng, 200, (r) => {
        const z = r.normal();
        return [Math.sin(2 * z) + 0.4 * r.normal(), z * z + 0.4 * r.normal(), z];
      });
      const { pValue } = prepare(m, { permutations: 49 }, s).test(XYZ);
      if (pValue <= 0.05) rejections++;
    }
    // Binomial(200, 0.05): mean 10, sd 3.1; three sd either side.
    assert.ok(rejections >= 1 && rejections <= 19, `${rejections} of ${tests} rejected at 0.05`);
  });

  it('has power against a nonlinear dependence given z, and without z', () => {
    const rng = createRng(44);
    const m = sample(rng, 300, (r) => {
      const z = r.normal();
      const x = z + r.normal();
      return [x, Math.sin(2 * x) + z + 0.3 * r.normal(), z, x * x + 0.3 * r.normal()];
    });
    const test = prepare(m, { permutations: 99 });
    const conditional = test.test(XYZ);
    assert.equal(conditional.pValue, 0.01, `p = ${conditional.pValue}`);
    // y = x^2 has zero correlation with x, but high mutual information.
    assert.equal(test.test({ x: [0], y: [3], z: [] }).pValue, 0.01);
  });

  it('p-value convention: (1 + #null >= observed) / (1 + draws), never below 1 / (P + 1)', () => {
    const rng = createRng(45);
    const m = sample(rng, 80, (r) => {
      const x = r.normal();
      return [x, x + 0.1 * r.normal(), r.normal()];
    });
    const r = prepare(m, { permutations: 19, adaptive: false }).test(XYZ);
    assert.equal(r.permutations, 19);
    assert.equal(r.pValue, 1 / 20);
    // Independent data: p is (1 + b) / 20 for a whole number b of exceedances.
    const null_ = prepare({ ...m, data: m.data.map((v, i) => (i % 3 === 1 ? Math.sin(7 * i) : v)) }, { permutations: 19, adaptive: false }).test(XYZ);
    const b = null_.pValue * 20 - 1;
    assert.ok(Math.abs(b - Math.round(b)) < 1e-9 && b >= 0 && b <= 19, `p = ${null_.pValue}`);
  });

  it('raises the budget with the family so that a corrected decision is reachable', () => {
    assert.equal(permutationBudget({ permutations: 100, maxPermutations: 10_000, alpha: 0.05 }, 1), 100);
    assert.equal(permutationBudget({ permutations: 19, maxPermutations: 10_000, alpha: 0.05 }, 1), 19);
    assert.equal(permutationBudget({ permutations: 500, maxPermutations: 10_000, alpha: 0.05 }, 4), 500);
    assert.equal(permutationBudget({ permutations: 100, maxPermutations: 10_000, alpha: 0.05 }, 100), 3999);
    assert.equal(permutationBudget({ permutations: 100, maxPermutations: 2000, alpha: 0.05 }, 100), 2000);
    const rng = createRng(46);
    const m = sample(rng, 60, (r) => {
      const x = r.normal();
      return [x, x + 0.2 * r.normal(), r.normal()];
    });
    const strong = prepare(m, { tailRejection: false }).test(XYZ, { family: 20 });
    // Budget ceil(2 * 20 / 0.05) - 1 = 799: a strong dependence reaches p = 1/800 < 0.05 / 20.
    assert.equal(strong.permutations, 799);
    assert.equal(strong.pValue, 1 / 800);
    // The tail rule settles the same rejection after the first three rounds (8 + 16 + 32 draws).
    const settled = prepare(m).test(XYZ, { family: 20 });
    assert.equal(settled.permutations, 56);
    assert.equal(settled.pValue, 1 / 800);
    assert.equal(settled.statistic, strong.statistic);
  });

  it('adaptive stopping and the tail rule end clear decisions early without changing any at alpha / family', () => {
    for (let s = 0; s < 12; s++) {
      const rng = createRng(2000 + s);
      const coupling = s % 3 === 0 ? 0.5 : 0; // a third dependent, the rest independent given z
      const m = sample(rng, 150, (r) => {
        const z = r.normal();
        const x = z + r.normal();
        return [x, z + coupling * x + r.normal(), z];
      });
      const full = prepare(m, { adaptive: false }, s).test(XYZ, { family: 4 });
      const fast = prepare(m, {}, s).test(XYZ, { family: 4 });
      assert.equal(fast.statistic, full.statistic);
      assert.equal(fast.pValue <= 0.05, full.pValue <= 0.05, `seed ${s}: ${fast.pValue} vs ${full.pValue}`);
      assert.equal(fast.pValue <= 0.05 / 4, full.pValue <= 0.05 / 4, `seed ${s}: ${fast.pValue} vs ${full.pValue}`);
      // An early stop is either a settled non-rejection or a tail-settled rejection at the full budget's p.
      if (fast.permutations! < full.permutations!) assert.ok(fast.pValue > 0.05 || (fast.pValue === 1 / (1 + full.permutations!) && full.pValue <= 0.05 / 4));
      // Besag-Clifford: with exceedances 5 a test stops no later, and only once 5 null values reached the observed.
      const bc = prepare(m, { exceedances: 5 }, s).test(XYZ, { family: 4 });
      assert.ok(bc.permutations! <= fast.permutations!);
      const b = Math.round(bc.pValue * (1 + bc.permutations!)) - 1;
      if (bc.permutations! < fast.permutations!) assert.ok(b >= 5, `seed ${s}: ${b} exceedances`);
    }
  });

  it('is deterministic for a seed and independent of the order of queries', () => {
    const rng = createRng(47);
    const m = sample(rng, 120, (r) => {
      const z = r.normal();
      return [z + r.normal(), z + r.normal(), z, r.normal(), z * r.normal()];
    });
    const queries: CiQuery[] = [XYZ, { x: [3], y: [4], z: [2] }, { x: [1], y: [0], z: [] }, { x: [0, 3], y: [4], z: [1, 2] }];
    const forward = prepare(m, { permutations: 29 }, 9);
    const a = queries.map((q) => forward.test(q));
    const backward = prepare(m, { permutations: 29 }, 9);
    const b = queries.slice().reverse().map((q) => backward.test(q)).reverse();
    assert.deepEqual(a, b);
    // The order of columns within a block does not matter either.
    assert.deepEqual(backward.test({ x: [3, 0], y: [4], z: [2, 1] }), a[3]);
    assert.notEqual(querySeed(9, XYZ), querySeed(10, XYZ));
    assert.notEqual(querySeed(9, XYZ), querySeed(9, { x: [1], y: [0], z: [2] }));
    assert.equal(runtime.memory.bytesInUse, 0);
  });

  it('aborts between rounds with ABORTED and frees its memory', async () => {
    const rng = createRng(48);
    const m = sample(rng, 100, (r) => [r.normal(), r.normal(), r.normal()]);
    const controller = new AbortController();
    const test = prepare(m, { permutations: 500, adaptive: false });
    await expectCode(() => test.test(XYZ, { signal: controller.signal, onProgress: ({ done }) => done > 0 && controller.abort() }), 'ABORTED');
    assert.equal(runtime.memory.bytesInUse, 0);
  });

  it('rejects bad input with typed errors that name the problem', async () => {
    const rng = createRng(49);
    const m = sample(rng, 20, (r) => [r.normal(), r.normal(), 3, r.normal()]);
    await expectCode(() => prepare({ ...m, rows: 8, data: m.data.subarray(0, 32) }, { knn: 10 }), 'INVALID_ARGUMENT', 'too small for knn = 10');
    const nan = { ...m, data: m.data.slice() };
    nan.data[5] = NaN;
    await expectCode(() => prepare(nan), 'NON_FINITE', 'row 1, column 1');
    const test = prepare(m);
    const constant = await expectCode(() => test.test({ x: [0], y: [1], z: [2] }), 'INVALID_ARGUMENT', 'column 2 (in query.z) is constant');
    assert.equal(constant.details.column, 2);
    await expectCode(() => test.test({ x: [0], y: [9], z: [] }), 'INVALID_ARGUMENT', 'not a column');
    await expectCode(() => test.test({ x: [0], y: [0], z: [] }), 'INVALID_ARGUMENT', 'more than once');
    await expectCode(() => test.test({ x: [], y: [1], z: [] }), 'INVALID_ARGUMENT', 'query.x');
    await expectCode(() => test.test({ x: [0], y: [1], z: [3] }, { family: 0 }), 'INVALID_ARGUMENT', 'family');
    const small = await KernelRuntime.create({ build: 'simd', memory: { maximumBytes: 1 << 20 } });
    const big = sample(rng, 400, (r) => [r.normal(), r.normal(), r.normal()]);
    await expectCode(() => cmiKnn().prepare(big, { kernels: small, seed: 0 }).test(XYZ), 'OUT_OF_MEMORY', 'n = 400');
    const bounds = [{ permutations: 1e9 }, { maxPermutations: 100_001 }, { shuffleNeighbors: 1001 }, { knn: 1e6 }];
    for (const bad of [{ knn: 0 }, { knn: 1.5 }, { permutations: 0 }, { shuffleNeighbors: 2.5 }, { noise: -1 }, { alpha: 1 }, { transform: 'log' as 'rank' }, { tailRejection: 1 as unknown as boolean }, { exceedances: 0 }, { exceedances: 2.5 }, ...bounds]) {
      await expectCode(() => cmiKnn(bad), 'INVALID_ARGUMENT');
    }
    assert.equal(runtime.memory.bytesInUse, 0);
  });

  it('refuses too few rows for the query: k + 1, twice the neighbourhood, n! > permutations, 5 rows per dimension', async () => {
    const rng = createRng(50);
    const three = sample(rng, 3, (r) => [r.normal(), r.normal()]);
    const e = await expectCode(() => prepare(three).test({ x: [0], y: [1], z: [] }), 'INVALID_ARGUMENT', 'needs at least 10 rows');
    assert.equal(e.details.reason, 'too-few-rows');
    assert.equal(minimumRows({ knn: 0.1, shuffleNeighbors: 5, permutations: 100 }, { x: 1, y: 1, z: 0 }), 10);
    assert.equal(minimumRows({ knn: 0.1, shuffleNeighbors: 5, permutations: 100 }, { x: 2, y: 1, z: 4 }), 35);
    assert.equal(minimumRows({ knn: 0.1, shuffleNeighbors: 40, permutations: 100 }, { x: 1, y: 1, z: 1 }), 80);
    assert.equal(minimumRows({ knn: 60, shuffleNeighbors: 5, permutations: 100 }, { x: 1, y: 1, z: 1 }), 61);
    // 7! = 5040 orderings: fewer than 9999 permutations could ever differ.
    assert.equal(minimumRows({ knn: 0.1, shuffleNeighbors: 1, permutations: 9999 }, { x: 1, y: 1, z: 0 }), 10);
    assert.equal(minimumRows({ knn: 0.1, shuffleNeighbors: 1, permutations: 9999 }, { x: 1, y: 0, z: 0 }), 8);
  });

  it('refuses duplicated rows (over 1% of them), which break its permutation null; ties within a column are fine', async () => {
    const rng = createRng(51);
    const rows = Array.from({ length: 200 }, () => {
      const z = rng.normal();
      return [z + rng.normal(), z + rng.normal(), z];
    });
    const withCopies = (count: number) => {
      const all = [...rows, ...rows.slice(0, count)];
      return { data: Float32Array.from(all.flat()), rows: all.length, cols: 3 };
    };
    const e = await expectCode(() => prepare(withCopies(10)).test(XYZ), 'INVALID_ARGUMENT', 'repeat another row');
    assert.equal(e.details.reason, 'duplicate-rows');
    assert.equal(e.details.duplicates, 10);
    assert.ok(prepare(withCopies(2)).test(XYZ).pValue > 0, '1% of duplicates pass');
    // A binary y has ties in its own column only: the rows stay distinct.
    const binary = sample(rng, 200, (r) => {
      const z = r.normal();
      return [z + r.normal(), z + r.normal() > 0 ? 1 : 0, z];
    });
    assert.ok(prepare(binary).test(XYZ).pValue > 0);
  });
});
