// A user's CI test that answers nonsense stops the run with a typed error naming it and the query.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { CiTest } from '../../src/structure/ci-test.ts';
import { discoverTaskStructure } from '../../src/structure/discover.ts';
import { createRng, expectCode } from '../helpers.ts';

function answering(result: unknown): CiTest {
  return { name: 'mine', prepare: () => ({ test: () => result as never }) };
}

describe('user CI test results are checked', () => {
  const rng = createRng(2);
  const n = 60;
  const states = { data: Float32Array.from({ length: n * 4 }, () => rng.normal()), shape: [n, 4] };
  const tasks = { data: Float32Array.from({ length: n }, () => rng.normal()), shape: [n, 1] };

  for (const [what, result] of [
    ['a NaN p-value', { statistic: 1, pValue: NaN }],
    ['p = -5', { statistic: 1, pValue: -5 }],
    ['p = 1.5', { statistic: 1, pValue: 1.5 }],
    ['a string p-value', { statistic: 1, pValue: '0.01' }],
    ['a NaN statistic', { statistic: NaN, pValue: 0.2 }],
    ['nothing', undefined],
  ] as const) {
    it(`${what}: INVALID_ARGUMENT naming the test and the query`, async () => {
      const e = await expectCode(() => discoverTaskStructure(states, tasks, { segmentLength: 2 }, { ciTest: answering(result) }), 'INVALID_ARGUMENT', 'CI test "mine" returned');
      assert.equal(e.details.reason, 'invalid-ci-result');
      assert.equal(e.details.test, 'mine');
      assert.deepEqual(e.details.query, { x: [1], y: [4], z: [0, 2] });
    });
  }

  it('p = 0 and p = 1 with an infinite statistic are answers, not errors', async () => {
    const r = await discoverTaskStructure(states, tasks, { segmentLength: 2 }, { ciTest: answering({ statistic: Infinity, pValue: 0 }) });
    assert.deepEqual(r.relation, [[1], [1]]);
  });
});
