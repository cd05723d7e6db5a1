// Randomized conditional correlation test (RCoT; Strobl, Zhang and Visweswaran 2019): a kernel CI
// test made linear in n by random Fourier features, with an analytic null (no permutations).
//
//   phi_x, phi_y, phi_z  random Fourier features of the x, y and z blocks (random-features.ts)
//   residuals            r_x = phi_x - E[phi_x | phi_z], r_y likewise, by ridge regression on phi_z
//   statistic            S = n ||C_{xy.z}||_F^2, C_{xy.z} the cross-covariance of r_x and r_y
//   null                 S ~ sum_j w_j chi^2_1, w the eigenvalues of the covariance of the
//                        products r_x,a r_y,b (one per pair of features a, b)
//
// Everything heavy is one covariance of the [n, fz + fx + fy] feature matrix and one of the
// [n, fx fy] products, both on the wasm `covariance` kernel (float64 accumulation).

import { SpecialistError, throwIfAborted } from '../../core/errors.ts';
import type { CallOptions } from '../../core/call-options.ts';
import { checkMatrix, type Matrix } from '../../core/tensor.ts';
import { runKernel } from '../../kernels/registry.ts';
import type { KernelRuntime } from '../../kernels/runtime.ts';
import { createRng } from '../../core/random.ts';
import { symmetricEigenvalues } from '../../stats/symmetric-eigen.ts';
import { WEIGHTED_CHI_SQUARE_METHODS, weightedChiSquareSf, type WeightedChiSquareMethod } from '../../stats/weighted-chi-square.ts';
import type { CiPrepareContext, CiQuery, CiResult, CiTest, PreparedCiTest } from '../ci-test.ts';
import { querySeed } from './cmi-knn/options.ts';
import { transformColumns, type ColumnTransform } from './columns.ts';
import { checkQueryColumns } from './query.ts';
import { Bandwidths, featureWidth, writeBlockFeatures, type BlockFeatures } from './random-features.ts';
import { ridgeByGcv } from './ridge.ts';

export interface RcotOptions {
  /** Random features of the x block. Default 5. */
  featuresX?: number;
  /** Random features of the y block. Default 5. */
  featuresY?: number;
  /** Random features of the z block (the regression's basis). Default 100. */
  featuresZ?: number;
  /** Also use the (transformed) columns themselves as features of every block. Default false. */
  linear?: boolean;
  /** 'standardize' (default): mean 0, variance 1 per column; 'normal-scores': ranks mapped through the normal quantile. */
  transform?: ColumnTransform;
  /** Tail of the weighted chi-square null. Default 'saddlepoint'. */
  approximation?: WeightedChiSquareMethod;
  /** Bandwidth of the x and y features relative to the median distance. Default 1. */
  scaleXY?: number;
  /** Bandwidths of the z features relative to the median distance, the features split evenly among them. Default [1]. */
  scalesZ?: number[];
  /** Ridge of the regression on phi_z, relative to the mean variance of the z features. Default 1e-6. */
  ridge?: number;
}

interface Resolved {
  featuresX: number;
  featuresY: number;
  featuresZ: number;
  linear: boolean;
  transform: ColumnTransform;
  approximation: WeightedChiSquareMethod;
  ridge: number;
  scalesZ: number[];
  scaleXY: number;
}

/** Features per block stay below this: a covariance of (3 x 1000)^2 per test is already slow. */
const MAX_FEATURES = 1000;

function invalid(argument: string, message: string, value: unknown): SpecialistError {
  return new SpecialistError('INVALID_ARGUMENT', message, { argument, value });
}

function resolveOptions(options: RcotOptions): Resolved {
  if (options === null || typeof options !== 'object') throw invalid('options', 'rcot options must be an object', options);
  const o: Resolved = {
    featuresX: options.featuresX ?? 5,
    featuresY: options.featuresY ?? 5,
    featuresZ: options.featuresZ ?? 100,
    linear: options.linear ?? false,
    transform: options.transform ?? 'standardize',
    approximation: options.approximation ?? 'saddlepoint',
    ridge: options.ridge ?? 1e-6,
    scalesZ: options.scalesZ ?? [1],
    scaleXY: options.scaleXY ?? 1,
  };
  for (const name of ['featuresX', 'featuresY', 'featuresZ'] as const) {
    const v = o[name];
    if (!Number.isInteger(v) || v < 1 || v > MAX_FEATURES) throw invalid(name, `${name} must be an integer in [1, ${MAX_FEATURES}], got ${v}`, v);
  }
  if (typeof o.linear !== 'boolean') throw invalid('linear', `linear must be true or false, got ${String(o.linear)}`, o.linear);
  if (o.transform !== 'standardize' && o.transform !== 'normal-scores') throw invalid('transform', `transform must be 'standardize' or 'normal-scores', got ${String(o.transform)}`, o.transform);
  if (!WEIGHTED_CHI_SQUARE_METHODS.includes(o.approximation)) {
    throw invalid('approximation', `approximation must be one of ${WEIGHTED_CHI_SQUARE_METHODS.join(', ')}, got ${String(o.approximation)}`, o.approximation);
  }
  if (!(Number.isFinite(o.ridge) && o.ridge > 0 && o.ridge < 1)) throw invalid('ridge', `ridge must be in (0, 1), got ${o.ridge}`, o.ridge);
  return o;
}

/**
 * C_{xy.z}, the cross-covariance of the residuals r_x = phi_x - Z beta_x, r_y = phi_y - Z beta_y
 * (fx x fy), and beta (pz x (px + py)): cov(r_a, r_b) = C_ab - beta_a . s_b - beta_b . s_a +
 * beta_a^T S beta_b, S the z-feature covariance and s_t its covariance with feature t.
 */
function partialCrossCovariance(cov: Float64Array, width: number, n: number, pz: number, px: number, py: number): { cxy: Float64Array; beta: Float64Array } {
  const pt = px + py;
  const cxy = new Float64Array(px * py);
  for (let a = 0; a < px; a++) for (let b = 0; b < py; b++) cxy[a * py + b] = cov[(pz + a) * width + pz + px + b];
  if (pz === 0) return { cxy, beta: new Float64Array(0) };
  const { beta } = ridgeByGcv(cov, width, pz, Array.from({ length: pt }, (_, t) => pz + t), n);
  const sBeta = new Float64Array(pz * pt);
  for (let i = 0; i < pz; i++) {
    for (let t = 0; t < pt; t++) {
      let s = 0;
      for (let j = 0; j < pz; j++) s += cov[i * width + j] * beta[j * pt + t];
      sBeta[i * pt + t] = s;
    }
  }
  for (let a = 0; a < px; a++) {
    for (let b = 0; b < py; b++) {
      const tb = px + b;
      let s = 0;
      for (let i = 0; i < pz; i++) {
        s += -beta[i * pt + a] * cov[i * width + pz + tb] - beta[i * pt + tb] * cov[i * width + pz + a] + beta[i * pt + a] * sBeta[i * pt + tb];
      }
      cxy[a * py + b] += s;
    }
  }
  return { cxy, beta };
}

/** Products r_x,a r_y,b of the residual features, row-major [n, px py]. */
function residualProducts(features: Float32Array, means: Float64Array, n: number, width: number, pz: number, px: number, py: number, beta: Float64Array): Float32Array {
  const pt = px + py;
  const out = new Float32Array(n * px * py);
  const centred = new Float64Array(pz);
  const r = new Float64Array(pt);
  for (let i = 0; i < n; i++) {
    const row = i * width;
    for (let j = 0; j < pz; j++) centred[j] = features[row + j] - means[j];
    for (let t = 0; t < pt; t++) {
      let s = features[row + pz + t] - means[pz + t];
      for (let j = 0; j < pz; j++) s -= centred[j] * beta[j * pt + t];
      r[t] = s;
    }
    const base = i * px * py;
    for (let a = 0; a < px; a++) for (let b = 0; b < py; b++) out[base + a * py + b] = r[a] * r[px + b];
  }
  return out;
}

interface Prepared {
  n: number;
  columns: Float64Array[];
  constant: boolean[];
  bandwidths: Bandwidths;
}

function runQuery(runtime: KernelRuntime, prepared: Prepared, options: Resolved, seed: number, query: CiQuery, call: CallOptions): CiResult {
  const { n, columns } = prepared;
  const blocks = checkQueryColumns(query, columns.length);
  for (const c of [...blocks.x, ...blocks.y, ...blocks.z]) {
    if (prepared.constant[c]) throw new SpecialistError('INVALID_ARGUMENT', `column ${c} is constant: rcot needs variation in every column of a query`, { argument: 'query', column: c, reason: 'constant' });
  }
  throwIfAborted(call.signal);
  const specX: BlockFeatures = { count: options.featuresX, scales: [options.scaleXY], linear: options.linear };
  const specY: BlockFeatures = { count: options.featuresY, scales: [options.scaleXY], linear: options.linear };
  const specZ: BlockFeatures = { count: options.featuresZ, scales: options.scalesZ, linear: options.linear };
  const pz = featureWidth(blocks.z.length, specZ);
  const px = featureWidth(blocks.x.length, specX);
  const py = featureWidth(blocks.y.length, specY);
  const width = pz + px + py;
  const rng = createRng(querySeed(seed, query));
  const features = new Float32Array(n * width);
  const write = (block: number[], spec: BlockFeatures, offset: number) => {
    if (block.length) writeBlockFeatures(rng, block.map((c) => columns[c]), n, prepared.bandwidths.of(block), spec, features, width, offset);
  };
  write(blocks.x, specX, pz);
  write(blocks.y, specY, pz + px);
  write(blocks.z, specZ, 0);
  const { means, cov } = runKernel(runtime, 'covariance', { x: { data: features, rows: n, cols: width } }, { signal: call.signal });
  const { cxy, beta } = partialCrossCovariance(cov, width, n, pz, px, py);
  let statistic = 0;
  for (const v of cxy) statistic += v * v;
  statistic *= n;
  const products = residualProducts(features, means, n, width, pz, px, py, beta);
  const sigma = runKernel(runtime, 'covariance', { x: { data: products, rows: n, cols: px * py } }, { signal: call.signal }).cov;
  const weights = symmetricEigenvalues(sigma, px * py);
  return { statistic, pValue: weightedChiSquareSf(statistic, weights, options.approximation) };
}

/**
 * The RCoT conditional-independence test (see RcotOptions for the defaults). Randomness (the
 * features) derives from the prepare seed and each query's columns only, so results do not depend
 * on the order of queries or on the thread that runs them.
 */
export function rcot(options: RcotOptions = {}): CiTest {
  const resolved = resolveOptions(options);
  return {
    name: 'rcot',
    prepare(data: Matrix, context: CiPrepareContext): PreparedCiTest {
      if (!context?.kernels) throw new SpecialistError('INVALID_ARGUMENT', 'rcot needs a kernel runtime (kernels) in the prepare context', { argument: 'kernels' });
      if (!Number.isFinite(context.seed)) throw invalid('seed', `seed must be a finite number, got ${context.seed}`, context.seed);
      checkMatrix('data', data);
      throwIfAborted(context.signal);
      const transformed = transformColumns(data, resolved.transform);
      const prepared: Prepared = { n: data.rows, ...transformed, bandwidths: new Bandwidths(transformed.columns, data.rows) };
      return { test: (query, call = {}) => runQuery(context.kernels, prepared, resolved, context.seed, query, call) };
    },
  };
}
