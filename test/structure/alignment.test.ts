// The alignment check: segments that do not line up with where the tasks change are named in a
// warning with a segment length to try; aligned segments (the SDK's world, a user's toy data) get
// none; the suggestion and the plan by hand.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { alignmentPlan, suggestSegments, type MisalignedStep } from '../../src/structure/alignment.ts';
import { discoverTaskStructure } from '../../src/structure/discover.ts';
import type { Layout } from '../../src/structure/input.ts';
import { linearColliderWorld } from '../../src/synthetic/structure-worlds.ts';
// @ts-expect-error: the consumer test's plain .mjs generator of a user's own toy data
import { toyData } from '../consumers/own-data/toy-data.mjs';

/** Tasks 0 and 1 alternating every `L` steps over 12 steps (4 blocks of 3, or 6 of 2), 2,000 episodes. */
function world(L: 2 | 3, seed: number) {
  const relation = L === 3 ? [1, 0, 0, 1, 1, 0, 0, 1] : [1, 0, 1, 0, 0, 1, 0, 1, 1, 0, 0, 1];
  const w = linearColliderWorld({ episodes: 2000, steps: 12, tasks: 2, segmentLength: L, relation, taskMaps: 'per-task', seed });
  return { states: { data: w.states, shape: w.shapes.states }, tasks: { data: w.tasks, shape: w.shapes.tasks } };
}

describe('the alignment check', () => {
  it('warns when tasks that change every 3 steps are read in segments of 2, naming the steps and suggesting 3', async () => {
    for (const seed of [2, 3]) {
      const { states, tasks } = world(3, seed);
      const r = await discoverTaskStructure(states, tasks, { segmentLength: 2 });
      assert.ok(r.alignment && r.alignment.misaligned.length >= 2, `seed ${seed}: ${JSON.stringify(r.alignment)}`);
      assert.deepEqual(r.alignment.suggestion, { segmentLength: 3, offset: 0 });
      const warning = r.warnings.find((w) => w.startsWith('segments of 2 steps do not line up with the tasks'));
      assert.ok(warning, JSON.stringify(r.warnings));
      assert.match(warning, /step \d+ shows no dependence on task \d, which step \d+ depends on/);
      assert.match(warning, /try segment length 3/);
      // Every change the check names lies where the truth changes (steps 3, 6, 9).
      for (const m of r.alignment.misaligned) assert.equal((m.kind === 'next' ? m.representative : m.step + 1) % 3, 0, JSON.stringify(m));
    }
  });

  it('is silent on the same world with segments of 2 read at 2, and on a user\'s aligned toy data', async () => {
    for (const seed of [1, 2, 3, 4, 5]) {
      const { states, tasks } = world(2, seed);
      const r = await discoverTaskStructure(states, tasks, { segmentLength: 2 });
      assert.ok(r.alignment, 'on by default');
      assert.deepEqual(r.alignment.misaligned, [], `seed ${seed}`);
      assert.deepEqual(r.warnings, [], `seed ${seed}`);
    }
    for (const seed of [1, 2]) {
      const toy = toyData(800, seed);
      const r = await discoverTaskStructure(toy.observations, toy.tasks, { segmentLength: 2, test: 'fisherz' });
      assert.deepEqual(r.alignment?.misaligned, [], `toy seed ${seed}`);
    }
  });

  it('can be turned off, and does not run with the pairwise method', async () => {
    const { states, tasks } = world(3, 2);
    assert.equal((await discoverTaskStructure(states, tasks, { segmentLength: 2, alignmentCheck: false })).alignment, null);
    assert.equal((await discoverTaskStructure(states, tasks, { segmentLength: 2, method: 'pairwise' })).alignment, null);
  });

  it('plans, for each strong representative, its first step and the next segment\'s first step where no other path can answer', () => {
    const layout: Layout = { episodes: 100, steps: 6, usedSteps: 6, dim: 1, tasks: 2, taskDim: 1, segments: 3, segmentLength: 2, width: 8 };
    const relation = [[1, 0], [1, 1], [0, 1]];
    const p = [[1e-20, 1e-20, 0.5], [0.5, 1e-20, 1e-20]]; // [task][segment]
    const plan = alignmentPlan(layout, relation, (k, i) => p[i][k], 0.05, 'neighbours');
    const rows = plan.map((c) => [c.kind, c.step, c.task, c.representative]);
    assert.deepEqual(rows, [
      ['first', 0, 0, 1], // segment 0, task 0; the next segment serves task 0 too: no 'next'
      ['next', 4, 0, 3], // segment 1, task 0 (its first step: the previous segment serves task 0)
      ['first', 2, 1, 3], // segment 1, task 1
      // segment 2, task 1: the previous segment serves it (no 'first'), and it is the last segment
    ]);
    assert.deepEqual(plan[0].query, { x: [0], y: [6], z: [1] });
    assert.deepEqual(plan[1].query, { x: [4], y: [6], z: [3, 5] });
  });

  it('suggests the longest other length whose segment starts fall where the tasks change, else an offset', () => {
    const at = (kind: MisalignedStep['kind'], step: number, representative: number): MisalignedStep => ({ kind, step, representative, task: 0, pValue: 0.5, representativePValue: 1e-20 });
    // A change at step 3 (first step 2 of the segment ending at 3) and at 9: length 3.
    assert.deepEqual(suggestSegments([at('first', 2, 3), at('next', 10, 9)], 12, 2), { segmentLength: 3, offset: 0 });
    // Changes at steps 3, 5, 7 of T = 8: no other length fits, segments of 2 offset by 1 do.
    assert.deepEqual(suggestSegments([at('first', 2, 3), at('next', 6, 5), at('next', 8, 7)], 8, 2), { segmentLength: 2, offset: 1 });
    assert.equal(suggestSegments([], 8, 2), null);
  });
});
