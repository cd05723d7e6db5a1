// Each step's states on the principal components the data support (reduction, docs/structure.md):
// a redundant linear map loses nothing and is stated, wide steps keep the components above 1% of
// the largest variance, 'none' and a number do what they say, bad options are typed errors.
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { KernelRuntime } from '../../src/kernels/runtime.ts';
import { discoverTaskStructure } from '../../src/structure/discover.ts';
import { liftedStates } from '../../src/synthetic/level-worlds.ts';
import { linearColliderWorld } from '../../src/synthetic/structure-worlds.ts';
import { expectCode } from '../helpers.ts';

describe('reduction of each step', () => {
  let kernels: KernelRuntime;
  before(async () => {
    kernels = await KernelRuntime.create();
  });
  const world = linearColliderWorld({ episodes: 1500, steps: 6, tasks: 2, dim: 3, seed: 11 });
  const tasks = { data: world.tasks, shape: world.shapes.tasks };
  const given = { data: world.states, shape: world.shapes.states };

  it('a redundant linear map: the tests run on its rank, with the same answer as on the states', async () => {
    const lifted = liftedStates(world, 12, { seed: 2 });
    const states = { data: lifted.states, shape: lifted.shapes.states };
    const r = await discoverTaskStructure(states, tasks, { segmentLength: 2, test: 'fisherz' }, { kernels });
    assert.equal(r.reduction?.components, 3);
    assert.equal(r.reduction?.width, 12);
    assert.ok(r.reduction!.varianceKept > 0.999999);
    assert.match(r.reduction!.reason, /span 3 dimensions/);
    const direct = await discoverTaskStructure(given, tasks, { segmentLength: 2, test: 'fisherz' }, { kernels });
    assert.deepEqual(r.relation, direct.relation);
    // Full-rank narrow states stay as they are.
    assert.equal(direct.reduction, null);
    // 'none': the states as given; Fisher z then runs on the rank of each block instead of refusing.
    const none = await discoverTaskStructure(states, tasks, { segmentLength: 2, test: 'fisherz', reduction: 'none', conditioning: 'neighbours' }, { kernels });
    assert.equal(none.reduction, null);
    assert.deepEqual(none.relation, (await discoverTaskStructure(given, tasks, { segmentLength: 2, test: 'fisherz', conditioning: 'neighbours' }, { kernels })).relation);
  });

  it('wide steps keep the components above 1% of the largest variance; a number keeps that many', async () => {
    const lifted = liftedStates(world, 80, { seed: 3, noise: 1e-3 });
    const states = { data: lifted.states, shape: lifted.shapes.states };
    const r = await discoverTaskStructure(states, tasks, { segmentLength: 2, test: 'fisherz', diagnostic: false }, { kernels });
    assert.equal(r.reduction?.components, 3);
    assert.match(r.reduction!.reason, /80 numbers per step, 3 components above 1%/);
    const two = await discoverTaskStructure(states, tasks, { segmentLength: 2, test: 'fisherz', diagnostic: false, reduction: 2 }, { kernels });
    assert.equal(two.reduction?.components, 2);
    assert.match(two.reduction!.reason, /as asked/);
  });

  it('bad reduction options are typed errors', async () => {
    for (const bad of [0, -1, 1.5, 'pca', null]) {
      await expectCode(() => discoverTaskStructure(given, tasks, { segmentLength: 2, reduction: bad as never }, { kernels }), 'INVALID_ARGUMENT', 'reduction');
    }
  });
});
