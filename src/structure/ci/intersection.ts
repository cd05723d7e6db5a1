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
import { mix32 } from './cmi-knn/options.ts';

/**
 * The seed test `index` of an intersection prepares with: the run's seed for the first (its
 * p-values are those of the test alone), a seed mixed from it for the others, so that tests with
 * random features of the same block do not draw the same features.
 */
export function memberSeed(seed: number, index: number): number {
  return index === 0 ? seed : mix32((mix32(seed >>> 0) + Math.imul(index, 0x9e3779b1)) >>> 0);
}

/**
 * The intersection of `tests` (docs/structure.md, "Intersection"): each query's p-value is the
 * largest of theirs, so it keeps its level wherever one of them keeps its own. The statistic is
 * that test's; `rank` comes from the first test that states one, `permutations` add up. With
 * `alpha` (default 1), the later tests run only while the largest p-value so far is at most it.
 */
export function intersection(tests: readonly CiTest[], options: { alpha?: number } = {}): CiTest {
  const alpha = options.alpha ?? 1;
  if (!(typeof alpha === 'number' && alpha > 0 && alpha <= 1)) throw new SpecialistError('INVALID_ARGUMENT', `alpha must be in (0, 1], got ${String(alpha)}`, { argument: 'alpha', value: alpha });
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
