// discoverTaskStructure: the band sets by hand, the queries it asks, the decision rules on planted
// p-values, Theorem 1 on a hand-built linear world, the diagnostic, and typed errors.
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { KernelRuntime } from '../../src/kernels/runtime.ts';
import { structureMetrics } from '../../src/metrics/structure.ts';
import { bandSteps, directSteps, representative } from '../../src/structure/band.ts';
import type { CiQuery, CiTest } from '../../src/structure/ci-test.ts';
import { discoverTaskStructure, type StructureOptions } from '../../src/structure/discover.ts';
import { cliqueRule, unionRule } from '../../src/structure/rules.ts';
import { linearColliderWorld } from '../../src/synthetic/structure-worlds.ts';
import { createRng, expectCode } from '../helpers.ts';

describe('band conditioning sets (Theorem 1), by hand', () => {
  it('T = 8, L = 2: representatives r_k = 2, 4, 6, 8 (1-based) are steps 1, 3, 5, 7', () => {
    assert.deepEqual([0, 1, 2, 3].map((k) => representative(k, 2)), [1, 3, 5, 7]);
    // Adjacent segments share a neighbour: {s_1, s_3} u {s_3, s_5} (1-based) = steps 0, 2, 4.
    assert.deepEqual(bandSteps(0, 1, 8, 2), [0, 2, 4]);
    // {s_1, s_3} u {s_7} (s_9 is past T) = steps 0, 2, 6.
    assert.deepEqual(bandSteps(0, 3, 8, 2), [0, 2, 6]);
    assert.deepEqual(bandSteps(1, 2, 8, 2), [2, 4, 6]);
    assert.deepEqual(bandSteps(1, 3, 8, 2), [2, 4, 6]);
    assert.deepEqual(bandSteps(2, 3, 8, 2), [4, 6]);
    assert.deepEqual(directSteps(0, 8, 2), [0, 2]);
    assert.deepEqual(directSteps(3, 8, 2), [6]);
  });

  it('T = 9, L = 3: representatives are steps 2, 5, 8; four distinct neighbours when not adjacent', () => {
    assert.deepEqual([0, 1, 2].map((k) => representative(k, 3)), [2, 5, 8]);
    assert.deepEqual(bandSteps(0, 1, 9, 3), [1, 3, 4, 6]);
    assert.deepEqual(bandSteps(0, 2, 9, 3), [1, 3, 7]);
    assert.deepEqual(directSteps(1, 9, 3), [4, 6]);
  });
});

/** A CI test that records its queries and answers from `answer` (default p = 0.5). */
function recordingTest(answer: (q: CiQuery) => number = () => 0.5): CiTest & { queries: CiQuery[] } {
  const queries: CiQuery[] = [];
  return {
    name: 'recording',
    queries,
    prepare: () => ({ test: (q) => (queries.push(q), { statistic: 0, pValue: answer(q) }) }),
  };
}

function arrays(n: number, T: number, d: number, M: number, dg: number, seed = 1) {
  const rng = createRng(seed);
  return {
    states: { data: Float32Array.from({ length: n * T * d }, () => rng.normal()), shape: d === 1 ? [n, T] : [n, T, d] },
    tasks: { data: Float32Array.from({ length: n * M * dg }, () => rng.normal()), shape: dg === 1 ? [n, M] : [n, M, dg] },
  };
}

describe('discoverTaskStructure: queries and decisions', () => {
  let runtime: KernelRuntime;
  before(async () => {
    runtime = await KernelRuntime.create();
  });

  it('asks the band queries of Algorithm 1, then the diagnostic without task columns (d = 2, dg = 2)', async () => {
    const { states, tasks } = arrays(40, 8, 2, 3, 2);
    const test = recordingTest();
    const r = await discoverTaskStructure(states, tasks, { segmentLength: 2, method: 'pairwise' }, { ciTest: test, kernels: runtime });
    assert.equal(test.queries.length, 3 * 6 + 6);
    assert.equal(r.tests, 24);
    const cols = (steps: number[]) => steps.flatMap((t) => [2 * t, 2 * t + 1]);
    // First query: task 0, segments 0 and 1: x = step 1, y = step 3, z = steps 0, 2, 4 plus g_0 (columns 16, 17).
    assert.deepEqual(test.queries[0], { x: cols([1]), y: cols([3]), z: [...cols([0, 2, 4]), 16, 17] });
    // Task 2, segments 0 and 3: g_2 is columns 20, 21.
    assert.deepEqual(test.queries[2 * 6 + 2], { x: cols([1]), y: cols([7]), z: [...cols([0, 2, 6]), 20, 21] });
    // Diagnostic: same pairs, no task.
    assert.deepEqual(test.queries[18], { x: cols([1]), y: cols([3]), z: cols([0, 2, 4]) });
  });

  it("method 'direct' asks s_{r_k} vs g_i given its two neighbours", async () => {
    const { states, tasks } = arrays(40, 6, 1, 2, 1);
    const test = recordingTest();
    await discoverTaskStructure(states, tasks, { segmentLength: 2, method: 'direct', diagnostic: false }, { ciTest: test, kernels: runtime });
    assert.deepEqual(test.queries, [
      { x: [1], y: [6], z: [0, 2] }, { x: [1], y: [7], z: [0, 2] }, { x: [3], y: [6], z: [2, 4] },
      { x: [3], y: [7], z: [2, 4] }, { x: [5], y: [6], z: [4] }, { x: [5], y: [7], z: [4] },
    ]);
  });

  /** Planted p-values for one task over N = 4 segments: true set {0, 1, 2}, pair (0, 1) weak, one false pair (2, 3). */
  function planted(q: CiQuery): number {
    if (q.z.length > 0 && q.z[q.z.length - 1] < 8) return 0.5; // diagnostic: no task column
    const k = (q.x[0] - 1) / 2;
    const v = (q.y[0] - 1) / 2;
    const key = `${k}${v}`;
    return ({ '01': 0.2, '02': 1e-8, '12': 1e-9, '23': 0.01, '03': 0.6, '13': 0.7 } as Record<string, number>)[key];
  }

  it("rules: 'union' marks every rejected pair, 'clique' keeps the best-supported set", async () => {
    const { states, tasks } = arrays(40, 8, 1, 1, 1);
    const base: StructureOptions = { segmentLength: 2, method: 'pairwise' };
    const call = { ciTest: recordingTest(planted), kernels: runtime };
    const union = await discoverTaskStructure(states, tasks, { ...base, rule: 'union', correction: 'none' }, call);
    assert.deepEqual(union.relation.map((row) => row[0]), [1, 1, 1, 1]);
    const clique = await discoverTaskStructure(states, tasks, { ...base, rule: 'clique', correction: 'none' }, call);
    // {0, 1, 2}: strong 02 and 12 outweigh the missed 01; segment 3 is outvoted by 03 and 13.
    assert.deepEqual(clique.relation.map((row) => row[0]), [1, 1, 1, 0]);
    // Bonferroni over 6 tests drops the pair (2, 3) at p = 0.01 for the union rule too.
    const bonf = await discoverTaskStructure(states, tasks, { ...base, rule: 'union', correction: 'bonferroni' }, call);
    assert.deepEqual(bonf.relation.map((row) => row[0]), [1, 1, 1, 0]);
    assert.equal(union.pValues[0][2][3], 0.01);
    assert.equal(union.pValues[0][3][2], 0.01);
    assert.equal(union.pValues[0][1][1], null);
    assert.deepEqual(union.stepTasks.map((row) => row[0]), [1, 1, 1, 1, 1, 1, 1, 1]);
    assert.deepEqual(clique.stepTasks.map((row) => row[0]), [1, 1, 1, 1, 1, 1, 0, 0]);
  });

  it('cliqueRule and unionRule on hand-made weights', () => {
    const w = (pairs: Record<string, number>, n: number) => {
      const out = new Float64Array(n * n).fill(NaN);
      for (const [key, value] of Object.entries(pairs)) {
        const [a, b] = [Number(key[0]), Number(key[1])];
        out[a * n + b] = out[b * n + a] = value;
      }
      return out;
    };
    assert.deepEqual(cliqueRule(3, w({ '01': -1, '02': -1, '12': -1 }, 3)), []);
    assert.deepEqual(cliqueRule(3, w({ '01': 2, '02': -3, '12': -3 }, 3)), [0, 1]);
    assert.deepEqual(cliqueRule(4, w({ '01': 5, '02': 5, '12': -1, '03': -4, '13': -4, '23': 1 }, 4)), [0, 1, 2]);
    assert.deepEqual(unionRule(4, (k, v) => `${k}${v}` === '13'), [1, 3]);
    // Beyond the exact search (more than 16 candidates) the greedy search still finds a planted clique.
    const n = 20;
    const big = new Float64Array(n * n).fill(-2);
    const members = [1, 4, 7, 9, 15, 18];
    for (const a of members) for (const b of members) big[a * n + b] = 3;
    for (let k = 0; k < n; k++) big[k * n + ((k + 1) % n)] = big[((k + 1) % n) * n + k] = members.includes(k) && members.includes((k + 1) % n) ? 3 : 0.5;
    assert.deepEqual(cliqueRule(n, big), members);
  });

  it('dropTail ignores the last steps; stepTasks and droppedSteps say so', async () => {
    const { states, tasks } = arrays(40, 9, 1, 1, 1);
    await expectCode(() => discoverTaskStructure(states, tasks, { segmentLength: 2 }, { kernels: runtime }), 'INVALID_ARGUMENT', 'dropTail');
    const r = await discoverTaskStructure(states, tasks, { segmentLength: 2, dropTail: true, method: 'direct' }, { ciTest: recordingTest(() => 1e-9), kernels: runtime });
    assert.deepEqual(r.droppedSteps, [8]);
    assert.equal(r.stepTasks.length, 9);
    assert.deepEqual(r.stepTasks.map((row) => row[0]), [1, 1, 1, 1, 1, 1, 1, 1, 0]);
    assert.equal(r.segments, 4);
  });

  it('honours the abort signal and reports progress up to the total', async () => {
    const { states, tasks } = arrays(40, 8, 1, 2, 1);
    const seen: [number, number][] = [];
    const r = await discoverTaskStructure(states, tasks, { segmentLength: 2, method: 'pairwise' }, { kernels: runtime, onProgress: ({ done: d, total: t }) => seen.push([d, t]) });
    assert.deepEqual(seen.at(-1), [r.tests, r.tests]);
    const controller = new AbortController();
    controller.abort('stop');
    await expectCode(() => discoverTaskStructure(states, tasks, { segmentLength: 2 }, { kernels: runtime, signal: controller.signal }), 'ABORTED');
    const later = new AbortController();
    const test = recordingTest(() => (later.abort('mid-run'), 0.5));
    await expectCode(() => discoverTaskStructure(states, tasks, { segmentLength: 2 }, { ciTest: test, kernels: runtime, signal: later.signal }), 'ABORTED', 'mid-run');
    assert.equal(test.queries.length, 1);
    // A progress callback that throws stops the run with a typed error naming it; the runtime stays usable.
    const broken = () => {
      throw new Error('display gone');
    };
    await expectCode(() => discoverTaskStructure(states, tasks, { segmentLength: 2 }, { kernels: runtime, onProgress: broken }), 'CALLBACK_FAILED', 'onProgress threw: display gone');
    assert.equal(runtime.memory.bytesInUse, 0);
    const again = await discoverTaskStructure(states, tasks, { segmentLength: 2, method: 'pairwise' }, { kernels: runtime });
    assert.deepEqual(again.relation, r.relation);
  });
});

/**
 * A linear world built here, independently of src/synthetic: a_t = 0.6 s_t + e,
 * s_{t+1} = 0.3 s_t + 0.8 a_t + e, g_i = sum of the actions of its segments + 0.5 e.
 * All effects positive, so no two paths cancel. `confound` adds a hidden common cause to the
 * representatives of segments 0 and 3 (violating the model).
 */
function handWorld(n: number, relation: number[][], seed: number, confound = false) {
  const T = 8, L = 2, M = relation[0].length;
  const rng = createRng(seed);
  const states = new Float32Array(n * T);
  const tasks = new Float32Array(n * M);
  for (let e = 0; e < n; e++) {
    const u = rng.normal();
    let s = rng.normal();
    const g = new Array<number>(M).fill(0);
    for (let t = 0; t < T; t++) {
      if (confound && (t === 1 || t === 7)) s += u;
      states[e * T + t] = s;
      const a = 0.6 * s + rng.normal();
      for (let i = 0; i < M; i++) if (relation[Math.floor(t / L)][i]) g[i] += a;
      s = 0.3 * s + 0.8 * a + rng.normal();
    }
    for (let i = 0; i < M; i++) tasks[e * M + i] = g[i] + 0.5 * rng.normal();
  }
  return { states: { data: states, shape: [n, T] }, tasks: { data: tasks, shape: [n, M] } };
}

describe('Theorem 1 on linear worlds with known truth (Fisher z)', () => {
  let runtime: KernelRuntime;
  before(async () => {
    runtime = await KernelRuntime.create();
  });
  // Task 0 on segments {0, 2}, task 1 on {1, 2, 3} (overlapping at 2), task 2 on segment 1 only.
  const truth = [[1, 0, 0], [0, 1, 1], [1, 1, 0], [0, 1, 0]];

  it('pairwise tests recover every task on two or more segments and report the single-segment task as undetectable', async () => {
    const { states, tasks } = handWorld(20000, truth, 7);
    for (const rule of ['union', 'clique'] as const) {
      const r = await discoverTaskStructure(states, tasks, { segmentLength: 2, method: 'pairwise', rule, correction: 'bonferroni' }, { kernels: runtime });
      assert.deepEqual(r.relation, [[1, 0, 0], [0, 1, 0], [1, 1, 0], [0, 1, 0]], rule);
      assert.deepEqual(r.undetectable, [2]);
      assert.deepEqual(r.diagnostic?.dependentPairs, []);
      assert.equal(r.test, 'fisherz');
    }
  });

  it('the direct tests recover the whole relation, the single-segment task included', async () => {
    const { states, tasks } = handWorld(20000, truth, 8);
    const r = await discoverTaskStructure(states, tasks, { segmentLength: 2, method: 'direct' }, { kernels: runtime });
    assert.deepEqual(r.relation, truth);
    assert.deepEqual(r.undetectable, []);
    assert.ok(r.directPValues[2][1]! < 1e-6 && r.pValues[0][0][1] === null);
  });

  it('the diagnostic reports a pair made dependent by a hidden common cause', async () => {
    const { states, tasks } = handWorld(5000, truth, 9, true);
    const r = await discoverTaskStructure(states, tasks, { segmentLength: 2 }, { kernels: runtime });
    assert.deepEqual(r.diagnostic?.dependentPairs, [[0, 3]]);
    assert.ok(r.diagnostic!.pValues[0][3]! < 1e-6);
  });

  it("d = 2, dg = 2 (Wilks' lambda, Rao's F): both methods recover a generator world", async () => {
    const w = linearColliderWorld({ episodes: 5000, steps: 8, tasks: 2, dim: 2, taskDim: 2, seed: 1 });
    const states = { data: w.states, shape: w.shapes.states };
    const tasks = { data: w.tasks, shape: w.shapes.tasks };
    const truth = { data: w.relation, shape: w.shapes.relation };
    for (const method of ['direct', 'pairwise'] as const) {
      const r = await discoverTaskStructure(states, tasks, { segmentLength: 2, method }, { kernels: runtime });
      assert.equal(structureMetrics(r.relation, truth).accuracy, 1, method);
    }
  });

  it('the generator linear world at n = 10,000 (T = 12, M = 2): direct tests agree with the truth on most cells', async () => {
    let accuracy = 0;
    for (const seed of [1, 2, 3]) {
      const w = linearColliderWorld({ episodes: 10000, steps: 12, tasks: 2, seed });
      const r = await discoverTaskStructure({ data: w.states, shape: w.shapes.states }, { data: w.tasks, shape: w.shapes.tasks }, { segmentLength: 2 }, { kernels: runtime });
      accuracy += structureMetrics(r.relation, { data: w.relation, shape: w.shapes.relation }).accuracy / 3;
    }
    assert.ok(accuracy >= 0.85, `mean accuracy ${accuracy}`);
  });
});

describe('discoverTaskStructure: bad input gets typed errors that name the problem', () => {
  let runtime: KernelRuntime;
  before(async () => {
    runtime = await KernelRuntime.create();
  });
  const opts = (extra: Partial<StructureOptions> = {}): StructureOptions => ({ segmentLength: 2, ...extra });

  it('shapes', async () => {
    const { states, tasks } = arrays(40, 8, 1, 2, 1);
    await expectCode(() => discoverTaskStructure({ data: states.data, shape: [40, 7] }, tasks, opts()), 'SHAPE_MISMATCH', 'holds 320');
    await expectCode(() => discoverTaskStructure({ data: states.data, shape: [320] }, tasks, opts()), 'SHAPE_MISMATCH', 'expected [n, T');
    await expectCode(() => discoverTaskStructure(states, { data: tasks.data, shape: [20, 4] }, opts()), 'SHAPE_MISMATCH', '40 episodes but tasks hold 20');
    await expectCode(() => discoverTaskStructure({ data: [1, 2] as unknown as Float32Array, shape: [1, 2] }, tasks, opts()), 'INVALID_ARGUMENT', 'Float32Array');
  });

  it('NaN and constant columns name episode, step and dim', async () => {
    const { states, tasks } = arrays(40, 8, 2, 2, 1);
    states.data[(5 * 8 + 3) * 2 + 1] = NaN;
    const nan = await expectCode(() => discoverTaskStructure(states, tasks, opts()), 'NON_FINITE', 'episode 5, step 3, dim 1');
    assert.deepEqual([nan.details.episode, nan.details.step, nan.details.dim], [5, 3, 1]);
    states.data[(5 * 8 + 3) * 2 + 1] = 0;
    tasks.data[7 * 2 + 1] = Infinity;
    await expectCode(() => discoverTaskStructure(states, tasks, opts()), 'NON_FINITE', 'episode 7, task 1');
    tasks.data[7 * 2 + 1] = 0;
    for (let e = 0; e < 40; e++) states.data[(e * 8 + 6) * 2] = 3;
    const constant = await expectCode(() => discoverTaskStructure(states, tasks, opts()), 'INVALID_ARGUMENT', 'step 6, dim 0 is constant');
    assert.equal(constant.details.reason, 'constant-column');
  });

  it('too few episodes, L < 2, too few segments', async () => {
    const one = arrays(1, 8, 1, 1, 1);
    await expectCode(() => discoverTaskStructure(one.states, one.tasks, opts()), 'INVALID_ARGUMENT', 'One episode');
    const few = arrays(8, 8, 1, 1, 1);
    const e = await expectCode(() => discoverTaskStructure(few.states, few.tasks, opts({ method: 'pairwise' })), 'INVALID_ARGUMENT', 'too few');
    // Largest test: segments 0 and 2, x + y given band {0, 2, 4, 6} + g: Fisher z on 5 conditioning
    // columns needs n - 5 - 3 >= 1, so 9 episodes.
    assert.equal(e.details.needed, 9);
    const { states, tasks } = arrays(40, 8, 1, 1, 1);
    await expectCode(() => discoverTaskStructure(states, tasks, opts({ segmentLength: 1 })), 'INVALID_ARGUMENT', 'segmentLength must be an integer >= 2');
    await expectCode(() => discoverTaskStructure(states, tasks, opts({ segmentLength: 8, method: 'pairwise' })), 'INVALID_ARGUMENT', 'needs at least 2');
  });

  it('bad options', async () => {
    const { states, tasks } = arrays(40, 8, 1, 1, 1);
    await expectCode(() => discoverTaskStructure(states, tasks, opts({ alpha: 0 })), 'INVALID_ARGUMENT', 'alpha');
    await expectCode(() => discoverTaskStructure(states, tasks, opts({ method: 'both' as never })), 'INVALID_ARGUMENT', 'method must be one of');
    await expectCode(() => discoverTaskStructure(states, tasks, opts({ correction: 'holm' as never })), 'INVALID_ARGUMENT', 'correction');
    await expectCode(() => discoverTaskStructure(states, tasks, opts({ rule: 'any' as never })), 'INVALID_ARGUMENT', 'rule');
    await expectCode(() => discoverTaskStructure(states, tasks, opts({ test: 'kci' as never })), 'INVALID_ARGUMENT', 'test must be');
    // Live objects belong in the call options, and must be what they claim.
    await expectCode(() => discoverTaskStructure(states, tasks, opts({ test: recordingTest() as never })), 'INVALID_ARGUMENT', 'call options (ciTest)');
    await expectCode(() => discoverTaskStructure(states, tasks, opts({ test: 'fisherz' }), { ciTest: recordingTest() }), 'INVALID_ARGUMENT', 'not both');
    await expectCode(() => discoverTaskStructure(states, tasks, opts(), { ciTest: {} as never }), 'INVALID_ARGUMENT', 'ciTest must be');
    await expectCode(() => discoverTaskStructure(states, tasks, opts(), { kernels: {} as never }), 'INVALID_ARGUMENT', 'kernels must be a KernelRuntime');
  });
});

describe("test: 'cmiknn' runs through the same pipeline", () => {
  it('small direct run on a chain', async () => {
    const runtime = await KernelRuntime.create();
    const w = linearColliderWorld({ episodes: 300, steps: 6, tasks: 2, seed: 3 });
    const r = await discoverTaskStructure({ data: w.states, shape: w.shapes.states }, { data: w.tasks, shape: w.shapes.tasks }, { segmentLength: 2, test: { name: 'cmiknn', options: { knn: 10, permutations: 19 } }, diagnostic: false }, { kernels: runtime });
    assert.equal(r.test, 'cmiknn');
    for (const p of r.directPValues.flat()) assert.ok(p !== null && p > 0 && p <= 1);
  });
});
