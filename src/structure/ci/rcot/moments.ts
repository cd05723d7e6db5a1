// RCoT as statistics of rows, so that a test over all rows and one over merged parts of them are
// the same computation (src/scale/ merges the parts; docs/scale.md):
//   round 1  the moments of a *feature group*: the features of one z block and of every x / y
//            block tested against it, side by side ([phi_z | phi_t1 | phi_t2 ...]); from their
//            covariance come the ridge regressions of each target feature on the z basis (beta),
//            and the residual cross-covariance C_{xy.z} of each query;
//   round 2  given the means and beta of round 1, the moments of the products r_x,a r_y,b of each
//            query's residual features: the covariance whose eigenvalues weight the null.
// Each row's features and residual products depend on that row alone (the feature weights come
// from the seed, the scaling from the calibration), so rows can be split anywhere.
import type { CallOptions } from '../../../core/call-options.ts';
import { createRng } from '../../../core/random.ts';
import { getKernel } from '../../../kernels/registry.ts';
import type { KernelRuntime } from '../../../kernels/runtime.ts';
import { covarianceOf, emptyMoments, mergePairwise, type Moments } from '../../../stats/moments.ts';
import { symmetricEigenvalues } from '../../../stats/symmetric-eigen.ts';
import { weightedChiSquareSf } from '../../../stats/weighted-chi-square.ts';
import type { CiResult } from '../../ci-test.ts';
import { querySeed } from '../cmi-knn/options.ts';
import { featureWidth, writeBlockFeatures, type BlockFeatures } from '../random-features.ts';
import { ridgeBasis, ridgeFit, type RidgeBasis } from '../ridge.ts';
import type { Resolved } from './options.ts';

/** A block tested against a z block: x blocks take featuresX features, y blocks featuresY. */
export interface TargetBlock {
  role: 'x' | 'y';
  columns: readonly number[];
}

/** One z block and the target blocks tested against it. */
export interface FeatureGroup {
  z: readonly number[];
  targets: readonly TargetBlock[];
}

/** Standardised columns and the bandwidth of each block: what the features are computed from. */
export interface FeatureSource {
  /** Rows of this source (a shard's, or all of them). */
  n: number;
  /** Column-major, standardised (mean 0, variance 1 over the calibration). */
  columns: readonly Float64Array[];
  bandwidth(block: readonly number[]): number;
}

export interface FeatureSpecs {
  x: BlockFeatures;
  y: BlockFeatures;
  z: BlockFeatures;
}

/** Where each block's features sit in a group's feature rows. */
export interface GroupLayout {
  pz: number;
  /** Per target: first feature column and width. */
  offsets: number[];
  widths: number[];
  width: number;
}

export function groupLayout(group: FeatureGroup, specs: FeatureSpecs): GroupLayout {
  const pz = featureWidth(group.z.length, specs.z);
  const widths = group.targets.map((t) => featureWidth(t.columns.length, specs[t.role]));
  const offsets: number[] = [];
  let at = pz;
  for (const w of widths) {
    offsets.push(at);
    at += w;
  }
  return { pz, offsets, widths, width: at };
}

/** The seed of a block's features: the prepare seed and the block's columns only (x and y alike, z apart). */
function blockSeed(seed: number, columns: readonly number[], role: 'xy' | 'z'): number {
  return querySeed(seed, role === 'z' ? { x: [], y: [], z: columns } : { x: columns, y: [], z: [] });
}

/** The group's feature rows [n, width] (float32, as the features kernel writes them). */
export function groupFeatures(kernels: KernelRuntime, source: FeatureSource, seed: number, group: FeatureGroup, specs: FeatureSpecs): Float32Array {
  const lay = groupLayout(group, specs);
  const out = new Float32Array(source.n * lay.width);
  const write = (block: readonly number[], spec: BlockFeatures, role: 'xy' | 'z', offset: number) => {
    const rng = createRng(blockSeed(seed, block, role));
    writeBlockFeatures(rng, block.map((c) => source.columns[c]), source.n, source.bandwidth(block), spec, out, lay.width, offset, kernels);
  };
  write(group.z, specs.z, 'z', 0);
  group.targets.forEach((t, j) => write(t.columns, specs[t.role], 'xy', lay.offsets[j]));
  return out;
}

/** Rows summed by one kernel call before the pairwise merge (see momentsOfRows). */
export const MOMENT_BLOCK_ROWS = 64;

/**
 * Moments of the rows of a row-major float32 matrix: blocks of MOMENT_BLOCK_ROWS rows on the
 * covariance kernel (two-pass, float64), merged pairwise (a tree), so the rounding grows with
 * log(n) instead of n and a run over all rows agrees closely with merged parts of it.
 */
export function momentsOfRows(kernels: KernelRuntime, data: Float32Array, rows: number, cols: number, call: CallOptions = {}): Moments {
  if (rows === 0) return emptyMoments(cols);
  const kernel = getKernel('covariance');
  const blocks: Moments[] = [];
  for (let r0 = 0; r0 < rows; r0 += MOMENT_BLOCK_ROWS) {
    const r1 = Math.min(rows, r0 + MOMENT_BLOCK_ROWS);
    // Inputs built here are finite: the kernel runs without its validator's rescan.
    const { means, cov } = kernel.wasm(kernels, { x: { data: data.subarray(r0 * cols, r1 * cols), rows: r1 - r0, cols }, ddof: 0 }, { signal: call.signal });
    blocks.push({ n: r1 - r0, width: cols, mean: means, m2: cov.map((v) => v * (r1 - r0)) });
  }
  return mergePairwise(blocks);
}

/** Round 1 answered: the group's covariance and the regression of every target feature on the z basis. */
export interface GroupFit {
  n: number;
  /** [width] feature means (the centring of round 2). */
  mean: Float64Array;
  /** [width, width] covariance (n - 1). */
  cov: Float64Array;
  /** [pz, width - pz]: column t regresses target feature t on the z basis (empty when pz = 0). */
  beta: Float64Array;
}

/**
 * Fits every target feature on the z basis (ridge chosen by GCV per feature, ridge.ts). `basis`
 * reuses a factorised z basis: a caller that knows two groups share the same z moments passes it.
 */
export function fitGroup(m: Moments, lay: GroupLayout, basis?: RidgeBasis): { fit: GroupFit; basis: RidgeBasis | null } {
  const cov = covarianceOf(m);
  const { pz, width } = lay;
  const pt = width - pz;
  if (pz === 0) return { fit: { n: m.n, mean: m.mean, cov, beta: new Float64Array(0) }, basis: null };
  const ridge = basis ?? ridgeBasis(Float64Array.from({ length: pz * pz }, (_, q) => cov[Math.floor(q / pz) * width + (q % pz)]), pz, m.n);
  const cross = Float64Array.from({ length: pz * pt }, (_, q) => cov[Math.floor(q / pt) * width + pz + (q % pt)]);
  const { beta } = ridgeFit(ridge, cross, Array.from({ length: pt }, (_, t) => cov[(pz + t) * width + pz + t]), pt);
  return { fit: { n: m.n, mean: m.mean, cov, beta }, basis: ridge };
}

/** Residual target features of each row, float64 [n, width - pz]: phi_t - mean_t - (phi_z - mean_z) beta_t. */
export function groupResiduals(features: Float32Array, n: number, lay: GroupLayout, fit: GroupFit): Float64Array {
  const { pz, width } = lay;
  const pt = width - pz;
  const out = new Float64Array(n * pt);
  const zc = new Float64Array(pz);
  for (let i = 0; i < n; i++) {
    const row = i * width;
    for (let j = 0; j < pz; j++) zc[j] = features[row + j] - fit.mean[j];
    for (let t = 0; t < pt; t++) {
      let v = features[row + pz + t] - fit.mean[pz + t];
      for (let j = 0; j < pz; j++) v -= zc[j] * fit.beta[j * pt + t];
      out[i * pt + t] = v;
    }
  }
  return out;
}

/** Products r_x,a r_y,b of two targets' residuals (targets ix, iy of the group), float32 [n, px py]. */
export function targetProducts(residuals: Float64Array, n: number, lay: GroupLayout, ix: number, iy: number): Float32Array {
  const pt = lay.width - lay.pz;
  const [ox, px, oy, py] = [lay.offsets[ix] - lay.pz, lay.widths[ix], lay.offsets[iy] - lay.pz, lay.widths[iy]];
  const out = new Float32Array(n * px * py);
  for (let i = 0; i < n; i++) {
    for (let a = 0; a < px; a++) {
      const ra = residuals[i * pt + ox + a];
      for (let b = 0; b < py; b++) out[(i * px + a) * py + b] = ra * residuals[i * pt + oy + b];
    }
  }
  return out;
}

/**
 * C_{xy.z} (px x py) from the covariances: cov(r_a, r_b) = C_ab - beta_a . s_b - beta_b . s_a +
 * beta_a^T S beta_b, with r = phi - Z beta, S the basis covariance (gram), s (pz x pt) the
 * covariance of the basis with each feature and C (pt x pt) that of the features.
 */
export function partialCrossCovariance(c: Float64Array, s: Float64Array, gram: Float64Array, beta: Float64Array, pz: number, px: number, py: number): Float64Array {
  const pt = px + py;
  const out = new Float64Array(px * py);
  const sBeta = new Float64Array(pz * pt);
  for (let i = 0; i < pz; i++) {
    for (let t = 0; t < pt; t++) {
      let v = 0;
      for (let j = 0; j < pz; j++) v += gram[i * pz + j] * beta[j * pt + t];
      sBeta[i * pt + t] = v;
    }
  }
  for (let a = 0; a < px; a++) {
    for (let b = 0; b < py; b++) {
      const tb = px + b;
      let v = c[a * pt + tb];
      for (let i = 0; i < pz; i++) v += -beta[i * pt + a] * s[i * pt + tb] - beta[i * pt + tb] * s[i * pt + a] + beta[i * pt + a] * sBeta[i * pt + tb];
      out[a * py + b] = v;
    }
  }
  return out;
}

/** C_{xy.z} of targets ix (x) and iy (y) of a fitted group. */
function groupCrossCovariance(fit: GroupFit, lay: GroupLayout, ix: number, iy: number): Float64Array {
  const { pz, width } = lay;
  const ptAll = width - pz;
  const cols = [...range(lay.offsets[ix], lay.widths[ix]), ...range(lay.offsets[iy], lay.widths[iy])];
  const pt = cols.length;
  const c = Float64Array.from({ length: pt * pt }, (_, q) => fit.cov[cols[Math.floor(q / pt)] * width + cols[q % pt]]);
  const s = Float64Array.from({ length: pz * pt }, (_, q) => fit.cov[Math.floor(q / pt) * width + cols[q % pt]]);
  const gram = Float64Array.from({ length: pz * pz }, (_, q) => fit.cov[Math.floor(q / pz) * width + (q % pz)]);
  const beta = Float64Array.from({ length: pz * pt }, (_, q) => fit.beta[Math.floor(q / pt) * ptAll + cols[q % pt] - pz]);
  return partialCrossCovariance(c, s, gram, beta, pz, lay.widths[ix], lay.widths[iy]);
}

function range(start: number, count: number): number[] {
  return Array.from({ length: count }, (_, i) => start + i);
}

/**
 * A query's answer from the two rounds: S = n ||C_{xy.z}||_F^2 against the weighted chi-square of
 * the products' covariance; with linear features also the part over the linear pairs alone, and
 * the p-value min(1, 2 min(p_all, p_linear)).
 */
export function rcotFromMoments(fit: GroupFit, lay: GroupLayout, ix: number, iy: number, products: Moments, specs: FeatureSpecs, options: Resolved): CiResult {
  const cxy = groupCrossCovariance(fit, lay, ix, iy);
  const sigma = covarianceOf(products);
  const width = products.width;
  const py = lay.widths[iy];
  const all = range(0, width);
  const full = partTest(cxy, sigma, width, all, fit.n, options);
  if (!options.linear) return full;
  // The linear part alone: pairs of linear features of x and y (they follow the random ones).
  const linear = all.filter((j) => Math.floor(j / py) >= specs.x.count && j % py >= specs.y.count);
  const part = partTest(cxy, sigma, width, linear, fit.n, options);
  return { statistic: full.statistic, pValue: Math.min(1, 2 * Math.min(full.pValue, part.pValue)) };
}

/** n times the sum of C^2 over the products `pick`, and its p-value from their covariance's eigenvalues. */
function partTest(cxy: Float64Array, sigma: Float64Array, width: number, pick: readonly number[], n: number, options: Resolved): CiResult {
  let statistic = 0;
  for (const j of pick) statistic += cxy[j] * cxy[j];
  statistic *= n;
  const block = Float64Array.from({ length: pick.length * pick.length }, (_, q) => sigma[pick[Math.floor(q / pick.length)] * width + pick[q % pick.length]]);
  return { statistic, pValue: weightedChiSquareSf(statistic, symmetricEigenvalues(block, pick.length), options.approximation) };
}
