// Which segments of an episode serve which task (Theorem 1; docs/structure.md): check and
// assemble the data into one matrix, plan the tests, run them (here or on workers), decide.
import { checkpoint } from '../core/call-options.ts';
import { throwIfAborted } from '../core/errors.ts';
import type { Tensor } from '../core/tensor.ts';
import { exclusive, kernelsFor } from '../kernels/runtime.ts';
import { decide, type StructureResult } from './decide.ts';
import { inThread, onWorkers, type Executor, type RunProgress } from './execute.ts';
import { assemble, planLayout, refuseConstantColumns, type Layout } from './input.ts';
import { reduceStates } from './reduce.ts';
import { chooseTest, type TestChoice } from './choose-test.ts';
import { withNormalScores } from './ci/columns.ts';
import { fisherZ } from './ci/fisher-z.ts';
import { gcm } from './ci/gcm/index.ts';
import { ciTestFromSpec } from './ci/builtins.ts';
import type { CiTest } from './ci-test.ts';
import { poolFor, resolveStructureOptions, resolveTest, type DirectConditioning, type ResolvedStructureOptions, type StructureCallOptions, type StructureOptions } from './options.ts';
import { checkEpisodes, defaultConditioning, episodesNeeded, plan, type Planned } from './plan.ts';
import type { StateReduction } from './reduce.ts';
import { runWarnings } from './warnings.ts';
import { shapeWarnings } from './swapped.ts';
import { alignmentWarning, checkAlignment } from './alignment.ts';
import type { CallOptions } from '../core/call-options.ts';

export type { StructureResult } from './decide.ts';
export type { DirectConditioning, StructureCallOptions, StructureMethod, StructureOptions, StructureRule } from './options.ts';

/**
 * Finds which segments serve which task. `states` is [n, T, d] or [n, T] (d = 1), `tasks` is
 * [n, M, dg] or [n, M] (dg = 1); one row per episode.
 */
export async function discoverTaskStructure(states: Tensor, tasks: Tensor, options: StructureOptions, call: StructureCallOptions = {}): Promise<StructureResult> {
  const started = performance.now();
  throwIfAborted(call.signal);
  let opts = resolveStructureOptions(options, call);
  const given = planLayout(states, tasks, { segmentLength: opts.segmentLength, dropTail: opts.dropTail, minSegments: opts.method === 'pairwise' ? 2 : 1 });
  const kernels = await kernelsFor(call);
  const assembled = assemble(states, tasks, given);
  // Each step's states on the components the data support (reduce.ts); null: as given.
  const reduced = reduceStates(assembled, given, opts.reduction, kernels, opts.seed);
  const { layout } = reduced ?? { layout: given };
  let data = reduced?.data ?? assembled;
  refuseConstantColumns(data, layout);
  let testChoice: TestChoice | null = null;
  if (opts.auto) {
    // Checked on the queries the run would ask: the smallest valid sets and, when Fisher z would
    // take all states by default, those too (choose-test.ts).
    const planned = (conditioning: DirectConditioning) => plan(layout, opts.method, conditioning);
    const queries = (conditioning: DirectConditioning) => planned(conditioning).main.map((p) => p.query);
    const fisherDefault = opts.method === 'direct' && opts.conditioning === undefined ? defaultConditioning(layout, fisherZ()) : 'neighbours';
    const wide = fisherDefault === 'all-states' ? queries('all-states') : null;
    const rowsFor = (test: CiTest, p = planned(opts.conditioning ?? defaultConditioning(layout, test))) =>
      episodesNeeded([...p.main, ...(opts.diagnostic ? p.diagnostic : [])], test).needed;
    const gcmPlan = planned(opts.conditioning ?? defaultConditioning(layout, gcm()));
    const nonlinear = {
      gcmRows: rowsFor(gcm(), gcmPlan),
      intersectionRows: rowsFor(ciTestFromSpec({ name: 'intersection' })),
      widestZ: Math.max(0, ...gcmPlan.main.map((p) => p.query.z.length)),
    };
    testChoice = await exclusive(kernels, async () => chooseTest(data, queries(opts.conditioning ?? 'neighbours'), wide, kernels, opts.seed, nonlinear));
    // Heavy-tailed columns run as their normal scores (choose-test.ts); the test sees them as data.
    if (testChoice.scoredColumns.length > 0) data = withNormalScores(data, testChoice.scoredColumns);
    const { test, spec } = resolveTest(testChoice.test, undefined, opts.alpha, opts.method);
    opts = { ...opts, test, pool: poolFor(call.pool, spec), conditioning: opts.conditioning ?? testChoice.conditioning ?? undefined };
  }
  const conditioning = opts.conditioning ?? defaultConditioning(layout, opts.test);
  const { main, diagnostic } = plan(layout, opts.method, conditioning);
  const diagnosticPlan = opts.diagnostic ? diagnostic : [];
  checkEpisodes(layout, [...main, ...diagnosticPlan], opts.test);
  const validateMs = performance.now() - started;

  const run = { layout, opts: { ...opts, conditioning }, main, diagnostic: diagnosticPlan, testChoice, reduction: reduced?.reduction ?? null, started, validateMs, checkAlignment: !calibrated(options.test) };
  const warnings = () => [...shapeWarnings(layout.episodes, layout.steps, layout.tasks), ...runWarnings(data, opts.test.name, [...main, ...diagnosticPlan])];
  // On workers each one prepares the data itself: that time is part of testsMs.
  if (opts.pool) return runPlanned(run, 0, (progress, on) => onWorkers(opts.pool!.runner, opts.pool!.spec, data, opts.seed, on, progress), warnings, call);
  return exclusive(kernels, async () => {
    const t0 = performance.now();
    const prepared = opts.test.prepare(data, { kernels, seed: opts.seed, signal: call.signal });
    try {
      return await runPlanned(run, performance.now() - t0, (progress, on) => inThread(prepared, opts.test.name, on, progress), warnings, call);
    } finally {
      prepared.dispose?.();
    }
  });
}

/**
 * An RCoT calibrated in advance (src/scale/) holds bandwidths for the planned tests' column blocks
 * only, so it cannot answer the alignment check's other steps.
 */
function calibrated(test: StructureOptions['test']): boolean {
  return typeof test === 'object' && test !== null && test.name === 'rcot' && !!test.options?.calibration;
}

/** A planned run: everything runPlanned needs besides where the tests run. */
export interface PlannedRun {
  layout: Layout;
  opts: ResolvedStructureOptions & { conditioning: DirectConditioning };
  main: Planned[];
  diagnostic: Planned[];
  testChoice: TestChoice | null;
  /** What reduceStates did to the latents (null: tested as given, as runs from merged statistics are). */
  reduction: StateReduction | null;
  started: number;
  validateMs: number;
  /** Run the alignment check after the decision (alignment.ts; method 'direct' with `alignmentCheck`). Default false. */
  checkAlignment?: boolean;
}

/**
 * Runs the planned tests (main, then the diagnostic) and decides. Shared by discoverTaskStructure
 * and by runs decided from merged statistics (src/scale/), so both answer with the same code.
 */
export async function runPlanned(run: PlannedRun, prepareMs: number, executor: (progress: RunProgress, call: CallOptions) => Executor, warnings: () => string[], call: StructureCallOptions): Promise<StructureResult> {
  const { opts, main, diagnostic } = run;
  const progress = { done: 0, total: main.length + diagnostic.length };
  const family = (count: number) => (opts.correction === 'none' ? 1 : count);
  const execute = executor(progress, call);
  checkpoint(call, 0, progress.total);
  const t1 = performance.now();
  const mainResults = await execute(main, family(main.length));
  const t2 = performance.now();
  const diagResults = await execute(diagnostic, family(diagnostic.length));
  const t3 = performance.now();
  const result = decide(run.layout, opts, main, mainResults, diagnostic, diagResults);
  const said = warnings();
  const t4 = performance.now();
  // The check's tests report no progress (the run's total stays what it said) but honour abort.
  const alignment = run.checkAlignment && opts.alignmentCheck && opts.method === 'direct'
    ? await checkAlignment(run.layout, result.relation, result.directPValues, opts.alpha, opts.conditioning, executor({ done: 0, total: 0 }, { signal: call.signal }))
    : null;
  const misaligned = alignment ? alignmentWarning(alignment, run.layout.segmentLength) : null;
  const t5 = performance.now();
  return {
    ...result,
    reduction: run.reduction,
    testChoice: run.testChoice,
    alignment,
    warnings: misaligned ? [...said, misaligned] : said,
    tests: main.length + diagnostic.length,
    timings: { validateMs: run.validateMs, prepareMs, testsMs: t2 - t1, diagnosticMs: t3 - t2, decideMs: t4 - t3, alignmentMs: t5 - t4 },
    elapsedMs: t5 - run.started,
  };
}
