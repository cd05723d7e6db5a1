// What a run says about its own reliability: duplicated episodes, too few episodes for the width
// of its tests, kNN-CMI with many conditioning columns; nothing on clean, well-sized data.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Planned } from '../../src/structure/plan.ts';
import { WIDE_Z } from '../../src/structure/choose-test.ts';
import { runWarnings } from '../../src/structure/warnings.ts';
import { createRng, randomMatrix } from '../helpers.ts';

const query = (x: number, y: number, z: number): Planned => {
  const range = (from: number, count: number) => Array.from({ length: count }, (_, i) => from + i);
  return { query: { x: range(0, x), y: range(x, y), z: range(x + y, z) }, task: 0, k: 0, v: -1 };
};

describe('runWarnings', () => {
  const data = randomMatrix(createRng(3), 400, 12);

  it('is silent on distinct episodes and tests narrow for their n', () => {
    assert.deepEqual(runWarnings(data, 'rcot', [query(2, 1, 4)]), []);
    assert.deepEqual(runWarnings(data, 'fisherz', [query(2, 1, 9)]), []);
    assert.deepEqual(runWarnings(data, 'cmiknn', [query(2, 1, 4)]), []);
  });

  it('names duplicated episodes beyond 1%', () => {
    const copies = { ...data, data: data.data.slice() };
    for (let r = 0; r < 10; r++) copies.data.set(copies.data.subarray(0, 12), (r + 1) * 12);
    const [warning] = runWarnings(copies, 'fisherz', [query(2, 1, 4)]);
    assert.match(warning, /^10 of 400 episodes repeat another episode exactly/);
    const few = { ...data, data: data.data.slice() };
    few.data.set(few.data.subarray(0, 12), 12 * 5);
    assert.deepEqual(runWarnings(few, 'fisherz', [query(2, 1, 4)]), [], 'one duplicate in 400 is below 1%');
  });

  it("warns when the GCM alone conditions its direct tests on more than WIDE_Z columns, not on the diagnostic's wider z", () => {
    const direct = (z: number): Planned => ({ ...query(2, 1, z), task: 1 });
    const diagnostic = (z: number): Planned => ({ ...query(2, 2, z), task: -1, v: 1 });
    assert.match(runWarnings(data, 'gcm', [direct(WIDE_Z + 1)])[0], new RegExp(`^gcm conditions on up to ${WIDE_Z + 1} columns: beyond ${WIDE_Z}`));
    assert.deepEqual(runWarnings(data, 'gcm', [direct(WIDE_Z), diagnostic(3 * WIDE_Z)]), []);
    assert.deepEqual(runWarnings(data, 'intersection', [direct(WIDE_Z + 1)]), []);
  });

  it('warns when n is small for the width: RCoT below 4 episodes per column, Fisher z below 1.5', () => {
    // 2 + 1 + 98 = 101 columns: RCoT wants 404 episodes, Fisher z 152.
    const wide = query(2, 1, 98);
    assert.match(runWarnings(data, 'rcot', [wide])[0], /400 episodes for tests of up to 101 columns: rcot needs about 404/);
    assert.deepEqual(runWarnings(data, 'fisherz', [wide]), []);
    assert.match(runWarnings(randomMatrix(createRng(4), 150, 12), 'fisherz', [wide])[0], /fisherz needs about 152/);
  });

  it("warns about kNN-CMI's local permutation beyond 4 conditioning columns", () => {
    assert.match(runWarnings(data, 'cmiknn', [query(1, 1, 5)])[0], /cmiknn conditions on up to 5 columns/);
  });
});
