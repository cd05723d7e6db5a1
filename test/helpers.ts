// Shared by the unit tests: seeded data, shape cases, and comparisons that say where they differ.
import assert from 'node:assert/strict';
import { createRng, type Rng } from '../src/core/random.ts';
import type { Matrix } from '../src/core/tensor.ts';
import { SpecialistError, type ErrorCode } from '../src/core/errors.ts';
import { logGamma } from '../src/stats/distributions.ts';

export function randomMatrix(rng: Rng, rows: number, cols: number, kind: 'normal' | 'edge' = 'normal'): Matrix {
  const data = new Float32Array(rows * cols);
  for (let i = 0; i < data.length; i++) {
    if (kind === 'normal') data[i] = rng.normal();
    else {
      // Edge values: zeros, exact ties, negatives, large and tiny magnitudes.
      const pick = rng.int(6);
      data[i] = [0, 1, -1, rng.normal() * 1e4, rng.normal() * 1e-4, Math.round(rng.normal() * 3)][pick];
    }
  }
  return { data, rows, cols };
}

export { createRng };

/** Shapes that exercise the tails of every loop: n = 1, n below the tile, d not a multiple of 4. */
export const SHAPES: [rows: number, cols: number][] = [
  [1, 1], [2, 1], [3, 5], [7, 3], [17, 4], [33, 7], [63, 64], [65, 65], [70, 13], [129, 2],
];

export function assertClose(actual: ArrayLike<number>, expected: ArrayLike<number>, tol: { abs?: number; rel?: number }, what: string): void {
  assert.equal(actual.length, expected.length, `${what}: length`);
  const abs = tol.abs ?? 0;
  const rel = tol.rel ?? 0;
  for (let i = 0; i < actual.length; i++) {
    const limit = abs + rel * Math.abs(expected[i]);
    if (!(Math.abs(actual[i] - expected[i]) <= limit)) {
      assert.fail(`${what}: index ${i}: got ${actual[i]}, expected ${expected[i]} (tolerance ${limit})`);
    }
  }
}

export function assertExact(actual: ArrayLike<number>, expected: ArrayLike<number>, what: string): void {
  assertClose(actual, expected, {}, what);
}

/** Asserts that `fn` throws (or rejects with) a SpecialistError of `code`, and returns it. */
export async function expectCode(fn: () => unknown, code: ErrorCode, messagePart?: string | RegExp): Promise<SpecialistError> {
  try {
    await fn();
  } catch (error) {
    assert.ok(error instanceof SpecialistError, `expected a SpecialistError, got ${error}`);
    assert.equal(error.code, code, `code of "${error.message}"`);
    if (messagePart) assert.match(error.message, typeof messagePart === 'string' ? new RegExp(messagePart.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')) : messagePart);
    return error;
  }
  assert.fail(`expected ${code}, but nothing was thrown`);
}

/** n rows drawn by `row` as a row-major matrix (its width from the first row). */
export function sampleRows(rng: Rng, n: number, row: (rng: Rng) => number[]): Matrix {
  const first = row(rng);
  const data = new Float32Array(n * first.length);
  data.set(first);
  for (let r = 1; r < n; r++) data.set(row(rng), r * first.length);
  return { data, rows: n, cols: first.length };
}

/** Smallest [lo, hi] holding the binomial(trials, p) mass except at most (1 - level) / 2 in each tail. */
export function binomialBand(trials: number, p: number, level: number): [number, number] {
  const pmf = Array.from({ length: trials + 1 }, (_, k) =>
    Math.exp(logGamma(trials + 1) - logGamma(k + 1) - logGamma(trials - k + 1) + k * Math.log(p) + (trials - k) * Math.log1p(-p)),
  );
  const tail = (1 - level) / 2;
  let lo = 0;
  for (let acc = pmf[0]; acc < tail; acc += pmf[++lo]);
  let hi = trials;
  for (let acc = pmf[trials]; acc < tail; acc += pmf[--hi]);
  return [lo, hi];
}
