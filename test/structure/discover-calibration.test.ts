// Calibration: every test's false-positive rate at 0.05 stays inside its binomial band on null
// worlds where x and y depend strongly on z. (1) Structure worlds whose null cells sit next to
// serving segments (T = 6; task 0 serves segment 1, task 1 segments 0 and 2), so that g_i depends
// on z through the neighbouring action: d = 1, 2, 4 give the direct test conditioning sets of 1-8
// columns, and the pairwise test (d = 1, 2) sets of up to 9 with the task variable. (2) Single
// tests on ciWorld, z of 1, 2, 4, 8 columns explaining half of x and of y. Fisher z runs on linear
// worlds (the only ones where it is valid), the nonparametric tests and 'auto' on nonlinear ones.
// (3) Hostile worlds (issue 19): heavy tails, random walks with 1% innovations, near-deterministic
// relations and states seen through a redundant linear map, for the tests offered on them.
// Larger runs: `npm run bench:structure` parts g and l (docs/structure.md).
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { KernelRuntime } from '../../src/kernels/runtime.ts';
import { nullPValues } from '../../src/metrics/structure.ts';
import { ciTestFromSpec, type CiTestSpec } from '../../src/structure/ci/builtins.ts';
import { discoverTaskStructure, type StructureOptions } from '../../src/structure/discover.ts';
import { ciWorld } from '../../src/synthetic/ci-worlds.ts';
import { liftedStates, nearDeterministicWorld, randomWalkWorld } from '../../src/synthetic/level-worlds.ts';
import { linearColliderWorld, nonlinearWorld, type StructureWorld } from '../../src/synthetic/structure-worlds.ts';
import { binomialBand } from '../helpers.ts';

/** T = 6, L = 2: task 0 on segment 1, task 1 on segments 0 and 2 (N x M, row-major). */
const RELATION = [0, 1, 1, 0, 0, 1];
/** The hostile worlds' shape: T = 6, L = 2, the relation above. */
const HOSTILE = { episodes: 600, steps: 6, tasks: 2, relation: RELATION };

function assertInBand(rejected: number, trials: number, what: string): void {
  const [lo, hi] = binomialBand(trials, 0.05, 0.999);
  assert.ok(rejected >= lo && rejected <= hi, `${what}: ${rejected} of ${trials} rejected at 0.05, band [${lo}, ${hi}]`);
}

describe('calibration on null worlds', () => {
  let kernels: KernelRuntime;
  before(async () => {
    kernels = await KernelRuntime.create();
  });

  async function structureRate(test: StructureOptions['test'], kind: 'linear' | 'nonlinear', method: 'direct' | 'pairwise', d: number, worlds: number, n: number) {
    let rejected = 0;
    let trials = 0;
    const ran = new Set<string>();
    for (let s = 0; s < worlds; s++) {
      const make = kind === 'linear' ? linearColliderWorld : nonlinearWorld;
      const w = make({ episodes: n, steps: 6, tasks: 2, dim: d, relation: RELATION, seed: 7000 + 100 * d + s });
      const r = await discoverTaskStructure({ data: w.states, shape: w.shapes.states }, { data: w.tasks, shape: w.shapes.tasks }, { segmentLength: 2, method, test, correction: 'none', diagnostic: false, seed: s }, { kernels });
      ran.add(r.test);
      for (const p of nullPValues(r, RELATION, 2)) (trials++, p <= 0.05 && rejected++);
    }
    return { rejected, trials, ran };
  }

  const cmiknn: CiTestSpec = { name: 'cmiknn', options: { permutations: 99, maxPermutations: 99 } };
  const cases: [string, StructureOptions['test'], 'linear' | 'nonlinear', 'direct' | 'pairwise', number[], number, number][] = [
    // test, kind of world, method, d, worlds per d, n
    ['fisherz', 'fisherz', 'linear', 'direct', [1, 2, 4], 40, 500],
    ['fisherz', 'fisherz', 'linear', 'pairwise', [1, 2], 30, 500],
    ['rcot', 'rcot', 'nonlinear', 'direct', [1, 2, 4], 30, 500],
    ['rcot', 'rcot', 'nonlinear', 'pairwise', [1, 2], 24, 500],
    ['auto', 'auto', 'nonlinear', 'direct', [2], 30, 500],
    ['cmiknn', cmiknn, 'nonlinear', 'direct', [1, 2, 4], 40, 300],
    ['cmiknn', cmiknn, 'nonlinear', 'pairwise', [1], 30, 300],
  ];
  for (const [label, test, kind, method, dims, worlds, n] of cases) {
    it(`${label}, ${method}, ${kind} structure worlds, d = ${dims.join(', ')}, n = ${n}`, async () => {
      for (const d of dims) {
        // 'auto' picks Fisher z where nonlinearity is too weak to bias it at this n: its level must hold either way.
        const { rejected, trials, ran } = await structureRate(test, kind, method, d, worlds, n);
        assertInBand(rejected, trials, `${label} (ran ${[...ran].join(', ')}) ${method} d = ${d}`);
      }
    });
  }

  const single: [string, CiTestSpec, 'linear' | 'nonlinear', number[], number][] = [
    ['fisherz', { name: 'fisherz' }, 'linear', [1, 2, 4, 8], 300],
    ['rcot', { name: 'rcot' }, 'nonlinear', [1, 2, 4, 8], 300],
    ['cmiknn', { name: 'cmiknn', options: { permutations: 99 } }, 'nonlinear', [1, 2, 4, 8], 300],
  ];
  for (const [label, spec, kind, dzs, n] of single) {
    it(`${label} on ${kind} ciWorld data, z of ${dzs.join(', ')} columns explaining half of x and y, n = ${n}`, () => {
      const reps = 100;
      for (const dz of dzs) {
        let rejected = 0;
        for (let s = 0; s < reps; s++) {
          const w = ciWorld({ rows: n, dz, kind, explained: 0.5, seed: 1000 * dz + s });
          if (ciTestFromSpec(spec).prepare(w.data, { kernels, seed: s }).test(w.query).pValue <= 0.05) rejected++;
        }
        assertInBand(rejected, reps, `${label} z of ${dz}`);
      }
    });
  }

  const hostile: [string, (seed: number) => StructureWorld, StructureOptions['test'][]][] = [
    ['linear collider with Student t2 noise', (seed) => linearColliderWorld({ ...HOSTILE, noise: { studentT: 2 }, seed }), ['auto', 'gcm']],
    ['random walk, 1% innovations', (seed) => randomWalkWorld({ ...HOSTILE, innovation: 0.01, seed }), ['auto', 'fisherz', 'gcm']],
    ['near-deterministic, 1% noise', (seed) => nearDeterministicWorld({ ...HOSTILE, noise: 0.01, seed }), ['auto', 'gcm']],
    ['2 dims seen as 8 numbers', (seed) => liftedStates(linearColliderWorld({ ...HOSTILE, dim: 2, seed }), 8, { seed }), ['auto', 'fisherz', 'gcm']],
  ];
  for (const [label, make, tests] of hostile) {
    it(`${tests.join(', ')} on hostile null cells: ${label}, n = ${HOSTILE.episodes}`, async () => {
      for (const test of tests) {
        let rejected = 0;
        let smallest = 1;
        const nulls: number[] = [];
        for (let s = 0; s < 12; s++) {
          const w = make(8000 + s);
          const r = await discoverTaskStructure({ data: w.states, shape: w.shapes.states }, { data: w.tasks, shape: w.shapes.tasks }, { segmentLength: 2, test, correction: 'none', diagnostic: false, seed: s }, { kernels });
          nulls.push(...nullPValues(r, RELATION, 2));
        }
        for (const p of nulls) (p <= 0.05 && rejected++, (smallest = Math.min(smallest, p)));
        assertInBand(rejected, nulls.length, `${String(test)} on ${label}`);
        assert.ok(smallest > 1e-6, `${String(test)} on ${label}: smallest null p ${smallest}`);
      }
    });
  }
});

