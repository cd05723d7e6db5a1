// Which segments of an episode serve which task (Theorem 1; docs/structure.md): check and
// assemble the data into one matrix, plan the tests, run them (here or on workers), decide.
import { checkpoint } from '../core/call-options.ts';
import { throwIfAborted } from '../core/errors.ts';
import type { Tensor } from '../core/tensor.ts';
import { exclusive, kernelsFor } from '../kernels/runtime.ts';
import { decide, type StructureResult } from './decide.ts';
import { inThread, onWorkers, type Executor, type RunProgress } from './execute.ts';
import { assemble, planLayout, type Layout } from './input.ts';
import { chooseTest, type TestChoice } from './choose-test.ts';
import { fisherZ } from './ci/fisher-z.ts';
import { poolFor, resolveStructureOptions, resolveTest, type DirectConditioning, type ResolvedStructureOptions, type StructureCallOptions, type StructureOptions } from './options.ts';
import { checkEpisodes, defaultConditioning, plan, type Planned } from './plan.ts';
import { runWarnings } from './warnings.ts';

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
  const layout = planLayout(states, tasks, { segmentLength: opts.segmentLength, dropTail: opts.dropTail, minSegments: opts.method === 'pairwise' ? 2 : 1 });
  const data = assemble(states, tasks, layout);
  let testChoice: TestChoice | null = null;
  const kernels = opts.auto || !opts.pool ? await kernelsFor(call) : null;
  if (opts.auto && kernels) {
    // Checked on the queries the run would ask: the smallest valid sets and, when Fisher z would
    // take all states by default, those too (choose-test.ts).
    const queries = (conditioning: DirectConditioning) => plan(layout, opts.method, conditioning).main.map((p) => p.query);
    const fisherDefault = opts.method === 'direct' && opts.conditioning === undefined ? defaultConditioning(layout, fisherZ()) : 'neighbours';
    const wide = fisherDefault === 'all-states' ? queries('all-states') : null;
    testChoice = await exclusive(kernels, async () => chooseTest(data, queries(opts.conditioning ?? 'neighbours'), wide, kernels, opts.seed));
    const { test, spec } = resolveTest(testChoice.test, undefined, opts.alpha);
    opts = { ...opts, test, pool: poolFor(call.pool, spec), conditioning: opts.conditioning ?? testChoice.conditioning ?? undefined };
  }
  const conditioning = opts.conditioning ?? defaultConditioning(layout, opts.test);
  const { main, diagnostic } = plan(layout, opts.method, conditioning);
  const diagnosticPlan = opts.diagnostic ? diagnostic : [];
  checkEpisodes(layout, [...main, ...diagnosticPlan], opts.test);
  const validateMs = performance.now() - started;

  const run = { layout, opts: { ...opts, conditioning }, main, diagnostic: diagnosticPlan, testChoice, started, validateMs };
  // On workers each one prepares the data itself: that time is part of testsMs.
  const warnings = () => runWarnings(data, opts.test.name, [...main, ...diagnosticPlan]);
  if (opts.pool) return runPlanned(run, 0, (progress) => onWorkers(opts.pool!.runner, opts.pool!.spec, data, opts.seed, call, progress), warnings, call);
  // Without a pool, `kernels` was made above.
  return exclusive(kernels!, async () => {
    const t0 = performance.now();
    const prepared = opts.test.prepare(data, { kernels: kernels!, seed: opts.seed, signal: call.signal });
    try {
      return await runPlanned(run, performance.now() - t0, (progress) => inThread(prepared, opts.test.name, call, progress), warnings, call);
    } finally {
      prepared.dispose?.();
    }
  });
}

/** A planned run: everything runPlanned needs besides where the tests run. */
export interface PlannedRun {
  layout: Layout;
  opts: ResolvedStructureOptions & { conditioning: DirectConditioning };
  main: Planned[];
  diagnostic: Planned[];
  testChoice: TestChoice | null;
  started: number;
  validateMs: number;
}

/**
 * Runs the planned tests (main, then the diagnostic) and decides. Shared by discoverTaskStructure
 * and by runs decided from merged statistics (src/scale/), so both answer with the same code.
 */
export async function runPlanned(run: PlannedRun, prepareMs: number, executor: (progress: RunProgress) => Executor, warnings: () => string[], call: StructureCallOptions): Promise<StructureResult> {
  const { opts, main, diagnostic } = run;
  const progress = { done: 0, total: main.length + diagnostic.length };
  const family = (count: number) => (opts.correction === 'none' ? 1 : count);
  const execute = executor(progress);
  checkpoint(call, 0, progress.total);
  const t1 = performance.now();
  const mainResults = await execute(main, family(main.length));
  const t2 = performance.now();
  const diagResults = await execute(diagnostic, family(diagnostic.length));
  const t3 = performance.now();
  const result = decide(run.layout, opts, main, mainResults, diagnostic, diagResults);
  const said = warnings();
  const t4 = performance.now();
  return {
    ...result,
    testChoice: run.testChoice,
    warnings: said,
    tests: main.length + diagnostic.length,
    timings: { validateMs: run.validateMs, prepareMs, testsMs: t2 - t1, diagnosticMs: t3 - t2, decideMs: t4 - t3 },
    elapsedMs: t4 - run.started,
  };
}
