// The intersection of CI tests: p = the largest of their p-values on the same query. Rejecting
// when every test rejects keeps the level wherever any one of them keeps it (P(max p <= t) is at
// most each test's P(p <= t)), so tests whose levels fail in different places cover each other:
// the GCM's on many residual products of a wide z (lifted latents), RCoT's where x and y are nearly
// functions of z (docs/structure.md, "Intersection").
//
// The tests run in order on each query, and the next runs only while the largest p-value so far is
// at most `alpha`: a p-value above the run's alpha is never rejected by any correction the SDK
// offers (BH, Bonferroni, none), nor counted by the diagnostic or the alignment check, so a query
// the first test already leaves unrejected gets that test's p-value (a lower bound of the largest),
// and every decision is the one the largest p-value gives.
import { SpecialistError, throwIfAborted } from '../../core/errors.ts';
import type { CiPrepareContext, CiResult, CiTest, PreparedCiTest } from '../ci-test.ts';
import type { CiTestSpec } from './builtins.ts';
import { mix32 } from './cmi-knn/options.ts';

/** Options of the intersection test (`{ name: 'intersection', options }`); each documents its default. */
export interface IntersectionOptions {
  /**
   * The tests, in the order they run (2 to 4 built-ins, none an intersection itself). Default
   * `[{ name: 'gcm' }, { name: 'rcot' }]`: the GCM keeps its level where x and y are nearly
   * functions of z and RCoT does not; RCoT keeps it on the wide z of lifted latents where the GCM's
   * many residual products add up to an excess (docs/structure.md). The first runs on every query.
   */
  tests?: readonly CiTestSpec[];
  /**
   * The later tests run only on queries whose largest p-value so far is at most this. Default 1:
   * every test on every query, the exact largest p-value. discoverTaskStructure with method
   * 'direct' passes its own alpha: no decision of that run reads a p-value above alpha.
   */
  alpha?: number;
}

export interface ResolvedIntersection {
  tests: readonly CiTestSpec[];
  alpha: number;
}

/** The default tests: the GCM, confirmed by RCoT. */
export const INTERSECTION_TESTS: readonly CiTestSpec[] = [{ name: 'gcm' }, { name: 'rcot' }];

export function resolveIntersectionOptions(options: IntersectionOptions): ResolvedIntersection {
  if (options === null || typeof options !== 'object') throw invalid('options', 'intersection options must be an object', options);
  const tests = options.tests ?? INTERSECTION_TESTS;
  const alpha = options.alpha ?? 1;
  if (!Array.isArray(tests) || tests.length < 2 || tests.length > 4) throw invalid('tests', `intersection tests must list 2 to 4 built-in tests, got ${Array.isArray(tests) ? tests.length : String(tests)}`, tests);
  if (tests.some((t) => t?.name === 'intersection')) throw invalid('tests', 'an intersection cannot contain another intersection', tests);
  if (!(typeof alpha === 'number' && alpha > 0 && alpha <= 1)) throw invalid('alpha', `alpha must be in (0, 1], got ${String(alpha)}`, alpha);
  return { tests, alpha };
}

function invalid(argument: string, message: string, value: unknown): SpecialistError {
  return new SpecialistError('INVALID_ARGUMENT', message, { argument, value });
}

/**
 * The seed test `index` of an intersection prepares with: the run's seed for the first (its
 * p-values are those of the test alone), a seed mixed from it for the others, so that tests with
 * random features of the same block do not draw the same features.
 */
export function memberSeed(seed: number, index: number): number {
  return index === 0 ? seed : mix32((mix32(seed >>> 0) + Math.imul(index, 0x9e3779b1)) >>> 0);
}

/**
 * The intersection of `tests` (see the top of this file): each query's p-value is the largest of
 * theirs; the statistic is that test's, `rank` and `permutations` come from the tests that state
 * them (rank: the first).
 */
export function intersection(tests: readonly CiTest[], options: { alpha?: number } = {}): CiTest {
  const alpha = options.alpha ?? 1;
  if (!(alpha > 0 && alpha <= 1)) throw invalid('alpha', `alpha must be in (0, 1], got ${String(alpha)}`, alpha);
  return {
    name: 'intersection',
    minimumRows: (dims) => Math.max(0, ...tests.map((t) => t.minimumRows?.(dims) ?? 0)),
    prepare(data, context: CiPrepareContext): PreparedCiTest {
      const prepared: PreparedCiTest[] = [];
      try {
        tests.forEach((t, i) => {
          throwIfAborted(context?.signal);
          prepared.push(t.prepare(data, { ...context, seed: memberSeed(context?.seed, i) }));
        });
      } catch (error) {
        for (const p of prepared) p.dispose?.();
        throw error;
      }
      return {
        test(query, call = {}) {
          let largest: CiResult | null = null;
          let rank: CiResult['rank'];
          let permutations: number | undefined;
          for (const p of prepared) {
            const r = p.test(query, call);
            rank ??= r.rank;
            if (r.permutations !== undefined) permutations = (permutations ?? 0) + r.permutations;
            if (largest === null || r.pValue > largest.pValue) largest = r;
            if (largest.pValue > alpha) break;
          }
          const { statistic, pValue } = largest!;
          return { statistic, pValue, ...(rank ? { rank } : {}), ...(permutations !== undefined ? { permutations } : {}) };
        },
        dispose() {
          for (const p of prepared) p.dispose?.();
        },
      };
    },
  };
}
