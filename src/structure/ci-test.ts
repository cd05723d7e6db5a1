// The conditional-independence test interface shared by Fisher z, kNN-CMI and user-supplied tests.
// A test is prepared once per data set (all steps and task variables side by side as the columns
// of one matrix, one row per episode) and then asked many questions "X _||_ Y | Z ?" by column
// index, so that each test reuses the preparation (Fisher z: one covariance; kNN-CMI: ranks and
// column-major data staged in kernel memory once).

import type { CallOptions } from '../core/call-options.ts';
import type { Matrix } from '../core/tensor.ts';
import type { KernelRuntime } from '../kernels/runtime.ts';

/** One question: columns of the prepared matrix. `z` may be empty (marginal test). */
export interface CiQuery {
  x: readonly number[];
  y: readonly number[];
  z: readonly number[];
}

/**
 * The outcome of one conditional-independence test: statistic, p-value, and the permutations drawn
 * when the test permutes.
 */
export interface CiResult {
  /** Test statistic (Fisher z: the z or chi-square value; kNN-CMI: the CMI estimate in nats). */
  statistic: number;
  /** P-value under independence, in (0, 1]. */
  pValue: number;
  /** Permutations drawn (permutation tests only). */
  permutations?: number;
  /**
   * The rank each block was tested on (Fisher z, GCM): x and y count the directions of their
   * residuals given z that z does not determine, z the independent conditioning columns.
   */
  rank?: { x: number; y: number; z: number };
}

/**
 * What a CI test's prepare() gets besides the data: the kernel runtime, a seed, progress and
 * abort.
 */
export interface CiPrepareContext extends CallOptions {
  /** Kernel runtime for tests that run on the wasm kernels. */
  kernels: KernelRuntime;
  /** Seed for any randomness (permutations, tie-breaking noise). */
  seed: number;
}

/** A data set prepared for many tests. `dispose` frees what `prepare` staged. */
export interface PreparedCiTest {
  test(query: CiQuery, options?: CallOptions & { /** tests in this batch, for permutation budgets */ family?: number }): CiResult;
  dispose?(): void;
}

/** A conditional-independence test. Built-ins: fisherZ, gcm, rcot, cmiKnn; users may pass their own. */
export interface CiTest {
  readonly name: string;
  /**
   * Optional: the fewest rows (samples) a query with blocks of these sizes needs for a meaningful
   * p-value. discoverTaskStructure refuses data with fewer episodes before running any test.
   */
  minimumRows?(dims: { x: number; y: number; z: number }): number;
  prepare(data: Matrix, context: CiPrepareContext): PreparedCiTest;
}
