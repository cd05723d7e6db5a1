// The direct test's conditioning set: 'neighbours' {s_{r-1}, s_{r+1}} or 'all-states' (every used
// step but s_r). Checked on the exact population covariance of a linear world (d-separation: zero
// partial correlation for every cell off the truth, whatever further states are added; the same
// numerator, so the wider set never has a smaller partial correlation), by the queries asked, and
// by the level on data whose tasks are independent of the states.
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { KernelRuntime } from '../../src/kernels/runtime.ts';
import { directSteps, representative, wideSteps } from '../../src/structure/band.ts';
import type { CiQuery, CiTest } from '../../src/structure/ci-test.ts';
import { discoverTaskStructure } from '../../src/structure/discover.ts';
import { fisherZFromCovariance } from '../../src/structure/ci/fisher-z.ts';
import { linearColliderWorld } from '../../src/synthetic/structure-worlds.ts';
import { createRng } from '../helpers.ts';

/**
 * Exact covariance of [s_1..s_T, g_1..g_M] for d = 1: a_t = K s_t + e, s_{t+1} = A s_t + B a_t + e,
 * g_i = sum_t W[i][t] a_t + e, unit noises. Each variable as a combination of the noises (Phi);
 * the covariance is Phi Phi^T.
 */
function populationCovariance(T: number, W: number[][], A: number, B: number, K: number): Float64Array {
  const M = W.length;
  const noises = 2 * T + M;
  const s: Float64Array[] = [];
  const a: Float64Array[] = [];
  const unit = (j: number) => {
    const v = new Float64Array(noises);
    v[j] = 1;
    return v;
  };
  for (let t = 0; t < T; t++) {
    const st = unit(2 * t);
    if (t > 0) for (let j = 0; j < noises; j++) st[j] += A * s[t - 1][j] + B * a[t - 1][j];
    s.push(st);
    const at = unit(2 * t + 1);
    for (let j = 0; j < noises; j++) at[j] += K * st[j];
    a.push(at);
  }
  const g = W.map((row, i) => {
    const gi = unit(2 * T + i);
    row.forEach((w, t) => {
      for (let j = 0; j < noises; j++) gi[j] += w * a[t][j];
    });
    return gi;
  });
  const vars = [...s, ...g];
  const w = vars.length;
  const cov = new Float64Array(w * w);
  for (let p = 0; p < w; p++) for (let q = 0; q < w; q++) cov[p * w + q] = vars[p].reduce((sum, x, j) => sum + x * vars[q][j], 0);
  return cov;
}

/** Partial correlation of x and y given z, from the Fisher z statistic at a known n. */
function partialCorrelation(cov: Float64Array, w: number, query: CiQuery): number {
  const n = 1e6;
  const { statistic } = fisherZFromCovariance(cov, w, n, query);
  return Math.tanh(statistic / Math.sqrt(n - query.z.length - 3));
}

describe('direct test conditioning sets on the population covariance (d-separation)', () => {
  const T = 12, L = 2, N = T / L;
  // Task 0 on segments {0, 2, 5}, task 1 on {1, 2}, task 2 on {3} only; signed per-step weights.
  const truth = [[1, 0, 0], [0, 1, 0], [1, 1, 0], [0, 0, 1], [0, 0, 0], [1, 0, 0]];
  const rng = createRng(17);
  const W = [0, 1, 2].map((i) => Array.from({ length: T }, (_, t) => (truth[Math.floor(t / L)][i] ? (rng.next() < 0.5 ? -1 : 1) * (0.5 + rng.next()) : 0)));

  for (const [A, B, K] of [[0.3, 0.7, 0.6], [-0.35, 0.6, -0.7], [0.2, -0.75, 0.5]]) {
    it(`A = ${A}, B = ${B}, K = ${K}: zero off the truth for every superset of the neighbours; never weaker on it`, () => {
      const cov = populationCovariance(T, W, A, B, K);
      const width = T + 3;
      for (let i = 0; i < 3; i++) {
        for (let k = 0; k < N; k++) {
          const r = representative(k, L);
          const y = [T + i];
          const narrow = partialCorrelation(cov, width, { x: [r], y, z: directSteps(k, T, L) });
          const wide = partialCorrelation(cov, width, { x: [r], y, z: wideSteps(k, T, L) });
          // Further supersets: the previous segment's representative, two steps each side.
          const window = directSteps(k, T, L).concat([r - 2, r + 2].filter((t) => t >= 0 && t < T));
          const middle = partialCorrelation(cov, width, { x: [r], y, z: window });
          if (truth[k][i]) {
            assert.ok(Math.abs(narrow) > 1e-3, `task ${i}, segment ${k}: effect ${narrow}`);
            assert.ok(Math.abs(wide) >= Math.abs(narrow) - 1e-12, `task ${i}, segment ${k}: wide ${wide} < narrow ${narrow}`);
            assert.ok(Math.abs(middle) >= Math.abs(narrow) - 1e-12);
            assert.equal(Math.sign(wide), Math.sign(narrow), 'same numerator, same sign');
          } else {
            for (const [name, v] of [['neighbours', narrow], ['all-states', wide], ['window 2', middle]] as const) {
              assert.ok(Math.abs(v) < 1e-9, `task ${i}, segment ${k}, ${name}: ${v} should be 0`);
            }
          }
        }
      }
      // Dropping a neighbour breaks it: s_r vs g_1 given s_{r-1} only, for segment 0 (task 1 on segment 1).
      assert.ok(Math.abs(partialCorrelation(cov, width, { x: [1], y: [T + 1], z: [0] })) > 1e-3);
      // Conditioning on another task variable breaks it: segment 1 does not serve task 0, but g_1
      // is a collider of segments 1 and 2, and segment 2 serves task 0 (s_3 -> a_3 -> g_1 <- a_5 -> g_0).
      assert.ok(Math.abs(partialCorrelation(cov, width, { x: [3], y: [T + 0], z: [...wideSteps(1, T, L), T + 1] })) > 1e-3);
    });
  }

  it('an exact cancellation of the two actions hides the segment from every valid set alike', () => {
    const [A, B, K] = [0.3, 0.7, 0.6];
    // Partial covariance of s_r and g_i given the neighbours is proportional to W_{r-1} B + W_r (K - A B).
    const Wc = [Array.from({ length: T }, (_, t) => (t === 2 ? 1 : t === 3 ? -B / (K - A * B) : 0))];
    const cov = populationCovariance(T, Wc, A, B, K);
    const narrow = partialCorrelation(cov, T + 1, { x: [3], y: [T], z: directSteps(1, T, L) });
    const wide = partialCorrelation(cov, T + 1, { x: [3], y: [T], z: wideSteps(1, T, L) });
    assert.ok(Math.abs(narrow) < 1e-9 && Math.abs(wide) < 1e-9, `${narrow} ${wide}`);
  });
});

function recordingTest(): CiTest & { queries: CiQuery[] } {
  const queries: CiQuery[] = [];
  return { name: 'recording', queries, prepare: () => ({ test: (q) => (queries.push(q), { statistic: 0, pValue: 0.5 }) }) };
}

describe('direct test conditioning: queries, defaults and level', () => {
  let runtime: KernelRuntime;
  before(async () => {
    runtime = await KernelRuntime.create();
  });
  const rng = createRng(3);
  const states = { data: Float32Array.from({ length: 40 * 6 }, () => rng.normal()), shape: [40, 6] };
  const tasks = { data: Float32Array.from({ length: 40 * 2 }, () => rng.normal()), shape: [40, 2] };

  it("'all-states' conditions on every used step but the representative (with dropTail, not the tail)", async () => {
    const test = recordingTest();
    const r = await discoverTaskStructure(states, tasks, { segmentLength: 2, conditioning: 'all-states', diagnostic: false }, { ciTest: test, kernels: runtime });
    assert.equal(r.conditioning, 'all-states');
    assert.deepEqual(test.queries.filter((q) => q.y[0] === 6), [{ x: [1], y: [6], z: [0, 2, 3, 4, 5] }, { x: [3], y: [6], z: [0, 1, 2, 4, 5] }, { x: [5], y: [6], z: [0, 1, 2, 3, 4] }]);
    const tail = recordingTest();
    await discoverTaskStructure(states, tasks, { segmentLength: 4, dropTail: true, conditioning: 'all-states', diagnostic: false }, { ciTest: tail, kernels: runtime });
    // The matrix holds the used steps only: g_0 is column 4.
    assert.deepEqual(tail.queries[0], { x: [3], y: [4], z: [0, 1, 2] });
  });

  it("defaults: 'all-states' for Fisher z while the set is small, else and for kNN-CMI and user tests 'neighbours'", async () => {
    const big = (n: number, d: number) => {
      const r = createRng(n + d);
      return [{ data: Float32Array.from({ length: n * 6 * d }, () => r.normal()), shape: [n, 6, d] }, { data: Float32Array.from({ length: n * 2 }, () => r.normal()), shape: [n, 2] }] as const;
    };
    // (T - 1) d = 5 columns: all states from n = 100 (n / 20 = 5); at n = 40 the neighbours.
    assert.equal((await discoverTaskStructure(...big(100, 1), { segmentLength: 2, test: 'fisherz' }, { kernels: runtime })).conditioning, 'all-states');
    assert.equal((await discoverTaskStructure(states, tasks, { segmentLength: 2, test: 'fisherz' }, { kernels: runtime })).conditioning, 'neighbours');
    // d = 3: 15 columns need n >= 300.
    assert.equal((await discoverTaskStructure(...big(200, 3), { segmentLength: 2, test: 'fisherz' }, { kernels: runtime })).conditioning, 'neighbours');
    assert.equal((await discoverTaskStructure(...big(300, 3), { segmentLength: 2, test: 'fisherz' }, { kernels: runtime })).conditioning, 'all-states');
    assert.equal((await discoverTaskStructure(states, tasks, { segmentLength: 2, conditioning: 'all-states' }, { kernels: runtime })).conditioning, 'all-states');
    assert.equal((await discoverTaskStructure(states, tasks, { segmentLength: 2 }, { ciTest: recordingTest(), kernels: runtime })).conditioning, 'neighbours');
    const knn = await discoverTaskStructure(states, tasks, { segmentLength: 2, test: { name: 'cmiknn', options: { knn: 5, permutations: 9 } }, correction: 'none', diagnostic: false }, { kernels: runtime });
    assert.equal(knn.conditioning, 'neighbours');
    await assert.rejects(
      () => discoverTaskStructure(states, tasks, { segmentLength: 2, conditioning: 'everything' as never }, { kernels: runtime }),
      (e: Error & { code?: string }) => e.code === 'INVALID_ARGUMENT' && /conditioning/.test(e.message),
    );
  });

  it('Fisher z keeps its level with either set when the tasks are independent of the states', async () => {
    // 60 worlds x 4 segments x 2 tasks = 480 raw p-values per set; at 0.05 the binomial band
    // (3 standard deviations) is [0.021, 0.079].
    const counts = { neighbours: 0, 'all-states': 0 };
    let total = 0;
    for (let seed = 1; seed <= 60; seed++) {
      const w = linearColliderWorld({ episodes: 400, steps: 8, tasks: 2, seed });
      const noise = createRng(1000 + seed);
      const independent = { data: Float32Array.from(w.tasks, () => noise.normal()), shape: w.shapes.tasks };
      for (const conditioning of ['neighbours', 'all-states'] as const) {
        const r = await discoverTaskStructure({ data: w.states, shape: w.shapes.states }, independent, { segmentLength: 2, test: 'fisherz', conditioning, diagnostic: false }, { kernels: runtime });
        for (const p of r.directPValues.flat()) if ((p as number) <= 0.05) counts[conditioning]++;
      }
      total += 8;
    }
    for (const [name, c] of Object.entries(counts)) {
      const rate = c / total;
      assert.ok(rate >= 0.021 && rate <= 0.079, `${name}: ${c} of ${total} rejected at 0.05`);
    }
  });
});
