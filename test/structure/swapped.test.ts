// Inputs the wrong way round, where the shapes tell: transposed states or tasks are typed errors
// that say which one and how to fix it (Layer 1, the pipeline, Layer 2's inputs); shapes that fit
// but suggest swapped inputs are warnings; well-shaped data gets neither.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fitInputsFromStructure } from '../../src/pipeline/fit-inputs.ts';
import { runPipeline } from '../../src/pipeline/pipeline.ts';
import { discoverTaskStructure } from '../../src/structure/discover.ts';
import { episodeMismatch, shapeWarnings } from '../../src/structure/swapped.ts';
import { linearColliderWorld } from '../../src/synthetic/structure-worlds.ts';
import { expectCode } from '../helpers.ts';

/** [a, b, c] -> [b, a, c] (or [a, b] -> [b, a]). */
function swapAxes(data: Float32Array, shape: number[]): { data: Float32Array; shape: number[] } {
  const [a, b, c = 1] = shape;
  const out = new Float32Array(data.length);
  for (let i = 0; i < a; i++) for (let j = 0; j < b; j++) for (let k = 0; k < c; k++) out[(j * a + i) * c + k] = data[(i * b + j) * c + k];
  return { data: out, shape: shape.length === 3 ? [b, a, c] : [b, a] };
}

describe('swapped inputs', () => {
  const w = linearColliderWorld({ episodes: 300, steps: 6, tasks: 2, seed: 1 });
  const states = { data: w.states, shape: [...w.shapes.states] };
  const tasks = { data: w.tasks, shape: [300, 2] };

  it('episodes in the second axis of the states, of the tasks, or of both: SHAPE_MISMATCH naming the transposed one', async () => {
    const err = await expectCode(() => discoverTaskStructure(swapAxes(states.data, states.shape), tasks, { segmentLength: 2 }), 'SHAPE_MISMATCH', 'states hold 6 episodes but tasks hold 300: states look transposed');
    assert.equal(err.details.reason, 'transposed');
    assert.equal(err.details.argument, 'states');
    const t = await expectCode(() => discoverTaskStructure(states, swapAxes(tasks.data, tasks.shape), { segmentLength: 2 }), 'SHAPE_MISMATCH', 'tasks look transposed');
    assert.equal(t.details.argument, 'tasks');
    await expectCode(() => discoverTaskStructure(swapAxes(states.data, states.shape), swapAxes(tasks.data, tasks.shape), { segmentLength: 2 }), 'SHAPE_MISMATCH', 'both look transposed');
    // Counts that simply differ get no guess.
    const plain = await expectCode(() => discoverTaskStructure(states, { data: tasks.data.subarray(0, 200), shape: [100, 2] }, { segmentLength: 2 }), 'SHAPE_MISMATCH', 'states hold 300 episodes but tasks hold 100');
    assert.equal(plain.details.reason, 'episodes-differ');
  });

  it('the pipeline and Layer 2 inputs say the same', async () => {
    await expectCode(() => runPipeline({ latents: swapAxes(states.data, states.shape), tasks }, { structure: { segmentLength: 2 } }), 'SHAPE_MISMATCH', 'latents look transposed');
    const stepTasks = Array.from({ length: 6 }, () => [1, 0]);
    assert.throws(() => fitInputsFromStructure({ stepTasks }, states, swapAxes(tasks.data, tasks.shape)), /tasks look transposed/);
  });

  it('warns when there are more task variables than steps, or fewer episodes than steps; silent on usual shapes', async () => {
    assert.deepEqual(shapeWarnings(300, 6, 2), []);
    assert.match(shapeWarnings(300, 2, 6)[0], /tasks hold 6 variables per episode and the states only 2 steps: are states and tasks swapped\?/);
    assert.match(shapeWarnings(10, 20, 2)[0], /10 episodes of 20 steps: are the episodes in the second axis\?/);
    // States and tasks swapped through the API: tasks [n, T, d] given as states [n, M, dg] (M = 2 < T = 6).
    const swapped = await discoverTaskStructure({ data: w.tasks, shape: [300, 2, 1] }, states, { segmentLength: 2 });
    assert.ok(swapped.warnings.some((x) => x.includes('are states and tasks swapped?')), JSON.stringify(swapped.warnings));
    assert.deepEqual((await discoverTaskStructure(states, tasks, { segmentLength: 2 })).warnings.filter((x) => x.includes('swapped') || x.includes('second axis')), []);
  });

  it('names the argument of the input that is transposed', () => {
    assert.equal(episodeMismatch('observations', [6, 300, 16], [300, 2]).details.argument, 'observations');
  });
});
