// test: 'auto': Fisher z on linear worlds (the same answer as asking for it), the GCM on nonlinear
// ones, normal scores on heavy tails, a redundant linear map not called nonlinear, and the bounds it
// decides by on single queries with known conditional means.
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { KernelRuntime } from '../../src/kernels/runtime.ts';
import { AUTO_MAX_SHIFT, chooseTest, WIDE_Z } from '../../src/structure/choose-test.ts';
import { discoverTaskStructure } from '../../src/structure/discover.ts';
import { independentWorld, liftedStates } from '../../src/synthetic/level-worlds.ts';
import { linearColliderWorld, nonlinearWorld } from '../../src/synthetic/structure-worlds.ts';
import { createRng } from '../helpers.ts';

describe("test: 'auto'", () => {
  let kernels: KernelRuntime;
  before(async () => {
    kernels = await KernelRuntime.create();
  });

  it('bounds the shift of a Fisher z statistic: near 0 for linear conditional means, large for nonlinear ones', () => {
    const rng = createRng(31);
    const n = 1500;
    const data = new Float32Array(n * 5);
    for (let r = 0; r < n; r++) {
      const z = rng.normal();
      // columns: linear x, linear y, nonlinear x, nonlinear y, z
      data.set([z + rng.normal(), 0.5 * z + rng.normal(), Math.sin(2 * z) + 0.3 * rng.normal(), Math.cos(2 * z) + 0.3 * rng.normal(), z], r * 5);
    }
    const m = { data, rows: n, cols: 5 };
    const linear = chooseTest(m, [{ x: [0], y: [1], z: [4] }], null, kernels, 1);
    assert.equal(linear.test, 'fisherz');
    assert.ok(linear.shift < AUTO_MAX_SHIFT, `linear shift ${linear.shift}`);
    const nonlinear = chooseTest(m, [{ x: [0], y: [1], z: [4] }, { x: [2], y: [3], z: [4] }], null, kernels, 1);
    assert.equal(nonlinear.test, 'gcm');
    assert.ok(nonlinear.shift > 10, `nonlinear shift ${nonlinear.shift}`);
    assert.deepEqual(nonlinear.query, { x: [2], y: [3], z: [4] });
    assert.match(nonlinear.reason, /so gcm ran$/);
    // One nonlinear side alone cannot bias a partial correlation (the shift is a product), but a
    // linear test is blind to the dependence it could carry: the GCM runs for power.
    const oneSide = chooseTest(m, [{ x: [2], y: [1], z: [4] }], null, kernels, 1);
    assert.ok(oneSide.shift < AUTO_MAX_SHIFT && oneSide.nonlinearity > AUTO_MAX_SHIFT);
    assert.equal(oneSide.test, 'gcm');
    // The GCM's conditioning sets wider than WIDE_Z: confirmed by RCoT (the intersection).
    const q = [{ x: [2], y: [3], z: [4] }];
    const wideZ = chooseTest(m, q, null, kernels, 1, { gcmRows: n, intersectionRows: n, widestZ: WIDE_Z + 1 });
    assert.equal(wideZ.test, 'intersection');
    assert.match(wideZ.reason, new RegExp(`up to ${WIDE_Z + 1} columns wide .* so rcot confirmed it \\(intersection: p = max\\(p_rcot, p_gcm\\)`));
    assert.equal(chooseTest(m, q, null, kernels, 1, { gcmRows: n, intersectionRows: n, widestZ: WIDE_Z }).test, 'gcm');
    // Too few episodes for the GCM: Fisher z, and the reason says what that risks; enough for the
    // GCM but not for RCoT on a wide z: the GCM alone, and the reason says so.
    const few = chooseTest(m, q, null, kernels, 1, { gcmRows: 10 * n, intersectionRows: 10 * n, widestZ: WIDE_Z + 1 });
    assert.equal(few.test, 'fisherz');
    assert.match(few.reason, /gcm needs/);
    const gcmOnly = chooseTest(m, q, null, kernels, 1, { gcmRows: n, intersectionRows: n + 1, widestZ: WIDE_Z + 1 });
    assert.equal(gcmOnly.test, 'gcm');
    assert.match(gcmOnly.reason, /rcot, which would confirm it, needs \d+ episodes .* gcm ran alone/);
    // Linear on the narrow sets, not on the wide ones: Fisher z keeps to the narrow sets.
    const mixed = chooseTest(m, [{ x: [0], y: [1], z: [4] }], [{ x: [2], y: [3], z: [4] }], kernels, 1);
    assert.equal(mixed.test, 'fisherz');
    assert.equal(mixed.conditioning, 'neighbours');
    assert.equal(linear.conditioning, null);
  });

  it('picks Fisher z on linear worlds and gives the same relation as asking for it', async () => {
    for (const seed of [1, 2]) {
      const w = linearColliderWorld({ episodes: 2000, steps: 8, tasks: 2, seed });
      const states = { data: w.states, shape: w.shapes.states };
      const tasks = { data: w.tasks, shape: w.shapes.tasks };
      const auto = await discoverTaskStructure(states, tasks, { segmentLength: 2, test: 'auto' }, { kernels });
      const fisher = await discoverTaskStructure(states, tasks, { segmentLength: 2, test: 'fisherz' }, { kernels });
      assert.equal(auto.test, 'fisherz');
      assert.equal(auto.testChoice?.test, 'fisherz');
      assert.deepEqual(auto.relation, fisher.relation);
      assert.equal(auto.conditioning, fisher.conditioning);
      assert.equal(fisher.testChoice, null);
    }
  });

  it('picks the GCM on a nonlinear world and gives the same relation as asking for it', async () => {
    const w = nonlinearWorld({ episodes: 1000, steps: 6, tasks: 2, seed: 3 });
    const states = { data: w.states, shape: w.shapes.states };
    const tasks = { data: w.tasks, shape: w.shapes.tasks };
    const auto = await discoverTaskStructure(states, tasks, { segmentLength: 2, test: 'auto', diagnostic: false }, { kernels });
    const explicit = await discoverTaskStructure(states, tasks, { segmentLength: 2, test: 'gcm', diagnostic: false }, { kernels });
    assert.equal(auto.test, 'gcm');
    assert.ok(auto.testChoice!.shift > AUTO_MAX_SHIFT);
    assert.deepEqual(auto.directPValues, explicit.directPValues);
  });

  it('a nonlinear world with conditioning sets wider than WIDE_Z: the GCM confirmed by RCoT, as asking for the intersection', async () => {
    const w = nonlinearWorld({ episodes: 800, steps: 6, tasks: 1, dim: 17, seed: 5 });
    const states = { data: w.states, shape: w.shapes.states };
    const tasks = { data: w.tasks, shape: w.shapes.tasks };
    const options = { segmentLength: 2, diagnostic: false, alignmentCheck: false } as const;
    const auto = await discoverTaskStructure(states, tasks, { ...options, test: 'auto' }, { kernels });
    const explicit = await discoverTaskStructure(states, tasks, { ...options, test: 'intersection' }, { kernels });
    assert.equal(auto.test, 'intersection', auto.testChoice?.reason);
    assert.equal(auto.conditioning, 'neighbours');
    assert.match(auto.testChoice!.reason, /up to 34 columns wide/);
    assert.deepEqual(auto.directPValues, explicit.directPValues);
  });

  it('heavy tails: normal scores, and independent Cauchy data give no small p-value', async () => {
    let smallest = 1;
    for (const seed of [1, 2, 3]) {
      const w = independentWorld({ episodes: 1000, steps: 4, tasks: 1, law: 'cauchy', seed });
      const r = await discoverTaskStructure({ data: w.states, shape: w.shapes.states }, { data: w.tasks, shape: w.shapes.tasks }, { segmentLength: 2, test: 'auto' }, { kernels });
      assert.equal(r.testChoice?.transform, 'normal-scores');
      assert.ok(r.testChoice!.tailShare > 0.25);
      assert.match(r.testChoice!.reason, /heavy tails/);
      smallest = Math.min(smallest, ...r.directPValues!.flat().map((p) => p ?? 1));
    }
    assert.ok(smallest > 1e-4, `smallest p ${smallest}`);
    // Gaussian data stay as given.
    const g = independentWorld({ episodes: 1000, steps: 4, tasks: 1, seed: 4 });
    const r = await discoverTaskStructure({ data: g.states, shape: g.shapes.states }, { data: g.tasks, shape: g.shapes.tasks }, { segmentLength: 2, test: 'auto' }, { kernels });
    assert.equal(r.testChoice?.transform, 'standardise');
  });

  it('a redundant linear map (4 dims as 16 numbers) is linear: Fisher z on the 4 components, the right relation', async () => {
    for (const seed of [5, 6]) {
      const base = linearColliderWorld({ episodes: 2000, steps: 8, tasks: 2, dim: 4, seed });
      const w = liftedStates(base, 16, { seed });
      const states = { data: w.states, shape: w.shapes.states };
      const tasks = { data: w.tasks, shape: w.shapes.tasks };
      const auto = await discoverTaskStructure(states, tasks, { segmentLength: 2, test: 'auto' }, { kernels });
      assert.equal(auto.test, 'fisherz', auto.testChoice?.reason);
      // (Given all 28 state columns the check may still see a spurious 0.5 and keep to the neighbours.)
      assert.doesNotMatch(auto.testChoice!.reason, /nonlinear:/);
      assert.equal(auto.reduction?.components, 4);
      const given = await discoverTaskStructure({ data: base.states, shape: base.shapes.states }, tasks, { segmentLength: 2, test: 'fisherz', conditioning: auto.conditioning }, { kernels });
      assert.deepEqual(auto.relation, given.relation);
    }
  });
});
