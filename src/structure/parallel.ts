// Spreads independent CI tests over a worker pool: one batch per worker, each preparing the data
// once. Per-query randomness depends only on the seed and the query's columns (see cmi-knn.ts),
// so the results equal those of running the same queries in this thread, in any split.

import { SpecialistError } from '../core/errors.ts';
import type { CallOptions } from '../core/call-options.ts';
import { checkMatrix, type Matrix } from '../core/tensor.ts';
import type { WorkerPool } from '../worker/pool.ts';
import type { CiQuery, CiResult } from './ci-test.ts';
import type { CiTestSpec } from './ci/builtins.ts';

export type { CiTestSpec } from './ci/builtins.ts';

export interface CiPoolOptions extends CallOptions {
  /** Prepare seed, as CiPrepareContext.seed in this thread. Default 0. */
  seed?: number;
  /** Tests in the whole run, for permutation budgets (PreparedCiTest.test's `family`). Default 1. */
  family?: number;
}

/**
 * Runs `queries` on `data` with a built-in test, split over the pool's workers; resolves to the
 * results in query order. Progress: tests done / total. Abort rejects with ABORTED (the pool ends
 * the workers that were running, which frees their memory).
 */
export async function runCiTestsOnPool(pool: WorkerPool, spec: CiTestSpec, data: Matrix, queries: readonly CiQuery[], options: CiPoolOptions = {}): Promise<CiResult[]> {
  checkMatrix('data', data);
  if (!Array.isArray(queries)) throw new SpecialistError('INVALID_ARGUMENT', 'queries must be an array of { x, y, z }', { argument: 'queries' });
  const seed = options.seed ?? 0;
  const family = options.family ?? 1;
  if (queries.length === 0) return [];
  // Round-robin, so that costly and cheap tests (early stopping) mix in every batch.
  const batches = Math.min(pool.size, queries.length);
  const positions: number[][] = Array.from({ length: batches }, () => []);
  queries.forEach((_, i) => positions[i % batches].push(i));
  const done = new Array<number>(batches).fill(0);
  const report = () => options.onProgress?.(done.reduce((a, b) => a + b, 0), queries.length);
  report();
  const parts = await Promise.all(
    positions.map((indices, b) =>
      pool.runCiBatch(
        { test: spec, data, queries: indices.map((i) => queries[i]), seed, family },
        {
          signal: options.signal,
          onProgress: (count) => {
            done[b] = Math.max(done[b], count);
            report();
          },
        },
      ).then((part) => {
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
