// RCoT's options with their defaults and checks; the defaults were chosen by measurement
// (docs/structure.md, "RCoT: how its settings were chosen").
import { SpecialistError } from '../../../core/errors.ts';
import { WEIGHTED_CHI_SQUARE_METHODS, type WeightedChiSquareMethod } from '../../../stats/weighted-chi-square.ts';
import type { ColumnTransform } from '../columns.ts';
import { checkCalibration, type RcotCalibration } from './calibration.ts';
import { featureWidth, type BlockFeatures } from '../random-features.ts';

/**
 * Options of the randomised conditional correlation test (random Fourier features, analytic null);
 * each documents its default.
 */
export interface RcotOptions {
  /**
   * Random Fourier features of the x block. Default 5 (RCoT's own). Power depends on these more
   * than on anything else: 3 lost a third of the true cells of the nonlinear world that 5 found,
   * and 10 found no more than 5.
   */
  featuresX?: number;
  /** Random Fourier features of the y block. Default 5, as featuresX. */
  featuresY?: number;
  /**
   * Random Fourier features of z, the basis of the regressions that take E[phi(x) | z] and
   * E[phi(y) | z] out. Default: 100 up to n = 2000, then 100 sqrt(n / 2000) (224 at n = 10,000):
   * what a fixed basis misses of E[phi(x) | z] shows up as dependence once n is large enough to
   * see it, so the basis grows with n.
   */
  featuresZ?: number;
  /**
   * Linear features too: z's columns join its basis, and x's and y's columns (or 8 random
   * projections of a block wider than 8) join their features, and the test combines the statistic
   * over all features with the one over the linear pairs alone (Bonferroni). Default true: the
   * linear part of E[phi(x) | z] is what random features of a wide bandwidth fit worst, and the
   * linear part of the statistic keeps the power of a partial correlation against nearly linear
   * dependence (mean MCC on five nonlinear worlds at n = 1000: 0.725 without it, 0.832 with it).
   */
  linear?: boolean;
  /**
   * Bandwidths of the z features relative to the median distance between rows of z; the features
   * are split evenly among them. Default [0.5, 1, 2]: a basis at one bandwidth misses what is
   * smoother or rougher than it, and the ridge (chosen by GCV) only shrinks, it cannot add.
   */
  scalesZ?: readonly number[];
  /**
   * Bandwidth of the x and y features relative to their median distance. Default 2: smoother
   * features of x and y have conditional means that the z basis fits better (a smaller bias
   * under independence) and lose no power against smooth dependence.
   */
  scaleXY?: number;
  /** 'standardise' (default): mean 0, variance 1 per column; 'normal-scores': ranks through the normal quantile. */
  transform?: ColumnTransform;
  /** Tail of the weighted chi-square null. Default 'saddlepoint' (accurate to a few per cent far into the tail). */
  approximation?: WeightedChiSquareMethod;
  /**
   * Column scaling and block bandwidths fixed in advance (from a pilot sample: calibrateRcot)
   * instead of taken from the data. Default: none, from the data. A sharded run needs it (every
   * shard must compute the same features), and a run over all rows given the same calibration
   * gives the same answer (docs/scale.md). `transform` must then be 'standardise'.
   */
  calibration?: RcotCalibration;
}

export interface Resolved {
  featuresX: number;
  featuresY: number;
  /** null: chosen from n at prepare (defaultFeaturesZ). */
  featuresZ: number | null;
  linear: boolean;
  scalesZ: readonly number[];
  scaleXY: number;
  transform: ColumnTransform;
  approximation: WeightedChiSquareMethod;
  calibration: RcotCalibration | null;
}

/** Features per block stay at most this: a covariance of 1000^2 per test at n = 10,000 takes seconds. */
export const MAX_FEATURES = 1000;
/** Linear features of an x or y block: its columns, or this many random projections of a wider block. */
export const MAX_LINEAR_XY = 8;

/** The default number of z features for n rows (see RcotOptions.featuresZ). */
export function defaultFeaturesZ(n: number): number {
  return Math.round(100 * Math.sqrt(Math.max(1, n / 2000)));
}

function invalid(argument: string, message: string, value: unknown): SpecialistError {
  return new SpecialistError('INVALID_ARGUMENT', message, { argument, value });
}

export function resolveOptions(options: RcotOptions): Resolved {
  if (options === null || typeof options !== 'object') throw invalid('options', 'rcot options must be an object', options);
  const o: Resolved = {
    featuresX: options.featuresX ?? 5,
    featuresY: options.featuresY ?? 5,
    featuresZ: options.featuresZ ?? null,
    linear: options.linear ?? true,
    scalesZ: options.scalesZ ?? [0.5, 1, 2],
    scaleXY: options.scaleXY ?? 1,
    transform: options.transform ?? 'standardise',
    approximation: options.approximation ?? 'saddlepoint',
    calibration: options.calibration ?? null,
  };
  for (const name of ['featuresX', 'featuresY', 'featuresZ'] as const) {
    const v = o[name];
    if (v === null) continue;
    if (!Number.isInteger(v) || v < 1 || v > MAX_FEATURES) throw invalid(name, `${name} must be an integer in [1, ${MAX_FEATURES}], got ${v}`, v);
  }
  if (typeof o.linear !== 'boolean') throw invalid('linear', `linear must be true or false, got ${String(o.linear)}`, o.linear);
  if (!Array.isArray(o.scalesZ) || o.scalesZ.length < 1 || o.scalesZ.length > 8 || !o.scalesZ.every((s) => Number.isFinite(s) && s > 0)) {
    throw invalid('scalesZ', `scalesZ must list 1 to 8 positive bandwidth factors, got ${JSON.stringify(o.scalesZ)}`, o.scalesZ);
  }
  if (!(Number.isFinite(o.scaleXY) && o.scaleXY > 0)) throw invalid('scaleXY', `scaleXY must be a positive number, got ${o.scaleXY}`, o.scaleXY);
  // 0.1's spelling, refused by name rather than as any unknown value (the SDK writes British English).
  if ((o.transform as string) === 'standardize') throw invalid('transform', "transform 'standardize' is spelt 'standardise' since 1.0", o.transform);
  if (o.transform !== 'standardise' && o.transform !== 'normal-scores') throw invalid('transform', `transform must be 'standardise' or 'normal-scores', got ${String(o.transform)}`, o.transform);
  if (!WEIGHTED_CHI_SQUARE_METHODS.includes(o.approximation)) {
    throw invalid('approximation', `approximation must be one of ${WEIGHTED_CHI_SQUARE_METHODS.join(', ')}, got ${String(o.approximation)}`, o.approximation);
  }
  if (o.calibration) {
    checkCalibration(o.calibration);
    if (o.transform !== 'standardise') throw invalid('calibration', 'a calibration scales the columns itself: it needs transform \'standardise\'', o.transform);
  }
  return o;
}

/** The features of each block (x, y, z) for the resolved options. */
export function blockSpecs(options: Resolved, featuresZ: number): { x: BlockFeatures; y: BlockFeatures; z: BlockFeatures } {
  return {
    x: { count: options.featuresX, scales: [options.scaleXY], linear: options.linear, maxLinear: MAX_LINEAR_XY },
    y: { count: options.featuresY, scales: [options.scaleXY], linear: options.linear, maxLinear: MAX_LINEAR_XY },
    z: { count: featuresZ, scales: options.scalesZ, linear: options.linear },
  };
}

/**
 * Fewest rows for a query with these block sizes: the null's weights are the eigenvalues of a
 * covariance of px py products of residual features, which needs rows to be estimated. Measured
 * (x, y of one column each, so 36 products; z of 2; 150 data sets per n): at n = 40 the test
 * rejected 6.0% at 0.05 and 3.3% at 0.01; from n = 80 (2 rows per product) at most 4.0% and 0.7%.
 */
export function rcotMinimumRows(options: Resolved, dims: { x: number; y: number; z: number }): number {
  const specs = blockSpecs(options, 1);
  return Math.max(50, ROWS_PER_PRODUCT * featureWidth(dims.x, specs.x) * featureWidth(dims.y, specs.y));
}

/** See rcotMinimumRows. */
const ROWS_PER_PRODUCT = 2;
