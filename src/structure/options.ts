// The options of discoverTaskStructure: plain, serialisable settings with documented defaults,
// resolved and checked once. Live objects (kernel runtime, worker pool, a user's own CiTest) travel
// in the call options instead (StructureCallOptions).
import { SpecialistError } from '../core/errors.ts';
import { checkCount, checkKeys } from '../core/validate.ts';
import { isJobRunner, type JobRunner } from '../worker/job.ts';
import { KernelRuntime, type KernelCallOptions } from '../kernels/runtime.ts';
import { CORRECTIONS, type Correction } from '../stats/multiple-testing.ts';
import { ciTestFromSpec, CI_TEST_NAMES, type CiTestName, type CiTestSpec } from './ci/builtins.ts';
import type { CiTest } from './ci-test.ts';

/**
 * How Layer 1 decides a cell: 'direct' (one test per task and segment, given the neighbouring
 * steps) or 'pairwise' (the paper's Algorithm 1: tests of pairs of segments given the task).
 */
export type StructureMethod = 'pairwise' | 'direct';
/**
 * How the pairwise method turns one task's pairwise decisions into its segments: 'union' (the
 * paper: every segment of a rejected pair serves) or 'clique' (the best-supported set of mutually
 * dependent segments). Method 'pairwise' only.
 */
export type StructureRule = 'union' | 'clique';
/**
 * The direct test's conditioning set: the neighbouring steps `{ s_{r-1}, s_{r+1} }` ('neighbours')
 * or every other used step ('all-states').
 */
export type DirectConditioning = 'neighbours' | 'all-states';

/**
 * Layer 1's settings (plain and serialisable): the segment length, the method, the CI test, alpha
 * and its correction, the seed.
 */
export interface StructureOptions {
  /** Segment length L >= 2; T must be a multiple of it unless `dropTail`. */
  segmentLength: number;
  /** Default 'direct' (see docs/structure.md for the measurements behind it). */
  method?: StructureMethod;
  /**
   * The CI test: 'auto' (the default, as in the CLI and the pipeline command): Fisher z when the
   * data are close enough to linear for its level to hold, else the GCM, confirmed by RCoT
   * ('intersection') where it conditions on more than 32 columns (docs/structure.md; the
   * result's `testChoice` says which ran and why); or a
   * built-in by name ('fisherz', 'gcm', 'cmiknn', 'rcot', 'intersection'), or by name with its
   * options (e.g. `{ name: 'cmiknn', options: { permutations: 500 } }`). Your own CiTest object goes
   * in the call options (`ciTest`).
   */
  test?: CiTestName | CiTestSpec | 'auto';
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
  /**
   * Also test the segments' other steps and warn when they disagree with their representative:
   * segments that do not line up with where the tasks change (StructureResult.alignment;
   * docs/structure.md, "Segments that do not line up"). Method 'direct' only. Default true.
   */
  alignmentCheck?: boolean;
  /**
   * Each step's states before the tests: 'auto' (default) puts them on the principal components
   * the data support (a step's numerical rank; for steps wider than 64 numbers, the components
   * above 1% of the largest variance, at most one per 30 episodes), 'none' keeps them as given, a
   * number keeps that many components. Narrow states of full rank stay as they are. The result's
   * `reduction` says what ran (docs/structure.md, "Reduction").
   */
  reduction?: 'auto' | 'none' | number;
  /** Seed for the CI test's randomness. Default 0. */
  seed?: number;
}

const STRUCTURE_KEYS: Record<keyof StructureOptions, true> = {
  segmentLength: true, method: true, test: true, alpha: true, correction: true, conditioning: true, rule: true, dropTail: true, diagnostic: true, alignmentCheck: true, reduction: true, seed: true,
};

/**
 * The call options of discoverTaskStructure: the live objects of one run (kernel runtime, workers,
 * your own CI test, progress and abort).
 */
export interface StructureCallOptions extends KernelCallOptions {
  /**
   * Workers to spread the kNN-CMI tests of the run over (a WorkerPool; each worker prepares the
   * data once and runs its share). Results are identical to a run in this thread: every test's
   * randomness derives from the seed and its own columns. Fisher z and user-supplied tests ignore
   * it and run here. Default: none, every test in this thread.
   */
  pool?: JobRunner;
  /** Your own conditional-independence test, used instead of `options.test` (which must then be unset). */
  ciTest?: CiTest;
}

export interface ResolvedStructureOptions {
  method: StructureMethod;
  /** The test; with `auto`, a placeholder until chooseTest has seen the data. */
  test: CiTest;
  /** test: 'auto' was asked for. */
  auto: boolean;
  /** Where the tests run when not in this thread. */
  pool: { runner: JobRunner; spec: CiTestSpec } | undefined;
  alpha: number;
  correction: Correction;
  rule: StructureRule;
  /** As given; undefined: chosen by defaultConditioning once the shapes are known. */
  conditioning: DirectConditioning | undefined;
  segmentLength: number;
  dropTail: boolean;
  diagnostic: boolean;
  alignmentCheck: boolean;
  reduction: ReductionOption;
  seed: number;
}

const METHODS: readonly StructureMethod[] = ['pairwise', 'direct'];
const RULES: readonly StructureRule[] = ['union', 'clique'];
const CONDITIONINGS: readonly DirectConditioning[] = ['neighbours', 'all-states'];

function oneOf<T extends string>(name: string, value: T | undefined, allowed: readonly T[], fallback: T): T {
  const v = value ?? fallback;
  if (!allowed.includes(v)) {
    throw new SpecialistError('INVALID_ARGUMENT', `${name} must be one of ${allowed.join(', ')}, got ${String(v)}`, { argument: name, value: v });
  }
  return v;
}

function isCiTest(value: unknown): value is CiTest {
  return typeof value === 'object' && value !== null && typeof (value as CiTest).prepare === 'function' && typeof (value as CiTest).name === 'string';
}

/**
 * The test of the run, and its plain spec when it is a built-in that workers can rebuild. A kNN-CMI
 * spec without its own `alpha` gets the run's: it sizes the permutation budget and early stop.
 */
export function resolveTest(test: StructureOptions['test'], custom: CiTest | undefined, alpha: number, method: StructureMethod): { test: CiTest; spec?: CiTestSpec } {
  if (custom !== undefined) {
    if (!isCiTest(custom)) throw new SpecialistError('INVALID_ARGUMENT', 'ciTest must be a CiTest object { name, prepare }', { argument: 'ciTest' });
    if (test !== undefined) throw new SpecialistError('INVALID_ARGUMENT', 'give either options.test or call options ciTest, not both', { argument: 'test' });
    return { test: custom };
  }
  const given = test ?? 'auto';
  if (isCiTest(given)) {
    throw new SpecialistError('INVALID_ARGUMENT', 'a CiTest object goes in the call options (ciTest), options.test takes a built-in name or { name, options }', { argument: 'test' });
  }
  const spec: CiTestSpec = typeof given === 'string' ? ({ name: given === 'auto' ? 'fisherz' : given } as CiTestSpec) : given;
  if (!spec || !CI_TEST_NAMES.includes(spec.name)) {
    throw new SpecialistError('INVALID_ARGUMENT', `test must be 'auto' or one of ${CI_TEST_NAMES.join(', ')} (or { name, options }), got ${String((spec as { name?: unknown })?.name ?? given)}`, { argument: 'test' });
  }
  const withAlpha = runAlpha(spec, alpha, method);
  return { test: ciTestFromSpec(withAlpha), spec: withAlpha };
}

/**
 * The spec with the run's alpha where a test reads it: kNN-CMI's permutation budget and early
 * stop, and an intersection's later tests, which need not run where the first already leaves
 * p > alpha (only with method 'direct': the pairwise clique rule weighs p-values above alpha).
 * A spec's own alpha wins.
 */
function runAlpha(spec: CiTestSpec, alpha: number, method: StructureMethod): CiTestSpec {
  if (spec.name === 'cmiknn') return { name: 'cmiknn', options: { alpha, ...spec.options } };
  const options = spec.name === 'intersection' ? spec.options ?? {} : null;
  // Anything but an options object is left for ciTestFromSpec to refuse by name.
  if (options === null || typeof options !== 'object') return spec;
  const tests = Array.isArray(options.tests) ? { tests: options.tests.map((t) => (t && typeof t === 'object' ? runAlpha(t, alpha, method) : t)) } : {};
  return { name: 'intersection', options: { ...(method === 'direct' ? { alpha } : {}), ...options, ...tests } };
}

/**
 * Where the tests run: kNN-CMI and RCoT go to the workers when a pool is given; Fisher z stays here
 * (a small solve on a covariance built once, ~5 ms for a whole run, less than shipping the data),
 * and user tests cannot cross threads.
 */
export function poolFor(pool: JobRunner | undefined, spec: CiTestSpec | undefined): ResolvedStructureOptions['pool'] {
  return pool && spec && spec.name !== 'fisherz' ? { runner: pool, spec } : undefined;
}

export function resolveStructureOptions(options: StructureOptions, call: StructureCallOptions): ResolvedStructureOptions {
  if (!options || typeof options !== 'object') {
    throw new SpecialistError('INVALID_ARGUMENT', 'options must be an object with at least segmentLength', { argument: 'options' });
  }
  checkKeys('StructureOptions', options, STRUCTURE_KEYS);
  const alpha = options.alpha ?? 0.05;
  if (!(alpha > 0 && alpha < 1)) throw new SpecialistError('INVALID_ARGUMENT', `alpha must be in (0, 1), got ${alpha}`, { argument: 'alpha', value: alpha });
  const seed = options.seed ?? 0;
  if (!Number.isFinite(seed)) throw new SpecialistError('INVALID_ARGUMENT', `seed must be a finite number, got ${seed}`, { argument: 'seed', value: seed });
  const pool = call.pool;
  if (pool !== undefined && !isJobRunner(pool)) {
    throw new SpecialistError('INVALID_ARGUMENT', 'pool must be a WorkerPool (from WorkerPool.create())', { argument: 'pool' });
  }
  if (call.kernels !== undefined && !(call.kernels instanceof KernelRuntime)) {
    throw new SpecialistError('INVALID_ARGUMENT', 'kernels must be a KernelRuntime (from KernelRuntime.create())', { argument: 'kernels' });
  }
  const method = oneOf('method', options.method, METHODS, 'direct');
  const { test, spec } = resolveTest(options.test, call.ciTest, alpha, method);
  return {
    method,
    test,
    auto: (options.test ?? 'auto') === 'auto' && call.ciTest === undefined,
    pool: poolFor(pool, spec),
    alpha,
    correction: oneOf('correction', options.correction, CORRECTIONS, 'bh'),
    rule: oneOf('rule', options.rule, RULES, 'clique'),
    conditioning: options.conditioning === undefined ? undefined : oneOf('conditioning', options.conditioning, CONDITIONINGS, 'neighbours'),
    segmentLength: options.segmentLength,
    dropTail: options.dropTail ?? false,
    diagnostic: options.diagnostic ?? true,
    alignmentCheck: options.alignmentCheck ?? true,
    reduction: checkReductionOption(options.reduction),
    seed,
  };
}

/** 'auto' (default): the components the data support (reduce.ts); 'none': the states as given; a number: that many components per step. */
export type ReductionOption = 'auto' | 'none' | number;

export function checkReductionOption(option: unknown): ReductionOption {
  if (option === undefined) return 'auto';
  if (option === 'auto' || option === 'none') return option;
  if (typeof option !== 'number') {
    throw new SpecialistError('INVALID_ARGUMENT', `reduction must be 'auto', 'none' or a number of components in [1, 4096], got ${String(option)}`, { argument: 'reduction', value: String(option) });
  }
  return checkCount('reduction', option, 1, 4096);
}
