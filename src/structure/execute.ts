// Runs a plan's queries: in this thread on one prepared test (yielding now and then so timers and
// abort get in), or spread over a JobRunner's workers (built-in tests only). Progress counts tests
// over the whole run (main + diagnostic).
import { callBack, checkpoint, makeYielder, type CallOptions } from '../core/call-options.ts';
import { throwIfAborted } from '../core/errors.ts';
import type { Matrix } from '../core/tensor.ts';
import type { JobRunner } from '../worker/job.ts';
import type { CiTestSpec } from './ci/builtins.ts';
import { runCiBatches } from './ci-batch-job.ts';
import type { CiResult, PreparedCiTest } from './ci-test.ts';
import type { Planned } from './plan.ts';

/** Runs one list of planned tests; `family` is the number of tests the correction spans. */
export type Executor = (planned: Planned[], family: number) => Promise<CiResult[]>;

export interface RunProgress {
  done: number;
  total: number;
}

/** Tests in this thread, one after another on the prepared test. */
export function inThread(prepared: PreparedCiTest, call: CallOptions, progress: RunProgress): Executor {
  const yieldNow = makeYielder();
  return async (planned, family) => {
    const results: CiResult[] = [];
    for (const p of planned) {
      results.push(prepared.test(p.query, { signal: call.signal, family }));
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
      runner,
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
          callBack('onProgress', call.onProgress, last, progress.total);
        },
      },
    );
    progress.done = base + planned.length;
    if (last < progress.done) checkpoint(call, progress.done, progress.total);
    else throwIfAborted(call.signal);
    return results;
  };
}
