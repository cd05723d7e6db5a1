// CI tests in workers: a batch of queries on one data set per job (each worker prepares the data
// once), and the client that spreads a run's queries over a JobRunner. Per-query randomness depends
// only on the seed and the query's columns (see ci/cmi-knn/query.ts), so the results equal those of the
// same queries in this thread, in any split.
import { callBack, type CallOptions } from '../core/call-options.ts';
import { SpecialistError } from '../core/errors.ts';
import { matrixOf, type Matrix, type Tensor } from '../core/tensor.ts';
import { poolOf, type JobHandler, type JobRunner } from '../worker/job.ts';
import { ciTestFromSpec, type CiTestSpec } from './ci/builtins.ts';
import type { CiQuery, CiResult } from './ci-test.ts';

/** Conditional-independence tests on one data set: prepared once, every query in order, disposed. */
export interface CiBatch {
  test: CiTestSpec;
  data: Matrix;
  queries: CiQuery[];
  /** The prepare seed; per-query randomness derives from it and the query, so batches may split freely. */
  seed: number;
  /** Tests in the whole run (not this batch), for permutation budgets. */
  family: number;
}

/** Progress: queries done / total. */
export const ciBatchJob: JobHandler<CiBatch, CiResult[]> = {
  kind: 'ciBatch',
  run(batch, { kernels, onProgress }) {
    const prepared = ciTestFromSpec(batch.test).prepare(batch.data, { kernels, seed: batch.seed });
    try {
      const results: CiResult[] = [];
      onProgress?.({ done: 0, total: batch.queries.length });
      for (const query of batch.queries) {
        results.push(prepared.test(query, { family: batch.family }));
        onProgress?.({ done: results.length, total: batch.queries.length });
      }
      return results;
    } finally {
      prepared.dispose?.();
    }
  },
};

/**
 * The call options of runCiBatches: the pool, the prepare seed, the family size, progress and
 * abort.
 */
export interface CiBatchOptions extends CallOptions {
  /** The workers to spread the queries over (one batch per worker). */
  pool: JobRunner;
  /** Prepare seed, as CiPrepareContext.seed in this thread. Default 0. */
  seed?: number;
  /** Tests in the whole run, for permutation budgets (PreparedCiTest.test's `family`). Default 1. */
  family?: number;
}

/**
 * Runs `queries` on `samples` ([rows, columns]; a query names columns) with a built-in test, split
 * over the workers of `options.pool` (one batch per worker, round-robin so that costly and cheap
 * tests mix); resolves to the results in query order. Progress: tests done / total. Abort rejects
 * with ABORTED.
 */
export async function runCiBatches(spec: CiTestSpec, samples: Tensor, queries: readonly CiQuery[], options: CiBatchOptions): Promise<CiResult[]> {
  const runner = poolOf('runCiBatches', 'CiBatchOptions', options, { pool: true, seed: true, family: true, signal: true, onProgress: true } satisfies Record<keyof CiBatchOptions, true>, spec);
  if (samples && !('shape' in samples) && 'rows' in samples) {
    throw new SpecialistError('INVALID_ARGUMENT', 'runCiBatches takes a Tensor { data, shape: [rows, columns] } since 1.0, not a Matrix { data, rows, cols }', { argument: 'samples' });
  }
  const data = matrixOf('samples', samples);
  if (!Array.isArray(queries)) throw new SpecialistError('INVALID_ARGUMENT', 'queries must be an array of { x, y, z }', { argument: 'queries' });
  ciTestFromSpec(spec); // a bad spec fails here, typed, before any worker sees it
  const seed = options.seed ?? 0;
  const family = options.family ?? 1;
  if (queries.length === 0) return [];
  const batches = Math.min(runner.size, queries.length);
  const positions: number[][] = Array.from({ length: batches }, () => []);
  queries.forEach((_, i) => positions[i % batches].push(i));
  const done = new Array<number>(batches).fill(0);
  const report = () => callBack('onProgress', options.onProgress, { done: done.reduce((a, b) => a + b, 0), total: queries.length });
  report();
  const parts = await Promise.all(
    positions.map((indices, b) =>
      runner
        .run<CiResult[]>(ciBatchJob.kind, { test: spec, data, queries: indices.map((i) => queries[i]), seed, family } satisfies CiBatch, {
          signal: options.signal,
          onProgress: ({ done: count }) => {
            done[b] = Math.max(done[b], count);
            report();
          },
        })
        .then((part) => {
          // Progress messages may trail the result (the port closes with the job): count it here too.
          if (done[b] < indices.length) {
            done[b] = indices.length;
            report();
          }
          return part;
        }),
    ),
  );
  const results = new Array<CiResult>(queries.length);
  parts.forEach((part, b) => positions[b].forEach((i, q) => (results[i] = part[q])));
  return results;
}
