// The generalised covariance measure's options with their defaults and checks; the defaults were
// chosen by measurement (docs/structure.md, "GCM").
import { SpecialistError } from '../../../core/errors.ts';
import { checkCount } from '../../../core/validate.ts';
import { WEIGHTED_CHI_SQUARE_METHODS, type WeightedChiSquareMethod } from '../../../stats/weighted-chi-square.ts';
import type { ColumnTransform } from '../columns.ts';
import { defaultFeaturesZ, MAX_FEATURES } from '../rcot/options.ts';

/** Options of the generalised covariance measure (cross-fitted ridge regressions on random features of z); each documents its default. */
export interface GcmOptions {
  /**
   * Random Fourier features of z in the regression basis (z's own columns are always in it).
   * Default: FEATURES_PER_Z_COLUMN per column of z, at least RCoT's default for n (100 up to
   * n = 2000, then 100 sqrt(n / 2000)) and at most twice it (defaultGcmFeaturesZ). What the basis
   * misses of E[x | z] and E[y | z] is the bias that breaks the level: n makes it visible, and a
   * wide z (two neighbours of 33 components on lifted latents) leaves more of it to miss.
   */
  featuresZ?: number;
  /** Bandwidths of the z features relative to z's median distance. Default [0.5, 1, 2], as RCoT. */
  scalesZ?: readonly number[];
  /**
   * Folds of the cross-fitting: each row's regressions are fitted on the other folds. Default 5.
   * In-sample residuals (1) share the fit's own noise: on data where z explains 99% of x and y they
   * rejected 14 / 60 at 0.05 (smallest p 3e-12), cross-fitted ones 2 / 60.
   */
  folds?: number;
  /**
   * Random Fourier features of each residual block for the nonlinear part of the test
   * (0: the linear part alone). Default 5: they see dependence that no correlation of the
   * residuals shows (y = x^2) and cost a second regression on the same basis.
   */
  featuresResidual?: number;
  /** 'standardise' (default) or 'normal-scores' (ranks through the normal quantile; for heavy tails). */
  transform?: ColumnTransform;
  /** Tail of the weighted chi-square null. Default 'saddlepoint'. */
  approximation?: WeightedChiSquareMethod;
}

export interface ResolvedGcm {
  featuresZ: number | null;
  scalesZ: readonly number[];
  folds: number;
  featuresResidual: number;
  transform: ColumnTransform;
  approximation: WeightedChiSquareMethod;
}

/**
 * Most residual products per part: a wide x against a wide y keeps its leading directions (see
 * query.ts). Every product carries a small excess over its null, the regressions' bias and the
 * fits' own noise that all of a fold's rows share, and the excesses add up over the products
 * while the null's spread grows only as their square root: on lifted W = 512 worlds the null
 * statistic of the 165 products of 33 x 5 residual directions averaged 1.03-1.11 times its null
 * mean, and 10 / 74 null cells fell below 0.05 with 200 products, 7 / 74 with 50
 * (docs/structure.md, "GCM").
 */
export const MAX_PRODUCTS = 50;
/** Random features of z per column of z in the default basis (see GcmOptions.featuresZ). */
export const FEATURES_PER_Z_COLUMN = 3;
/** Rows per residual product (the null's weights are eigenvalues of their covariance), as RCoT's. */
const ROWS_PER_PRODUCT = 2;

function invalid(argument: string, message: string, value: unknown): SpecialistError {
  return new SpecialistError('INVALID_ARGUMENT', message, { argument, value });
}

export function resolveGcmOptions(options: GcmOptions): ResolvedGcm {
  if (options === null || typeof options !== 'object') throw invalid('options', 'gcm options must be an object', options);
  const o: ResolvedGcm = {
    featuresZ: options.featuresZ ?? null,
    scalesZ: options.scalesZ ?? [0.5, 1, 2],
    folds: options.folds ?? 5,
    featuresResidual: options.featuresResidual ?? 5,
    transform: options.transform ?? 'standardise',
    approximation: options.approximation ?? 'saddlepoint',
  };
  if (o.featuresZ !== null) checkCount('featuresZ', o.featuresZ, 1, MAX_FEATURES);
  checkCount('featuresResidual', o.featuresResidual, 0, 100);
  checkCount('folds', o.folds, 2, 20);
  if (!Array.isArray(o.scalesZ) || o.scalesZ.length < 1 || o.scalesZ.length > 8 || !o.scalesZ.every((s) => Number.isFinite(s) && s > 0)) {
    throw invalid('scalesZ', `scalesZ must list 1 to 8 positive bandwidth factors, got ${JSON.stringify(o.scalesZ)}`, o.scalesZ);
  }
  // 0.1's spelling, refused by name (the SDK writes British English), as RcotOptions.transform.
  if ((o.transform as string) === 'standardize') throw invalid('transform', "transform 'standardize' is spelt 'standardise' since 1.0", o.transform);
  if (o.transform !== 'standardise' && o.transform !== 'normal-scores') throw invalid('transform', `transform must be 'standardise' or 'normal-scores', got ${String(o.transform)}`, o.transform);
  if (!WEIGHTED_CHI_SQUARE_METHODS.includes(o.approximation)) {
    throw invalid('approximation', `approximation must be one of ${WEIGHTED_CHI_SQUARE_METHODS.join(', ')}, got ${String(o.approximation)}`, o.approximation);
  }
  return o;
}

/** The default number of z features for n rows and a z of `width` columns (see GcmOptions.featuresZ). */
export function defaultGcmFeaturesZ(n: number, width: number): number {
  const base = defaultFeaturesZ(n);
  return Math.min(2 * base, Math.max(base, FEATURES_PER_Z_COLUMN * width));
}

/** Residual directions kept per block so that their products stay at most MAX_PRODUCTS: the larger block gives way first. */
export function productShape(dx: number, dy: number): { x: number; y: number } {
  let x = dx;
  let y = dy;
  while (x * y > MAX_PRODUCTS) {
    if (x >= y) x--;
    else y--;
  }
  return { x, y };
}

/**
 * Fewest rows for a query with blocks of these sizes: two per residual product (as RCoT), at
 * least 50, and enough for every fold's regression to have more rows than z has columns.
 */
export function gcmMinimumRows(options: ResolvedGcm, dims: { x: number; y: number; z: number }): number {
  const { x, y } = productShape(dims.x, dims.y);
  const nonlinear = options.featuresResidual ** 2;
  const perFold = Math.ceil(((dims.z + 1) * options.folds) / (options.folds - 1));
  return Math.max(50, ROWS_PER_PRODUCT * Math.max(x * y, nonlinear), perFold);
}
