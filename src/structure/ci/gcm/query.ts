// One GCM query (see index.ts): cross-fitted residuals of x and y given z, each residual block
// on the principal directions of the rank it supports, and the statistic n |mean of the products|^2 with its weighted
// chi-square null; then the same on random Fourier features of those residuals.
import type { CallOptions } from '../../../core/call-options.ts';
import { SpecialistError, throwIfAborted } from '../../../core/errors.ts';
import { createRng } from '../../../core/random.ts';
import { getKernel } from '../../../kernels/registry.ts';
import type { KernelRuntime } from '../../../kernels/runtime.ts';
import { symmetricEigen } from '../../../stats/symmetric-eigen.ts';
import { fastSymmetricEigenvalues } from '../../../stats/tridiagonal-eigen.ts';
import { weightedChiSquareSf } from '../../../stats/weighted-chi-square.ts';
import type { CiQuery, CiResult } from '../../ci-test.ts';
import { querySeed } from '../cmi-knn/options.ts';
import { checkQueryColumns } from '../query.ts';
import { featureWidth, medianDistance, writeBlockFeatures, writeFourierFeatures, type Bandwidths } from '../random-features.ts';
import { crossFitResiduals, foldBasis, type FoldedBasis } from './cross-fit.ts';
import { defaultGcmFeaturesZ, gcmMinimumRows, productShape, type ResolvedGcm } from './options.ts';

/**
 * A residual direction whose variance is below this share of its block's variance is a direction
 * that z determines (to rounding): x _||_ y | z holds in it whatever y is, and keeping it would
 * only magnify rounding and the fit's bias, so it is dropped (the rank the test states).
 */
export const DETERMINED = 1e-8;

export interface PreparedGcm {
  n: number;
  /** Transformed columns in fold order. */
  columns: Float64Array[];
  constant: boolean[];
  bandwidths: Bandwidths;
  /** As asked; null: defaultGcmFeaturesZ for n and each query's z. */
  featuresZ: number | null;
  lastZ: FoldedBasis | null;
  /** The last tested blocks processed (testedBlock). */
  blocks: Block[];
}

function zBasis(kernels: KernelRuntime, prepared: PreparedGcm, options: ResolvedGcm, seed: number, z: readonly number[]): FoldedBasis {
  const key = z.join(',');
  if (prepared.lastZ?.key === key) return prepared.lastZ;
  prepared.lastZ = null;
  const { n } = prepared;
  const spec = { count: prepared.featuresZ ?? defaultGcmFeaturesZ(n, z.length), scales: options.scalesZ, linear: true };
  const p = featureWidth(z.length, spec);
  const features = new Float32Array(n * p);
  const rng = createRng(querySeed(seed, { x: [], y: [], z }));
  writeBlockFeatures(rng, z.map((c) => prepared.columns[c]), n, prepared.bandwidths.of(z), spec, features, p, 0, kernels);
  prepared.lastZ = foldBasis(kernels, key, features, n, p, options.folds, z.length);
  return prepared.lastZ;
}

/** Residuals of the columns (row-major [n, m]) given z, or the centred columns when z is empty. */
function residualsOf(basis: FoldedBasis | null, targets: Float64Array, m: number, n: number): { residuals: Float64Array; variances: Float64Array } {
  if (basis) return crossFitResiduals(basis, targets, m);
  const residuals = Float64Array.from(targets);
  const variances = new Float64Array(m);
  for (let t = 0; t < m; t++) {
    let mean = 0;
    for (let i = 0; i < n; i++) mean += residuals[i * m + t] / n;
    for (let i = 0; i < n; i++) (residuals[i * m + t] -= mean, variances[t] += residuals[i * m + t] ** 2 / (n - 1));
  }
  return { residuals, variances };
}

/**
 * The residuals (row-major [n, m]) on at most `keep` principal directions: those of their
 * covariance with the largest variance, leaving out those below DETERMINED of the block's variance
 * before the regression, `total`. Scaled by the largest direction's spread, not whitened: whitening
 * would magnify the directions z nearly determines, where the regression's bias outweighs the
 * noise (on lifted generalist worlds it made false cells); kept at their variance, each direction
 * weighs in the statistic as much as it varies, and the null's weights follow.
 */
export function principalResiduals(residuals: Float64Array, m: number, n: number, total: number, keep: number): { e: Float64Array; rank: number; k: number } {
  const width = m;
  const c = new Float64Array(width * width);
  for (let i = 0; i < n; i++) {
    const row = i * m;
    for (let a = 0; a < width; a++) for (let b = 0; b <= a; b++) c[a * width + b] += residuals[row + a] * residuals[row + b];
  }
  for (let a = 0; a < width; a++) for (let b = 0; b <= a; b++) c[b * width + a] = c[a * width + b] /= n;
  // In decreasing order of value: the kept directions are a prefix.
  const { values, vectors } = symmetricEigen(c, width);
  const order = [...values.keys()].filter((j) => values[j] > DETERMINED * total);
  const kept = order.slice(0, keep);
  const k = kept.length;
  const scale = k > 0 ? Math.sqrt(values[kept[0]]) : 1;
  const e = new Float64Array(n * k);
  for (let i = 0; i < n; i++) {
    kept.forEach((j, o) => {
      let s = 0;
      for (let a = 0; a < width; a++) s += residuals[i * m + a] * vectors[a * width + j];
      e[i * k + o] = s / scale;
    });
  }
  return { e, rank: order.length, k };
}

const sum = (v: Float64Array) => v.reduce((s, x) => s + x, 0);

/** n |mean of the products e_x,a e_y,b|^2 and its weighted chi-square tail. */
function productTest(kernels: KernelRuntime, ex: Float64Array, kx: number, ey: Float64Array, ky: number, n: number, options: ResolvedGcm): CiResult {
  const width = kx * ky;
  const products = new Float32Array(n * width);
  for (let i = 0; i < n; i++) for (let a = 0; a < kx; a++) for (let b = 0; b < ky; b++) products[i * width + a * ky + b] = ex[i * kx + a] * ey[i * ky + b];
  const { means, cov } = getKernel('covariance').wasm(kernels, { x: { data: products, rows: n, cols: width } });
  let statistic = 0;
  for (const v of means) statistic += v * v;
  statistic *= n;
  return { statistic, pValue: weightedChiSquareSf(statistic, fastSymmetricEigenvalues(cov, width), options.approximation) };
}

/** `count` random Fourier features of the residual block e ([n, k]) at its median distance, into `out` ([n, count]). */
function residualFeatures(kernels: KernelRuntime, e: Float64Array, k: number, n: number, count: number, seed: number, out: Float64Array): void {
  const columns = Array.from({ length: k }, (_, j) => Float64Array.from({ length: n }, (_, i) => e[i * k + j]));
  const features = new Float32Array(n * count);
  const sigma = medianDistance(columns, n) || Math.sqrt(2 * k);
  writeFourierFeatures(createRng(seed), columns, n, sigma, count, features, count, 0, kernels);
  for (let i = 0; i < n * count; i++) out[i] = features[i];
}

/** One tested block given z: its residuals on their principal directions and, for the nonlinear part, those of their random features. */
interface Block {
  key: string;
  /** Residual directions z does not determine. */
  rank: number;
  e: Float64Array;
  k: number;
  features: { e: Float64Array; k: number } | null;
}

/**
 * The block's residuals given z, on at most `keep` principal directions, and the residuals of
 * `featuresResidual` random features of those (again given z). Kept for the next query: the M
 * direct tests of a segment share x and z.
 */
function testedBlock(kernels: KernelRuntime, prepared: PreparedGcm, options: ResolvedGcm, seed: number, basis: FoldedBasis | null, columns: readonly number[], z: readonly number[], keep: number): Block {
  const key = `${columns.join(',')}|${z.join(',')}|${keep}`;
  const cached = prepared.blocks.find((b) => b.key === key);
  if (cached) return cached;
  const { n } = prepared;
  const m = columns.length;
  const targets = new Float64Array(n * m);
  columns.forEach((c, t) => { for (let i = 0; i < n; i++) targets[i * m + t] = prepared.columns[c][i]; });
  const first = residualsOf(basis, targets, m, n);
  const { e, rank, k } = principalResiduals(first.residuals, m, n, sum(first.variances), keep);
  let features: Block['features'] = null;
  const q = options.featuresResidual;
  if (q > 0 && k > 0) {
    // A residual's spread may vary with z: its features' dependence on z is taken out again.
    const raw = new Float64Array(n * q);
    residualFeatures(kernels, e, k, n, q, querySeed(seed, { x: columns, y: [], z }), raw);
    const second = residualsOf(basis, raw, q, n);
    const w = principalResiduals(second.residuals, q, n, sum(second.variances), q);
    features = { e: w.e, k: w.k };
  }
  const block = { key, rank, e, k, features };
  prepared.blocks = [block, ...prepared.blocks.slice(0, 1)];
  return block;
}

export function runGcmQuery(kernels: KernelRuntime, prepared: PreparedGcm, options: ResolvedGcm, seed: number, query: CiQuery, call: CallOptions): CiResult {
  const { n } = prepared;
  const blocks = checkQueryColumns(query, prepared.columns.length);
  const dims = { x: blocks.x.length, y: blocks.y.length, z: blocks.z.length };
  const needed = gcmMinimumRows(options, dims);
  if (n < needed) {
    throw new SpecialistError('INVALID_ARGUMENT', `gcm on ${dims.x} + ${dims.y} tested and ${dims.z} conditioning columns needs at least ${needed} rows, got ${n}`, { argument: 'data', reason: 'too-few-rows', rows: n, needed });
  }
  for (const c of [...blocks.x, ...blocks.y, ...blocks.z]) {
    if (prepared.constant[c]) throw new SpecialistError('INVALID_ARGUMENT', `column ${c} is constant: gcm needs variation in every column of a query`, { argument: 'query', column: c, reason: 'constant' });
  }
  throwIfAborted(call.signal);
  const basis = blocks.z.length > 0 ? zBasis(kernels, prepared, options, seed, blocks.z) : null;
  const shape = productShape(dims.x, dims.y);
  const x = testedBlock(kernels, prepared, options, seed, basis, blocks.x, blocks.z, shape.x);
  throwIfAborted(call.signal);
  const y = testedBlock(kernels, prepared, options, seed, basis, blocks.y, blocks.z, shape.y);
  const rank = { x: x.rank, y: y.rank, z: dims.z };
  // A block that z determines in every direction is independent of anything given z.
  if (x.k === 0 || y.k === 0) return { statistic: 0, pValue: 1, rank };
  const linear = productTest(kernels, x.e, x.k, y.e, y.k, n, options);
  if (!x.features?.k || !y.features?.k) return { ...linear, rank };
  const nonlinear = productTest(kernels, x.features.e, x.features.k, y.features.e, y.features.k, n, options);
  return { statistic: linear.statistic, pValue: Math.min(1, 2 * Math.min(linear.pValue, nonlinear.pValue)), rank };
}
