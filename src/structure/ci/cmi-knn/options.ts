// The kNN-CMI test's options with their defaults and checks, the permutation budget, and the
// per-query seed (so results do not depend on query order or thread).
import { SpecialistError } from '../../../core/errors.ts';
import type { CiQuery } from '../../ci-test.ts';

/**
 * Options of the kNN conditional mutual information test (Frenzel-Pompe estimator,
 * local-permutation null); each documents its default.
 */
export interface CmiKnnOptions {
  /**
   * Neighbours k of the estimator: an integer >= 1, or a fraction of n in (0, 1) (k = round(f n),
   * at least 1). Default 0.1. Larger k lowers the variance and raises the bias towards 0; since the
   * null is built by permutation the bias costs power, not validity. 0.1 - 0.2 n is the usual
   * range for this test; 0.1 is the cheaper end.
   */
  knn?: number;
  /**
   * Permutations of the null for a test that stands alone. Default 100. With `family` > 1 (tests
   * in a batch, see PreparedCiTest.test) the budget rises to ceil(2 family / alpha) - 1 (capped by
   * `maxPermutations`) when that is more, so that the smallest p-value, 1 / (budget + 1), is half
   * the Bonferroni level: a corrected decision is always reachable.
   */
  permutations?: number;
  /** Cap on the family-raised budget (never below `permutations`). Default 10,000. */
  maxPermutations?: number;
  /**
   * Size of each point's z-space neighbourhood (itself included) among which x is permuted.
   * Default 5: small enough to keep x's dependence on z in the null, large enough to leave most
   * points a not-yet-used neighbour. At most n is used. Ignored without z (the null is then a full
   * permutation).
   */
  shuffleNeighbors?: number;
  /** 'rank' (default): mid-ranks of each column, invariant to monotone maps; 'none': values as given. */
  transform?: 'rank' | 'none';
  /**
   * Standard deviation of seeded Gaussian noise added to each column after the transform, relative
   * to the column's own standard deviation. Default 1e-5. It only breaks ties of distances (ranks
   * and discrete values have many); 1e-5 rather than a smaller value because distances are float32,
   * whose resolution near the largest ranks is about 1e-7 of the range. 0 turns it off.
   */
  noise?: number;
  /**
   * The level at which decisions will be taken. Default 0.05. Used only to size the budget for a
   * family and for early stopping; the p-value itself does not depend on it.
   */
  alpha?: number;
  /**
   * Stop drawing once the decision at `alpha` is settled: as soon as (1 + b) / (1 + budget) > alpha
   * with b null values >= the observed so far, the final p-value could not reach alpha (and no
   * correction raises a threshold above alpha), so the test stops and reports (1 + b) / (1 + B)
   * after B draws, which is above alpha as well. Draws run in rounds of 8, 16, 32, 64, 64, ...
   * and the rule is checked between rounds, so results stay deterministic. Default true.
   */
  adaptive?: boolean;
  /**
   * With `adaptive`, stop drawing once a rejection is settled as well: after at least 56 draws,
   * none of which reached the observed statistic, a Pearson type III (shifted gamma) law matched
   * to the draws' mean, standard deviation and skewness, each moved two standard errors towards a
   * heavier right tail (tail.ts), bounds the chance that the remaining draws would add more than
   * one exceedance (any, where one would already undo a rejection at alpha / family); at or below
   * 5% the test stops and reports 1 / (budget + 1), the full budget's p-value if no further draw
   * reaches the observed (half of it if one does). Why a fitted tail: the statistic is a mean over
   * n points and its null is close to normal (54 tests at n = 2000, 200 draws each: skewness
   * -0.20 to 0.65, mean 0.11; excess kurtosis -0.56 to 1.42, mean 0.01). Under the null the rule
   * can fire only when no draw reached the observed (chance 1 / 57 after 56 draws) and then changes
   * the decision with chance <= 5%: the level moves by at most about 0.001. Measured
   * (docs/structure.md, part h; n = 2000, 3 worlds): the same decisions in all 54 cells, runs 1.2 to
   * 2.4 times faster. Default true.
   */
  tailRejection?: boolean;
  /**
   * With `adaptive`, also stop once this many null values reached the observed statistic
   * (Besag and Clifford's sequential p-value; the reported (1 + b) / (1 + draws) is at least their
   * b / draws, so it stays valid), even where the decision at `alpha` is not settled yet. A
   * decision can then change only where BH rejects at a threshold above h / (budget + 1), i.e.
   * with at least h / 2 rejections in a family whose budget was raised. Measured (part h, 3
   * worlds): h = 20 changed no cell of 54, h = 10 one. Default Infinity (only the settled rule).
   */
  exceedances?: number;
}

export interface Resolved {
  knn: number;
  permutations: number;
  maxPermutations: number;
  shuffleNeighbors: number;
  transform: 'rank' | 'none';
  noise: number;
  alpha: number;
  adaptive: boolean;
  tailRejection: boolean;
  exceedances: number;
}

/**
 * Most permutations one test may draw: p-values down to 1e-5, enough for Bonferroni over 2000
 * tests at 0.05; a test at n = 2000 takes about 5 ms per permutation, so this is already minutes.
 */
export const MAX_PERMUTATIONS = 100_000;
/** Most z-space neighbours of the local permutation (the default is 5; beyond ~n / 20 the null is nearly global). */
export const MAX_SHUFFLE_NEIGHBORS = 1000;
/** Largest integer k (a k-th neighbour distance beyond this is a global scale, not a local one). */
export const MAX_KNN = 100_000;

export const ROUND_FIRST = 8;
export const ROUND_MAX = 64;

export function invalid(argument: string, message: string, value: unknown): SpecialistError {
  return new SpecialistError('INVALID_ARGUMENT', message, { argument, value });
}

export function resolveOptions(options: CmiKnnOptions): Resolved {
  const o = {
    knn: options.knn ?? 0.1,
    permutations: options.permutations ?? 100,
    maxPermutations: options.maxPermutations ?? 10_000,
    shuffleNeighbors: options.shuffleNeighbors ?? 5,
    transform: options.transform ?? 'rank',
    noise: options.noise ?? 1e-5,
    alpha: options.alpha ?? 0.05,
    adaptive: options.adaptive ?? true,
    tailRejection: options.tailRejection ?? true,
    exceedances: options.exceedances ?? Infinity,
  };
  const { knn } = o;
  if (!(typeof knn === 'number' && ((knn > 0 && knn < 1) || (Number.isInteger(knn) && knn >= 1)))) {
    throw invalid('knn', `knn must be an integer >= 1 or a fraction of n in (0, 1), got ${knn}`, knn);
  }
  if (knn >= 1 && knn > MAX_KNN) throw invalid('knn', `knn must be at most ${MAX_KNN} (or a fraction of n), got ${knn}`, knn);
  for (const [name, max] of [['permutations', MAX_PERMUTATIONS], ['maxPermutations', MAX_PERMUTATIONS], ['shuffleNeighbors', MAX_SHUFFLE_NEIGHBORS]] as const) {
    const v = o[name];
    if (!Number.isInteger(v) || v < 1 || v > max) throw invalid(name, `${name} must be an integer in [1, ${max}], got ${v}`, v);
  }
  if (o.transform !== 'rank' && o.transform !== 'none') throw invalid('transform', `transform must be 'rank' or 'none', got ${String(o.transform)}`, o.transform);
  if (!(Number.isFinite(o.noise) && o.noise >= 0)) throw invalid('noise', `noise must be a finite number >= 0, got ${o.noise}`, o.noise);
  if (!(o.alpha > 0 && o.alpha < 1)) throw invalid('alpha', `alpha must be in (0, 1), got ${o.alpha}`, o.alpha);
  if (!(o.exceedances === Infinity || (Number.isInteger(o.exceedances) && o.exceedances >= 1))) {
    throw invalid('exceedances', `exceedances must be an integer >= 1 or Infinity, got ${o.exceedances}`, o.exceedances);
  }
  for (const name of ['adaptive', 'tailRejection'] as const) {
    if (typeof o[name] !== 'boolean') throw invalid(name, `${name} must be true or false, got ${String(o[name])}`, o[name]);
  }
  return o;
}

/** k for n points: an integer as given, or a fraction of n rounded (at least 1). */
export function resolveK(knn: number, n: number): number {
  return knn < 1 ? Math.max(1, Math.round(knn * n)) : knn;
}

/**
 * Fewest rows for a query with these block sizes: k + 1 for the k-th neighbour (integer k), twice
 * the permutation neighbourhood (else the local permutation is a global one and the null loses x's
 * dependence on z), enough orderings for the permutation budget (n! > budget, so a p-value of
 * 1 / (budget + 1) can occur), and 5 rows per dimension of the joint space.
 */
export function minimumRows(options: Pick<Resolved, 'knn' | 'shuffleNeighbors' | 'permutations'>, dims: { x: number; y: number; z: number }): number {
  let orderings = 1;
  let n = 1;
  while (orderings <= options.permutations) orderings *= ++n;
  return Math.max(options.knn >= 1 ? options.knn + 1 : 2, dims.z > 0 ? 2 * options.shuffleNeighbors : 2, n, 5 * (dims.x + dims.y + dims.z));
}

/** The permutation budget of one test among `family` (see CmiKnnOptions.permutations). */
export function permutationBudget(options: Pick<Resolved, 'permutations' | 'maxPermutations' | 'alpha'>, family = 1): number {
  if (family <= 1) return options.permutations;
  const needed = Math.ceil((2 * family) / options.alpha) - 1;
  return Math.max(options.permutations, Math.min(options.maxPermutations, needed));
}

/** 32-bit finaliser of MurmurHash3: a cheap, well-mixing step for seed derivation. */
export function mix32(h: number): number {
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/**
 * The seed of one query: a hash of the prepare seed and the query's columns (each block as a set),
 * so a query draws the same permutations whatever ran before it and in whichever worker.
 */
export function querySeed(seed: number, query: CiQuery): number {
  let h = mix32((seed >>> 0) ^ mix32(Math.floor(seed / 2 ** 32) >>> 0));
  for (const [tag, block] of [[0x78, query.x], [0x79, query.y], [0x7a, query.z]] as const) {
    h = mix32(h ^ Math.imul(tag, 0x9e3779b1));
    for (const c of [...block].sort((a, b) => a - b)) h = mix32((h + Math.imul(c + 1, 0x27d4eb2f)) >>> 0);
  }
  return h;
}
