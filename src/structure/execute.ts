// Runs a plan's queries: in this thread on one prepared test (yielding now and then so timers and
// abort get in), or spread over a JobRunner's workers (built-in tests only). Progress counts tests
// over the whole run (main + diagnostic).
import { callBack, checkpoint, makeYielder, type CallOptions } from '../core/call-options.ts';
import { SpecialistError, throwIfAborted } from '../core/errors.ts';
import type { Matrix } from '../core/tensor.ts';
import type { JobRunner } from '../worker/job.ts';
import type { CiTestSpec } from './ci/builtins.ts';
import { runCiBatches } from './ci-batch-job.ts';
import type { CiQuery, CiResult, PreparedCiTest } from './ci-test.ts';
import type { Planned } from './plan.ts';

/** Runs one list of planned tests; `family` is the number of tests the correction spans. */
export type Executor = (planned: Planned[], family: number) => Promise<CiResult[]>;

export interface RunProgress {
  done: number;
  total: number;
}

/**
 * A test's answer as the decisions need it: a p-value in [0, 1] and a statistic that is a number.
 * Anything else (a user's test returning NaN, p = -5, a string) stops the run with a typed error
 * naming the test and the query, instead of silently marking every cell or none.
 */
export function checkCiResult(result: unknown, test: string, query: CiQuery): CiResult {
  const r = result as Partial<CiResult> | null;
  const p = r?.pValue;
  const statistic = r?.statistic;
  if (typeof p !== 'number' || !(p >= 0 && p <= 1) || typeof statistic !== 'number' || Number.isNaN(statistic)) {
    throw new SpecialistError(
      'INVALID_ARGUMENT',
      `CI test "${test}" returned ${describe(p)} as the p-value and ${describe(statistic)} as the statistic for x [${query.x.join(', ')}], y [${query.y.join(', ')}] given z [${query.z.join(', ')}]; a test must return a p-value in [0, 1] and a numeric statistic`,
      { reason: 'invalid-ci-result', test, query: { x: [...query.x], y: [...query.y], z: [...query.z] }, pValue: describe(p), statistic: describe(statistic) },
    );
  }
  return r as CiResult;
}

function describe(value: unknown): string {
  return typeof value === 'number' ? String(value) : value === undefined ? 'nothing' : JSON.stringify(value) ?? String(value);
}

/** Tests in this thread, one after another on the prepared test. */
export function inThread(prepared: PreparedCiTest, testName: string, call: CallOptions, progress: RunProgress): Executor {
  const yieldNow = makeYielder();
  return async (planned, family) => {
    const results: CiResult[] = [];
    for (const p of planned) {
      results.push(checkCiResult(prepared.test(p.query, { signal: call.signal, family }), testName, p.query));
      progress.done++;
      checkpoint(call, progress.done, progress.total);
      const pause = yieldNow();
      if (pause) await pause;
    }
    return results;
  };
}

/** Tests spread over the runner's workers, each preparing `data` itself. */
export function onWorkers(runner: JobRunner, spec: CiTestSpec, data: Matrix, seed: number, call: CallOptions, progress: RunProgress): Executor {
  return async (planned, family) => {
    if (planned.length === 0) return [];
    const base = progress.done;
    let last = base;
    const results = await runCiBatches(
      spec,
      { data: data.data, shape: [data.rows, data.cols] },
      planned.map((p) => p.query),
      {
        pool: runner,
        seed,
        family,
        signal: call.signal,
        onProgress: ({ done }) => {
          if (base + done <= last) return;
          last = base + done;
          callBack('onProgress', call.onProgress, { done: last, total: progress.total });
        },
      },
    );
    progress.done = base + planned.length;
    if (last < progress.done) checkpoint(call, progress.done, progress.total);
    else throwIfAborted(call.signal);
    return results;
  };
}
