// Which segments of an episode serve which task (method.md section 2; docs/structure.md).
//
// method 'pairwise' is the paper's Algorithm 1: for task i and segments k < v, test
// s_{r_k} _||_ s_{r_v} | band(k, v) + g_i; dependence marks the pair (Theorem 1).
// method 'direct' tests s_{r_k} _||_ g_i | {s_{r_k - 1}, s_{r_k + 1}} for each task and segment.
// All data go into one matrix that the CI test prepares once; every test is a query by columns.

import { SpecialistError, throwIfAborted } from '../core/errors.ts';
import { checkpoint, type CallOptions } from '../core/call-options.ts';
import type { Matrix } from '../core/tensor.ts';
import { KernelRuntime } from '../kernels/runtime.ts';
import { adjustPValues, CORRECTIONS, type Correction } from '../stats/multiple-testing.ts';
import type { WorkerPool } from '../worker/pool.ts';
import { bandSteps, directSteps, representative, wideSteps } from './band.ts';
import type { CiQuery, CiResult, CiTest, PreparedCiTest } from './ci-test.ts';
import type { CiTestSpec } from './ci/builtins.ts';
import { cmiKnn, type CmiKnnOptions } from './ci/cmi-knn.ts';
import { fisherZ } from './ci/fisher-z.ts';
import { assemble, planLayout, stepColumns, taskColumns, type ArrayNd, type Layout } from './input.ts';
import { runCiTestsOnPool } from './parallel.ts';
import { cliqueRule, pairWeight, unionRule } from './rules.ts';

export type StructureMethod = 'pairwise' | 'direct';
export type StructureRule = 'union' | 'clique';
export type DirectConditioning = 'neighbours' | 'all-states';

export interface StructureOptions {
  /** Segment length L >= 2; T must be a multiple of it unless `dropTail`. */
  segmentLength: number;
  /** Default 'direct' (see docs/structure.md for the measurements behind it). */
  method?: StructureMethod;
  /** 'fisherz' (default), 'cmiknn', or your own CiTest. */
  test?: 'fisherz' | 'cmiknn' | CiTest;
  /** Level of each decision after the correction. Default 0.05. */
  alpha?: number;
  /** Multiple-testing correction over all tests of the run. Default 'bh'. */
  correction?: Correction;
  /**
   * Conditioning set of the direct test (method 'direct' only): 'neighbours', {s_{r-1}, s_{r+1}};
   * 'all-states', every used step but s_r. Both are valid (docs/structure.md); the wider set leaves
   * less of g_i unexplained and so has more power with Fisher z, while a kNN estimator loses power
   * (and level) in many conditioning dimensions. Default: 'all-states' with Fisher z when that set
   * has at most 100 columns and at most n / 20 ((T - 1) d, T the used steps), else 'neighbours';
   * 'neighbours' for kNN-CMI and user-supplied tests. The result says which was used.
   */
  conditioning?: DirectConditioning;
  /** How pairwise decisions become segment sets (method 'pairwise' only). Default 'clique'. */
  rule?: StructureRule;
  /** Ignore the last T mod L steps instead of failing. Default false. */
  dropTail?: boolean;
  /** Also test the representatives without any task variable (see StructureResult.diagnostic). Default true. */
  diagnostic?: boolean;
  /** Seed for the CI test's randomness. Default 0. */
  seed?: number;
  /** kNN-CMI: neighbours k, an integer or a fraction of n. */
  knn?: number;
  /** kNN-CMI: permutations of the local null. */
  permutations?: number;
  /** kNN-CMI: neighbourhood size of the local permutation. */
  shuffleNeighbors?: number;
  /** Kernel runtime to run the tests on. Default: one shared runtime, created on first use. */
  runtime?: KernelRuntime;
  /**
   * A worker pool to spread the kNN-CMI tests of the run over (each worker prepares the data once
   * and runs its share). Results are identical to a run in this thread: every test's randomness
   * derives from the seed and its own columns. Fisher z and user-supplied tests ignore it and run
   * here. Default: none, every test in this thread.
   */
  pool?: WorkerPool;
}

type Cube = (number | null)[][][];
type Grid = (number | null)[][];

export interface StructureResult {
  method: StructureMethod;
  test: string;
  alpha: number;
  correction: Correction;
  rule: StructureRule;
  /** Conditioning set of the direct tests (reported for 'pairwise' too, where it is unused). */
  conditioning: DirectConditioning;
  segments: number;
  segmentLength: number;
  /** 0-based step of each segment's representative (its last step; r_k = kL in 1-based terms). */
  representatives: number[];
  /** 0-based steps past the last whole segment, ignored with `dropTail`. */
  droppedSteps: number[];
  /** N x M, 1 where segment k serves task i. */
  relation: number[][];
  /** T x M, each step labelled as its segment (dropped steps 0). */
  stepTasks: number[][];
  /** 'pairwise': M x N x N raw p-values, symmetric, null on the diagonal (all null for 'direct'). */
  pValues: Cube;
  /** Statistics matching pValues (Fisher z: z for d = dg = 1, else Bartlett's chi-square). */
  statistics: Cube;
  /** 'direct': M x N raw p-values of s_{r_k} vs g_i (all null for 'pairwise'). */
  directPValues: Grid;
  directStatistics: Grid;
  /**
   * Tasks (0-based) with no segment found. With 'pairwise' this is all that is knowable: a task
   * serving a single segment leaves no dependent pair, so it looks exactly like a task serving
   * none. 'direct' can find single-segment tasks; there it means no effect was detected.
   */
  undetectable: number[];
  /**
   * Representatives tested pairwise given the band set only, without any task variable. Under the
   * model every such pair is independent (every task is an unconditioned collider), so a dependent
   * pair means a violated assumption (a path the band does not block, e.g. effects that skip a
   * step, or a hidden common cause) or a false positive. Decided at alpha with the same correction
   * over its own N(N-1)/2 tests. Null when turned off.
   */
  diagnostic: { pValues: Grid; statistics: Grid; dependentPairs: [number, number][] } | null;
  /** CI tests run (main + diagnostic). */
  tests: number;
  timings: { validateMs: number; prepareMs: number; testsMs: number; diagnosticMs: number; decideMs: number };
  elapsedMs: number;
}

const METHODS: readonly StructureMethod[] = ['pairwise', 'direct'];
const RULES: readonly StructureRule[] = ['union', 'clique'];
const CONDITIONINGS: readonly DirectConditioning[] = ['neighbours', 'all-states'];

interface Resolved {
  method: StructureMethod;
  test: CiTest;
  /** Where the tests run when not in this thread. */
  pool: { pool: WorkerPool; spec: CiTestSpec } | undefined;
  alpha: number;
  correction: Correction;
  rule: StructureRule;
  /** As given; undefined: chosen by defaultConditioning once the shapes are known. */
  conditioning: DirectConditioning | undefined;
  dropTail: boolean;
  diagnostic: boolean;
  seed: number;
}

function oneOf<T extends string>(name: string, value: T | undefined, allowed: readonly T[], fallback: T): T {
  const v = value ?? fallback;
  if (!allowed.includes(v)) {
    throw new SpecialistError('INVALID_ARGUMENT', `${name} must be one of ${allowed.join(', ')}, got ${String(v)}`, { argument: name, value: v });
  }
  return v;
}

/** The kNN-CMI options a run passes on; `alpha` sizes its permutation budget and early stop. */
function cmiKnnOptions(options: StructureOptions, alpha: number): CmiKnnOptions {
  const passed: CmiKnnOptions = { alpha };
  if (options.knn !== undefined) passed.knn = options.knn;
  if (options.permutations !== undefined) passed.permutations = options.permutations;
  if (options.shuffleNeighbors !== undefined) passed.shuffleNeighbors = options.shuffleNeighbors;
  return passed;
}

/** The test, and its plain description when it is a built-in that workers can rebuild. */
function resolveTest(options: StructureOptions, alpha: number): { test: CiTest; spec?: CiTestSpec } {
  const test = options.test ?? 'fisherz';
  if (test === 'fisherz') return { test: fisherZ(), spec: { name: 'fisherz' } };
  if (test === 'cmiknn') {
    const passed = cmiKnnOptions(options, alpha);
    return { test: cmiKnn(passed), spec: { name: 'cmiknn', options: passed } };
  }
  if (typeof test === 'object' && test !== null && typeof test.prepare === 'function' && typeof test.name === 'string') return { test };
  throw new SpecialistError('INVALID_ARGUMENT', `test must be 'fisherz', 'cmiknn' or a CiTest object { name, prepare }, got ${String(test)}`, { argument: 'test' });
}

function resolveOptions(options: StructureOptions): Resolved {
  if (!options || typeof options !== 'object') {
    throw new SpecialistError('INVALID_ARGUMENT', 'options must be an object with at least segmentLength', { argument: 'options' });
  }
  const alpha = options.alpha ?? 0.05;
  if (!(alpha > 0 && alpha < 1)) throw new SpecialistError('INVALID_ARGUMENT', `alpha must be in (0, 1), got ${alpha}`, { argument: 'alpha', value: alpha });
  const seed = options.seed ?? 0;
  if (!Number.isFinite(seed)) throw new SpecialistError('INVALID_ARGUMENT', `seed must be a finite number, got ${seed}`, { argument: 'seed', value: seed });
  const pool = options.pool;
  if (pool !== undefined && (pool === null || typeof (pool as Partial<WorkerPool>).runCiBatch !== 'function')) {
    throw new SpecialistError('INVALID_ARGUMENT', 'pool must be a WorkerPool (from WorkerPool.create())', { argument: 'pool' });
  }
  const { test, spec } = resolveTest(options, alpha);
  return {
    method: oneOf('method', options.method, METHODS, 'direct'),
    test,
    // Only kNN-CMI goes to the workers: a Fisher z test is a small solve on a covariance built
    // once (~5 ms for a whole run), less than shipping the data; user tests cannot cross threads.
    pool: pool && spec?.name === 'cmiknn' ? { pool, spec } : undefined,
    alpha,
    correction: oneOf('correction', options.correction, CORRECTIONS, 'bh'),
    rule: oneOf('rule', options.rule, RULES, 'clique'),
    conditioning: options.conditioning === undefined ? undefined : oneOf('conditioning', options.conditioning, CONDITIONINGS, 'neighbours'),
    dropTail: options.dropTail ?? false,
    diagnostic: options.diagnostic ?? true,
    seed,
  };
}

/** Most columns the default 'all-states' set may have: beyond it, and beyond n / 20, 'neighbours'. */
const WIDE_DEFAULT_COLUMNS = 100;

/**
 * The default conditioning of the direct test: all states with Fisher z while that set is small
 * (its cost is a Cholesky of its size per test, and each column costs a degree of freedom), else
 * the neighbours; always the neighbours for kNN-CMI and user tests (docs/structure.md).
 */
function defaultConditioning(layout: Layout, test: CiTest): DirectConditioning {
  const columns = (layout.usedSteps - 1) * layout.dim;
  return test.name === 'fisherz' && columns <= Math.min(WIDE_DEFAULT_COLUMNS, layout.episodes / 20) ? 'all-states' : 'neighbours';
}

/** One planned test: which question, and where its answer goes. */
interface Planned {
  query: CiQuery;
  task: number;
  k: number;
  v: number;
}

function plan(layout: Layout, method: StructureMethod, conditioning: DirectConditioning): { main: Planned[]; diagnostic: Planned[] } {
  const { segments: N, usedSteps: T, segmentLength: L, tasks: M } = layout;
  const rep = (k: number) => stepColumns(layout, representative(k, L));
  const steps = (list: number[]) => list.flatMap((t) => stepColumns(layout, t));
  const main: Planned[] = [];
  const diagnostic: Planned[] = [];
  for (let k = 0; k < N; k++) {
    for (let v = k + 1; v < N; v++) diagnostic.push({ query: { x: rep(k), y: rep(v), z: steps(bandSteps(k, v, T, L)) }, task: -1, k, v });
  }
  for (let i = 0; i < M; i++) {
    if (method === 'pairwise') {
      for (const d of diagnostic) main.push({ query: { ...d.query, z: [...d.query.z, ...taskColumns(layout, i)] }, task: i, k: d.k, v: d.v });
    } else {
      const given = conditioning === 'all-states' ? wideSteps : directSteps;
      for (let k = 0; k < N; k++) main.push({ query: { x: rep(k), y: taskColumns(layout, i), z: steps(given(k, T, L)) }, task: i, k, v: -1 });
    }
  }
  return { main, diagnostic };
}

/** Fewest episodes for the largest test of the plan: the columns involved plus three. */
function checkEpisodes(layout: Layout, planned: Planned[]): void {
  const largest = planned.reduce((m, p) => Math.max(m, p.query.x.length + p.query.y.length + p.query.z.length), 0);
  const needed = largest + 3;
  if (layout.episodes < needed) {
    throw new SpecialistError('INVALID_ARGUMENT', `${layout.episodes} episodes are too few: the largest test involves ${largest} columns and needs at least ${needed} episodes`, {
      argument: 'states',
      reason: 'too-few-episodes',
      episodes: layout.episodes,
      needed,
    });
  }
}

let sharedRuntime: Promise<KernelRuntime> | undefined;
let queue: Promise<unknown> = Promise.resolve();

/** Runs `body` on the caller's runtime, or on the shared default one, one call at a time (runs may stage data in its memory). */
async function withRuntime<T>(given: KernelRuntime | undefined, body: (runtime: KernelRuntime) => Promise<T>): Promise<T> {
  if (given) return body(given);
  sharedRuntime ??= KernelRuntime.create();
  const runtime = await sharedRuntime;
  const run = queue.then(() => body(runtime));
  queue = run.catch(() => undefined);
  return run;
}

/** Lets timers and abort events run during long runs (kNN-CMI), without slowing short ones. */
function makeYielder(): () => Promise<void> | undefined {
  let last = performance.now();
  return () => {
    const now = performance.now();
    if (now - last < 25) return undefined;
    last = now;
    return new Promise((resolve) => setTimeout(resolve, 0));
  };
}

async function runAll(
  prepared: PreparedCiTest,
  planned: Planned[],
  family: number,
  call: CallOptions,
  progress: { done: number; total: number },
  yieldNow: () => Promise<void> | undefined,
): Promise<CiResult[]> {
  const results: CiResult[] = [];
  for (const p of planned) {
    results.push(prepared.test(p.query, { signal: call.signal, family }));
    progress.done++;
    checkpoint(call, progress.done, progress.total);
    const pause = yieldNow();
    if (pause) await pause;
  }
  return results;
}

function nullCube(M: number, N: number): Cube {
  return Array.from({ length: M }, () => Array.from({ length: N }, () => new Array<number | null>(N).fill(null)));
}

function nullGrid(rows: number, cols: number): Grid {
  return Array.from({ length: rows }, () => new Array<number | null>(cols).fill(null));
}

/**
 * Finds which segments serve which task. `states` is [n, T, d] or [n, T] (d = 1), `tasks` is
 * [n, M, dg] or [n, M] (dg = 1); one row per episode.
 */
export async function discoverTaskStructure(states: ArrayNd, tasks: ArrayNd, options: StructureOptions, call: CallOptions = {}): Promise<StructureResult> {
  const started = performance.now();
  throwIfAborted(call.signal);
  const opts = resolveOptions(options);
  const layout = planLayout(states, tasks, { segmentLength: options.segmentLength, dropTail: opts.dropTail, minSegments: opts.method === 'pairwise' ? 2 : 1 });
  const conditioning = opts.conditioning ?? defaultConditioning(layout, opts.test);
  const { main, diagnostic } = plan(layout, opts.method, conditioning);
  const diagnosticPlan = opts.diagnostic ? diagnostic : [];
  checkEpisodes(layout, [...main, ...diagnosticPlan]);
  const data = assemble(states, tasks, layout);
  const validateMs = performance.now() - started;

  const progress = { done: 0, total: main.length + diagnosticPlan.length };
  const family = (count: number) => (opts.correction === 'none' ? 1 : count);
  const finish = async (prepareMs: number, run: (planned: Planned[], family: number) => Promise<CiResult[]>): Promise<StructureResult> => {
    checkpoint(call, 0, progress.total);
    const t1 = performance.now();
    const mainResults = await run(main, family(main.length));
    const t2 = performance.now();
    const diagResults = await run(diagnosticPlan, family(diagnosticPlan.length));
    const t3 = performance.now();
    const result = decide(layout, { ...opts, conditioning }, main, mainResults, diagnosticPlan, diagResults);
    const t4 = performance.now();
    return {
      ...result,
      tests: main.length + diagnosticPlan.length,
      timings: { validateMs, prepareMs, testsMs: t2 - t1, diagnosticMs: t3 - t2, decideMs: t4 - t3 },
      elapsedMs: t4 - started,
    };
  };

  if (opts.pool) {
    const { pool, spec } = opts.pool;
    // Each worker prepares the data itself: that time is part of testsMs here.
    return finish(0, (planned, fam) => runOnPool(pool, spec, data, planned, fam, opts.seed, call, progress));
  }
  return withRuntime(options.runtime, async (runtime) => {
    const t0 = performance.now();
    const prepared = opts.test.prepare(data, { runtime, seed: opts.seed, signal: call.signal });
    try {
      const yieldNow = makeYielder();
      return await finish(performance.now() - t0, (planned, fam) => runAll(prepared, planned, fam, call, progress, yieldNow));
    } finally {
      prepared.dispose?.();
    }
  });
}

/** Runs a batch of planned tests on the pool, reporting progress within the run's total. */
async function runOnPool(
  pool: WorkerPool,
  spec: CiTestSpec,
  data: Matrix,
  planned: Planned[],
  family: number,
  seed: number,
  call: CallOptions,
  progress: { done: number; total: number },
): Promise<CiResult[]> {
  if (planned.length === 0) return [];
  const base = progress.done;
  let last = base;
  const results = await runCiTestsOnPool(
    pool,
    spec,
    data,
    planned.map((p) => p.query),
    {
      seed,
      family,
      signal: call.signal,
      onProgress: (done) => {
        if (base + done <= last) return;
        last = base + done;
        call.onProgress?.(last, progress.total);
      },
    },
  );
  progress.done = base + planned.length;
  if (last < progress.done) checkpoint(call, progress.done, progress.total);
  else throwIfAborted(call.signal);
  return results;
}

type Decided = Omit<StructureResult, 'tests' | 'timings' | 'elapsedMs'>;

function decide(layout: Layout, opts: Resolved & { conditioning: DirectConditioning }, main: Planned[], results: CiResult[], diagPlan: Planned[], diagResults: CiResult[]): Decided {
  const { segments: N, tasks: M, steps: T, segmentLength: L, usedSteps } = layout;
  const { alpha, correction } = opts;
  const adjusted = adjustPValues(results.map((r) => r.pValue), correction);
  const pValues = nullCube(M, N);
  const statistics = nullCube(M, N);
  const directPValues = nullGrid(M, N);
  const directStatistics = nullGrid(M, N);
  const members: number[][] = Array.from({ length: M }, () => []);

  if (opts.method === 'pairwise') {
    const weights = Array.from({ length: M }, () => new Float64Array(N * N).fill(NaN));
    main.forEach((p, j) => {
      const { task: i, k, v } = p;
      pValues[i][k][v] = pValues[i][v][k] = results[j].pValue;
      statistics[i][k][v] = statistics[i][v][k] = results[j].statistic;
      weights[i][k * N + v] = weights[i][v * N + k] = pairWeight(adjusted[j], alpha);
    });
    for (let i = 0; i < M; i++) {
      members[i] = opts.rule === 'union' ? unionRule(N, (k, v) => weights[i][k * N + v] >= 0) : cliqueRule(N, weights[i]);
    }
  } else {
    main.forEach((p, j) => {
      directPValues[p.task][p.k] = results[j].pValue;
      directStatistics[p.task][p.k] = results[j].statistic;
      if (adjusted[j] <= alpha) members[p.task].push(p.k);
    });
  }

  const relation = Array.from({ length: N }, () => new Array<number>(M).fill(0));
  members.forEach((ks, i) => ks.forEach((k) => (relation[k][i] = 1)));
  const stepTasks = Array.from({ length: T }, (_, t) => (t < usedSteps ? [...relation[Math.floor(t / L)]] : new Array<number>(M).fill(0)));

  let diagnostic: Decided['diagnostic'] = null;
  if (opts.diagnostic) {
    const diagAdjusted = adjustPValues(diagResults.map((r) => r.pValue), correction);
    const dp = nullGrid(N, N);
    const ds = nullGrid(N, N);
    const dependentPairs: [number, number][] = [];
    diagPlan.forEach((p, j) => {
      dp[p.k][p.v] = dp[p.v][p.k] = diagResults[j].pValue;
      ds[p.k][p.v] = ds[p.v][p.k] = diagResults[j].statistic;
      if (diagAdjusted[j] <= alpha) dependentPairs.push([p.k, p.v]);
    });
    diagnostic = { pValues: dp, statistics: ds, dependentPairs };
  }

  return {
    method: opts.method,
    test: opts.test.name,
    alpha,
    correction,
    rule: opts.rule,
    conditioning: opts.conditioning,
    segments: N,
    segmentLength: L,
    representatives: Array.from({ length: N }, (_, k) => representative(k, L)),
    droppedSteps: Array.from({ length: T - usedSteps }, (_, j) => usedSteps + j),
    relation,
    stepTasks,
    pValues,
    statistics,
    directPValues,
    directStatistics,
    undetectable: members.flatMap((ks, i) => (ks.length === 0 ? [i] : [])),
    diagnostic,
  };
}
