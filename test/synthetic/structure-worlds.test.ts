// The synthetic worlds: shapes, finite values, a non-degenerate seeded truth, broken chains, and
// the structure metrics on hand-worked relations.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { structureMetrics } from '../../src/metrics/structure.ts';
import { linearColliderWorld, nonlinearWorld, type StructureWorld } from '../../src/synthetic/structure-worlds.ts';
import { expectCode } from '../helpers.ts';

function checkWorld(w: StructureWorld, n: number, T: number, M: number, d: number, dg: number, L: number): void {
  assert.deepEqual(w.shapes, { states: [n, T, d], tasks: [n, M, dg], relation: [T / L, M] });
  assert.equal(w.states.length, n * T * d);
  assert.equal(w.tasks.length, n * M * dg);
  assert.equal(w.relation.length, (T / L) * M);
  assert.ok(w.states.every(Number.isFinite) && w.tasks.every(Number.isFinite), 'finite');
  const ones = w.relation.reduce((s, v) => s + v, 0);
  assert.ok(ones > 0 && ones < w.relation.length, 'truth has both classes');
  assert.ok(w.params.closedLoopNorm < 1, 'stable dynamics');
  // No constant column: every step and task dim varies across episodes.
  for (const [data, width] of [[w.states, T * d], [w.tasks, M * dg]] as const) {
    for (let c = 0; c < width; c++) {
      let lo = Infinity, hi = -Infinity;
      for (let e = 0; e < n; e++) {
        lo = Math.min(lo, data[e * width + c]);
        hi = Math.max(hi, data[e * width + c]);
      }
      assert.ok(hi > lo, `column ${c} varies`);
    }
  }
}

describe('synthetic structure worlds', () => {
  it('linear world: shapes, finite, every task on at least two segments, seeded', () => {
    const w = linearColliderWorld({ episodes: 300, steps: 12, tasks: 4, seed: 5 });
    checkWorld(w, 300, 12, 4, 1, 1, 2);
    for (let i = 0; i < 4; i++) {
      let count = 0;
      for (let k = 0; k < 6; k++) count += w.relation[k * 4 + i];
      assert.ok(count >= 2, `task ${i} touches ${count} segments`);
    }
    const again = linearColliderWorld({ episodes: 300, steps: 12, tasks: 4, seed: 5 });
    assert.deepEqual(again.states, w.states);
    assert.deepEqual(again.relation, w.relation);
    assert.notDeepEqual(linearColliderWorld({ episodes: 300, steps: 12, tasks: 4, seed: 6 }).states, w.states);
  });

  it('linear world with d, dg > 1, L = 3 and a given relation', () => {
    const relation = [1, 0, 1, 1, 0, 1, 0, 0];
    const w = linearColliderWorld({ episodes: 200, steps: 12, tasks: 2, dim: 3, taskDim: 2, segmentLength: 3, relation, seed: 1 });
    checkWorld(w, 200, 12, 2, 3, 2, 3);
    assert.deepEqual([...w.relation], relation);
  });

  it('tasks on one segment only, when asked', () => {
    const w = linearColliderWorld({ episodes: 100, steps: 10, tasks: 3, segmentsPerTask: 1, seed: 2 });
    for (let i = 0; i < 3; i++) assert.equal([0, 1, 2, 3, 4].reduce((s, k) => s + w.relation[k * 3 + i], 0), 1);
  });

  it('broken chains: with probability 1 every step after the first is fresh noise', () => {
    const w = linearColliderWorld({ episodes: 4000, steps: 6, tasks: 1, breakProbability: 1, seed: 3 });
    assert.deepEqual(w.params.brokenSteps, [1, 2, 3, 4, 5]);
    // Consecutive states are then independent.
    let sxy = 0, sxx = 0, syy = 0;
    for (let e = 0; e < 4000; e++) {
      const x = w.states[e * 6 + 2], y = w.states[e * 6 + 3];
      sxy += x * y;
      sxx += x * x;
      syy += y * y;
    }
    assert.ok(Math.abs(sxy / Math.sqrt(sxx * syy)) < 0.06);
    assert.deepEqual(linearColliderWorld({ episodes: 10, steps: 6, tasks: 1, seed: 3 }).params.brokenSteps, []);
  });

  it('nonlinear world: d = 1 and d = 2, finite, seeded', () => {
    for (const dim of [1, 2]) {
      const w = nonlinearWorld({ episodes: 300, steps: 12, tasks: 3, dim, seed: 4 });
      checkWorld(w, 300, 12, 3, dim, 1, 2);
      assert.equal(w.params.kind, 'nonlinear');
      assert.deepEqual(nonlinearWorld({ episodes: 300, steps: 12, tasks: 3, dim, seed: 4 }).states, w.states);
    }
  });

  it('bad options are typed errors', async () => {
    await expectCode(() => linearColliderWorld({ episodes: 10, steps: 7, tasks: 2 }), 'INVALID_ARGUMENT', 'not a multiple');
    await expectCode(() => linearColliderWorld({ episodes: 0, steps: 8, tasks: 2 }), 'INVALID_ARGUMENT', 'episodes');
    await expectCode(() => linearColliderWorld({ episodes: 10, steps: 8, tasks: 2, segmentsPerTask: [3, 9] }), 'INVALID_ARGUMENT', 'segmentsPerTask');
    await expectCode(() => linearColliderWorld({ episodes: 10, steps: 4, tasks: 2, segmentsPerTask: 2 }), 'INVALID_ARGUMENT', 'all 1s');
    await expectCode(() => linearColliderWorld({ episodes: 10, steps: 8, tasks: 2, relation: [1, 0] }), 'SHAPE_MISMATCH', 'relation');
    await expectCode(() => nonlinearWorld({ episodes: 10, steps: 8, tasks: 2, breakProbability: 2 }), 'INVALID_ARGUMENT', 'breakProbability');
  });
});

describe('structure metrics', () => {
  const truth = { data: Uint8Array.from([1, 0, 1, 1, 0, 0]), shape: [3, 2] as const };

  it('accuracy and MCC by hand', () => {
    // estimated [[1,1],[1,0],[0,0]] vs truth [[1,0],[1,1],[0,0]]: tp 2, fp 1, fn 1, tn 2.
    const m = structureMetrics([[1, 1], [1, 0], [0, 0]], truth);
    assert.deepEqual([m.truePositives, m.falsePositives, m.falseNegatives, m.trueNegatives], [2, 1, 1, 2]);
    assert.equal(m.accuracy, 4 / 6);
    assert.ok(Math.abs(m.mcc - (2 * 2 - 1 * 1) / Math.sqrt(3 * 3 * 3 * 3)) < 1e-15);
  });

  it('perfect is 1, inverted is -1, a constant estimate is 0', () => {
    assert.equal(structureMetrics(truth, truth).mcc, 1);
    assert.equal(structureMetrics({ data: truth.data.map((v) => 1 - v), shape: [3, 2] }, truth).mcc, -1);
    const empty = structureMetrics([[0, 0], [0, 0], [0, 0]], truth);
    assert.equal(empty.mcc, 0);
    assert.equal(empty.accuracy, 0.5);
    assert.equal(structureMetrics([[1, 1], [1, 1], [1, 1]], truth).mcc, 0);
  });

  it('shape mismatches are typed errors', async () => {
    await expectCode(() => structureMetrics([[1, 0]], truth), 'SHAPE_MISMATCH');
    await expectCode(() => structureMetrics({ data: [1, 0, 1], shape: [2, 2] }, truth), 'SHAPE_MISMATCH');
    await expectCode(() => structureMetrics([[1, 0], [1]], truth), 'SHAPE_MISMATCH', 'row 1');
  });
});
