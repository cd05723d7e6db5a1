// The worlds for the level of Layer 1 (issue 19): each is what it says (walks move by their
// innovations, near-deterministic worlds are nearly functions of the previous state, lifted states
// have rank d, independent worlds have heavy tails), seeded, with the same truth as the skeleton.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { independentWorld, liftedStates, nearDeterministicWorld, randomWalkWorld } from '../../src/synthetic/level-worlds.ts';
import { linearColliderWorld } from '../../src/synthetic/structure-worlds.ts';
import { symmetricEigenvalues } from '../../src/stats/symmetric-eigen.ts';
import { expectCode } from '../helpers.ts';

const base = { episodes: 200, steps: 8, tasks: 2, seed: 3 };

describe('level worlds', () => {
  it('random walk: steps differ by sigma times the innovation; the same truth as the linear world of the seed; integer walks are integers', () => {
    const w = randomWalkWorld({ ...base, innovation: 0.01 });
    assert.deepEqual([...w.relation], [...linearColliderWorld(base).relation]);
    let largest = 0;
    for (let e = 0; e < 200; e++) for (let t = 1; t < 8; t++) largest = Math.max(largest, Math.abs(w.states[e * 8 + t] - w.states[e * 8 + t - 1]));
    assert.ok(largest < 0.06 && largest > 0.01, `largest step ${largest}`);
    const ties = randomWalkWorld({ ...base, discrete: true, integerTasks: true });
    assert.ok([...ties.states, ...ties.tasks].every(Number.isInteger));
    assert.deepEqual(randomWalkWorld({ ...base, innovation: 0.01 }).states, w.states);
  });

  it('near-deterministic: with no noise every state is a function of the previous one', () => {
    const w = nearDeterministicWorld({ ...base, noise: 0 });
    const v = nearDeterministicWorld({ ...base, noise: 0.1 });
    // d = 1: s_2 = a s_1 + b exactly without noise, so their correlation is +-1.
    const correlation = (x: Float32Array) => {
      const u = Array.from({ length: 200 }, (_, e) => x[e * 8 + 1]);
      const y = Array.from({ length: 200 }, (_, e) => x[e * 8 + 2]);
      const mu = u.reduce((a, b) => a + b) / 200;
      const my = y.reduce((a, b) => a + b) / 200;
      let sxy = 0, sxx = 0, syy = 0;
      for (let e = 0; e < 200; e++) (sxy += (u[e] - mu) * (y[e] - my), sxx += (u[e] - mu) ** 2, syy += (y[e] - my) ** 2);
      return Math.abs(sxy / Math.sqrt(sxx * syy));
    };
    assert.ok(correlation(w.states) > 1 - 1e-6, `no noise: ${correlation(w.states)}`);
    assert.ok(correlation(v.states) < 0.999, `noise 0.1: ${correlation(v.states)}`);
    assert.equal(w.params.kind, 'near-deterministic');
    assert.ok(w.states.every(Number.isFinite) && w.tasks.every(Number.isFinite));
  });

  it('lifted states: rank d inside the width, the truth unchanged', () => {
    const world = linearColliderWorld({ ...base, dim: 3 });
    const lifted = liftedStates(world, 12, { seed: 1 });
    assert.deepEqual(lifted.shapes.states, [200, 8, 12]);
    const cov = new Float64Array(144);
    for (let q = 0; q < 200 * 8; q++) for (let i = 0; i < 12; i++) for (let j = 0; j < 12; j++) cov[i * 12 + j] += lifted.states[q * 12 + i] * lifted.states[q * 12 + j];
    const values = [...symmetricEigenvalues(cov, 12)].sort((a, b) => b - a);
    assert.ok(values[2] > 1e-3 * values[0] && values[3] < 1e-6 * values[0], `spectrum ${values.slice(0, 5)}`);
    assert.equal(lifted.relation, world.relation);
  });

  it('independent worlds: Cauchy has heavy tails, Gaussian not; bad options are typed errors', async () => {
    const c = independentWorld({ episodes: 1000, steps: 2, tasks: 1, law: 'cauchy', seed: 1 });
    const g = independentWorld({ episodes: 1000, steps: 2, tasks: 1, seed: 1 });
    const max = (x: Float32Array) => Math.max(...x.map(Math.abs));
    assert.ok(max(c.states) > 100 && max(g.states) < 6);
    await expectCode(() => independentWorld({ episodes: 10, steps: 2, tasks: 1, law: { studentT: 0 } }), 'INVALID_ARGUMENT', 'studentT');
    await expectCode(() => randomWalkWorld({ ...base, innovation: -1 }), 'INVALID_ARGUMENT', 'innovation');
    await expectCode(() => randomWalkWorld({ ...base, reads: 'cube' as never }), 'INVALID_ARGUMENT', 'reads');
    await expectCode(() => linearColliderWorld({ ...base, noise: { studentT: 1.5 } }), 'INVALID_ARGUMENT', 'studentT');
  });
});
