// From the tests' p-values to the answer: the multiple-testing correction over the run, then per
// task the segments it serves ('direct': each rejected test; 'pairwise': the union or clique rule
// over rejected pairs), per-step labels, and the diagnostic's dependent pairs.
import { adjustPValues, type Correction } from '../stats/multiple-testing.ts';
import { representative } from './band.ts';
import type { AlignmentCheck } from './alignment.ts';
import type { TestChoice } from './choose-test.ts';
import type { CiResult } from './ci-test.ts';
import type { Layout } from './input.ts';
import type { DirectConditioning, ResolvedStructureOptions, StructureMethod, StructureRule } from './options.ts';
import type { Planned } from './plan.ts';
import { cliqueRule, pairWeight, unionRule } from './rules.ts';

export type Cube = (number | null)[][][];
export type Grid = (number | null)[][];

/**
 * What discoverTaskStructure found: the segment-task relation, the p-values behind it, the
 * settings used, warnings and timings.
 */
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
  pValues: (number | null)[][][];
  /** Statistics matching pValues (Fisher z: z for d = dg = 1, else Rao's F; RCoT: n ||C||_F^2; kNN-CMI: the CMI estimate). */
  statistics: (number | null)[][][];
  /** 'direct': M x N raw p-values of s_{r_k} vs g_i (all null for 'pairwise'). */
  directPValues: (number | null)[][];
  directStatistics: (number | null)[][];
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
  diagnostic: { pValues: (number | null)[][]; statistics: (number | null)[][]; dependentPairs: [number, number][] } | null;
  /**
   * How each step's states were reduced before the tests (the principal components the data
   * support; docs/structure.md, "Reduction"), or null when the tests ran on the states as given.
   */
  reduction: {
    /** Numbers per step in the data. */
    width: number;
    /** Principal components per step the tests ran on. */
    components: number;
    /** Components the spectrum supports: the numerical rank (narrow steps) or those with at least 1% of the largest variance (wide). */
    supported: number;
    /** Share of the states' variance (pooled over steps, on the pilot rows) that the kept components hold. */
    varianceKept: number;
    /** (episode, step) rows the components were fitted on. */
    pilotRows: number;
    /** Why, in words. */
    reason: string;
  } | null;
  /** With test: 'auto', which test ran and why (null otherwise). */
  testChoice: TestChoice | null;
  /**
   * The alignment check (alignmentCheck, on by default with method 'direct'): the segments' other
   * steps tested like their representatives, and the steps that disagree, which mean segments that
   * do not line up with where the tasks change (docs/structure.md). Null when it did not run.
   */
  alignment: AlignmentCheck | null;
  /**
   * What the run found doubtful about its own answer (each a sentence): duplicated episodes, too
   * few episodes for the width of its tests, kNN-CMI with many conditioning columns, segments that
   * do not line up with the tasks. Empty when nothing was found.
   */
  warnings: string[];
  /** CI tests run (main + diagnostic; the alignment check's are in `alignment.tests`). */
  tests: number;
  timings: { validateMs: number; prepareMs: number; testsMs: number; diagnosticMs: number; decideMs: number; alignmentMs: number };
  elapsedMs: number;
}

function nullCube(M: number, N: number): Cube {
  return Array.from({ length: M }, () => Array.from({ length: N }, () => new Array<number | null>(N).fill(null)));
}

function nullGrid(rows: number, cols: number): Grid {
  return Array.from({ length: rows }, () => new Array<number | null>(cols).fill(null));
}

export type Decided = Omit<StructureResult, 'reduction' | 'testChoice' | 'alignment' | 'warnings' | 'tests' | 'timings' | 'elapsedMs'>;

export function decide(
  layout: Layout,
  opts: ResolvedStructureOptions & { conditioning: DirectConditioning },
  main: Planned[],
  results: CiResult[],
  diagPlan: Planned[],
  diagResults: CiResult[],
): Decided {
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
