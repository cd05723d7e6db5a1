// The intersection test: its p-value is the largest of its tests' p-values, each test run alone on
// the same query (the reference); with alpha, the later tests are skipped exactly where the first
// already leaves p > alpha, and a structure run decides as with every test on every query; its
// level where one member's fails; typed errors.
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import type { Matrix } from '../../../src/core/tensor.ts';
import { KernelRuntime } from '../../../src/kernels/runtime.ts';
import { ciTestFromSpec } from '../../../src/structure/ci/builtins.ts';
import { gcm } from '../../../src/structure/ci/gcm/index.ts';
import { intersection, memberSeed } from '../../../src/structure/ci/intersection.ts';
import { rcot } from '../../../src/structure/ci/rcot/index.ts';
import type { CiQuery, CiTest } from '../../../src/structure/ci-test.ts';
import { discoverTaskStructure } from '../../../src/structure/discover.ts';
import { resolveTest } from '../../../src/structure/options.ts';
import { nonlinearWorld } from '../../../src/synthetic/structure-worlds.ts';
import { nearDeterministicWorld } from '../../../src/synthetic/level-worlds.ts';
import { createRng, expectCode, sampleRows } from '../../helpers.ts';

/** Columns: x, y (depends on x and z), z, w (depends on z only), v (independent), x^2 + noise. */
function data(n: number, seed: number): Matrix {
  return sampleRows(createRng(seed), n, (r) => {
    const z = r.normal();
    const x = Math.sin(z) + r.normal();
    return [x, 0.15 * x + Math.cos(z) + r.normal(), z, z * z + r.normal(), r.normal(), x * x + 0.5 * r.normal()];
  });
}

const queries: CiQuery[] = [
  { x: [0], y: [1], z: [2] },
  { x: [0], y: [3], z: [2] },
  { x: [4], y: [1], z: [2] },
  { x: [0], y: [5], z: [] },
  { x: [3], y: [4], z: [0, 2] },
  { x: [1, 3], y: [5], z: [2] },
];

describe('intersection', () => {
  let kernels: KernelRuntime;
  before(async () => {
    kernels = await KernelRuntime.create();
  });
  const alone = (test: CiTest, m: Matrix, seed: number) => test.prepare(m, { kernels, seed });

  it('p-value = the largest of RCoT (run seed) and the GCM (its member seed) run alone; the statistic is that test\'s', () => {
    const m = data(600, 1);
    const seed = 7;
    const both = alone(ciTestFromSpec({ name: 'intersection' }), m, seed);
    const g = alone(gcm(), m, memberSeed(seed, 1));
    const r = alone(rcot(), m, seed);
    let sawEach = [false, false];
    for (const q of queries) {
      const a = g.test(q);
      const b = r.test(q);
      const got = both.test(q);
      const larger = b.pValue >= a.pValue ? b : a; // on a tie, the earlier test's (RCoT's)
      assert.equal(got.pValue, larger.pValue, JSON.stringify(q));
      assert.equal(got.statistic, larger.statistic);
      assert.deepEqual(got.rank, a.rank, 'rank: the GCM\'s (the first test that states one)');
      sawEach[b.pValue >= a.pValue ? 1 : 0] = true;
    }
    assert.deepEqual(sawEach, [true, true], 'each test gave the largest p-value somewhere');
    assert.notEqual(memberSeed(seed, 1), seed);
    assert.equal(memberSeed(seed, 0), seed);
  });

  it('alpha: the later tests run only where the largest p-value so far is <= alpha', () => {
    const m = data(600, 2);
    const counting = (inner: CiTest, calls: CiQuery[]): CiTest => ({
      name: inner.name,
      prepare: (d, c) => {
        const p = inner.prepare(d, c);
        return { test: (q, o) => (calls.push(q), p.test(q, o)) };
      },
    });
    const secondCalls: CiQuery[] = [];
    const both = alone(intersection([gcm(), counting(rcot(), secondCalls)], { alpha: 0.05 }), m, 3);
    const full = alone(intersection([gcm(), rcot()]), m, 3);
    const first = alone(gcm(), m, 3);
    for (const q of queries) {
      const p1 = first.test(q).pValue;
      const got = both.test(q).pValue;
      if (p1 > 0.05) assert.equal(got, p1, 'the first test alone above alpha');
      else assert.equal(got, full.test(q).pValue, 'the largest below alpha');
      // Either way the decision at alpha is the one of the largest p-value.
      assert.equal(got <= 0.05, full.test(q).pValue <= 0.05);
    }
    const confirmed = queries.filter((q) => first.test(q).pValue <= 0.05);
    assert.deepEqual(secondCalls, confirmed);
    assert.ok(confirmed.length > 0 && confirmed.length < queries.length, `${confirmed.length} of ${queries.length} confirmed`);
  });

  it('keeps its level where RCoT\'s fails: states that determine the next state and the tasks exactly (every cell null)', async () => {
    const w = nearDeterministicWorld({ episodes: 600, steps: 6, tasks: 2, noise: 0, seed: 1 });
    const states = { data: w.states, shape: w.shapes.states };
    const tasks = { data: w.tasks, shape: w.shapes.tasks };
    const options = { segmentLength: 2, seed: 2, diagnostic: false, alignmentCheck: false } as const;
    const rcotRun = await discoverTaskStructure(states, tasks, { ...options, test: 'rcot' }, { kernels });
    const both = await discoverTaskStructure(states, tasks, { ...options, test: 'intersection' }, { kernels });
    const smallest = (r: typeof both) => Math.min(...(r.directPValues.flat() as number[]));
    assert.ok(smallest(rcotRun) < 1e-4, `RCoT alone: smallest p ${smallest(rcotRun)}`);
    assert.ok(smallest(both) > 0.05, `intersection: smallest p ${smallest(both)}`);
    assert.ok(both.relation.flat().every((v) => v === 0));
  });

  it('a direct structure run with the run\'s alpha decides as with every test on every query', async () => {
    const w = nonlinearWorld({ episodes: 600, steps: 6, tasks: 2, seed: 3 });
    const states = { data: w.states, shape: w.shapes.states };
    const tasks = { data: w.tasks, shape: w.shapes.tasks };
    const base = { segmentLength: 2, seed: 4 } as const;
    const skipping = await discoverTaskStructure(states, tasks, { ...base, test: 'intersection' }, { kernels });
    const every = await discoverTaskStructure(states, tasks, { ...base, test: { name: 'intersection', options: { alpha: 1 } } }, { kernels });
    assert.equal(skipping.test, 'intersection');
    assert.deepEqual(skipping.relation, every.relation);
    assert.deepEqual(skipping.diagnostic?.dependentPairs, every.diagnostic?.dependentPairs);
    assert.deepEqual(skipping.alignment?.misaligned, every.alignment?.misaligned);
    const cells = (r: typeof every) => r.directPValues.flat() as number[];
    cells(every).forEach((p, j) => {
      const q = cells(skipping)[j];
      if (p <= 0.05) assert.equal(q, p);
      else assert.ok(q > 0.05 && q <= p, `cell ${j}: ${q} against ${p}`);
    });
    assert.ok(cells(every).some((p) => p <= 0.05) && cells(every).some((p) => p > 0.05));
  });

  it('the run passes its alpha with method direct only (the pairwise clique rule weighs p-values above alpha); a spec\'s own alpha wins', () => {
    assert.deepEqual(resolveTest('intersection', undefined, 0.01, 'direct').spec, { name: 'intersection', options: { alpha: 0.01 } });
    assert.deepEqual(resolveTest('intersection', undefined, 0.01, 'pairwise').spec, { name: 'intersection', options: {} });
    assert.deepEqual(resolveTest({ name: 'intersection', options: { alpha: 1 } }, undefined, 0.01, 'direct').spec, { name: 'intersection', options: { alpha: 1 } });
    // A kNN-CMI member gets the run's alpha for its permutation budget, as it does alone.
    const tests = [{ name: 'gcm' }, { name: 'cmiknn' }] as const;
    assert.deepEqual(resolveTest({ name: 'intersection', options: { tests } }, undefined, 0.01, 'pairwise').spec, { name: 'intersection', options: { tests: [{ name: 'gcm' }, { name: 'cmiknn', options: { alpha: 0.01 } }] } });
  });

  it('refuses bad options with INVALID_ARGUMENT, naming them', async () => {
    await expectCode(() => ciTestFromSpec({ name: 'intersection', options: { tests: [{ name: 'gcm' }] } }), 'INVALID_ARGUMENT', /2 to 4/);
    await expectCode(() => ciTestFromSpec({ name: 'intersection', options: { tests: [{ name: 'gcm' }, { name: 'intersection' }] } }), 'INVALID_ARGUMENT', /another intersection/);
    await expectCode(() => ciTestFromSpec({ name: 'intersection', options: { tests: [{ name: 'gcm' }, { name: 'nope' } as never] } }), 'INVALID_ARGUMENT', /Unknown CI test "nope"/);
    await expectCode(() => ciTestFromSpec({ name: 'intersection', options: { alpha: 0 } }), 'INVALID_ARGUMENT', /alpha/);
    await expectCode(() => ciTestFromSpec({ name: 'intersection', options: { alpha: 1.5 } }), 'INVALID_ARGUMENT', /alpha/);
    await expectCode(() => ciTestFromSpec({ name: 'intersection', options: 'gcm' as never }), 'INVALID_ARGUMENT', /options must be an object/);
    await expectCode(() => ciTestFromSpec({ name: 'intersection', options: { tests: [{ name: 'gcm', options: { folds: 1 } }, { name: 'rcot' }] } }), 'INVALID_ARGUMENT', /folds/);
  });
});
