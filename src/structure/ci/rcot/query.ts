// One RCoT query: features of the three blocks, one covariance, the ridge regressions on the z
// basis, the statistic n ||C_{xy.z}||_F^2 and its weighted chi-square null (see index.ts).
import type { CallOptions } from '../../../core/call-options.ts';
import { SpecialistError, throwIfAborted } from '../../../core/errors.ts';
import { createRng } from '../../../core/random.ts';
import { runKernel } from '../../../kernels/registry.ts';
import type { KernelRuntime } from '../../../kernels/runtime.ts';
import { symmetricEigenvalues } from '../../../stats/symmetric-eigen.ts';
import { weightedChiSquareSf } from '../../../stats/weighted-chi-square.ts';
import type { CiQuery, CiResult } from '../../ci-test.ts';
import { querySeed } from '../cmi-knn/options.ts';
import { checkQueryColumns } from '../query.ts';
import { featureWidth, writeBlockFeatures, type Bandwidths, type BlockFeatures } from '../random-features.ts';
import { ridgeByGcv } from '../ridge.ts';
import { blockSpecs, rcotMinimumRows, type Resolved } from './options.ts';

export interface Prepared {
  n: number;
  columns: Float64Array[];
  constant: boolean[];
  bandwidths: Bandwidths;
  /** Random features of z (resolved from n when not given). */
  featuresZ: number;
}

/**
 * C_{xy.z}, the cross-covariance of the residuals r_x = phi_x - Z beta_x, r_y = phi_y - Z beta_y
 * (fx x fy), and beta (pz x (px + py)): cov(r_a, r_b) = C_ab - beta_a . s_b - beta_b . s_a +
 * beta_a^T S beta_b, S the z-feature covariance and s_t its covariance with feature t.
 */
export function partialCrossCovariance(cov: Float64Array, width: number, n: number, pz: number, px: number, py: number): { cxy: Float64Array; beta: Float64Array } {
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
export function residualProducts(features: Float32Array, means: Float64Array, n: number, width: number, pz: number, px: number, py: number, beta: Float64Array): Float32Array {
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

export function runQuery(runtime: KernelRuntime, prepared: Prepared, options: Resolved, seed: number, query: CiQuery, call: CallOptions): CiResult {
  const { n, columns } = prepared;
  const blocks = checkQueryColumns(query, columns.length);
  const needed = rcotMinimumRows(options, { x: blocks.x.length, y: blocks.y.length, z: blocks.z.length });
  if (n < needed) {
    throw new SpecialistError('INVALID_ARGUMENT', `rcot on ${blocks.x.length} + ${blocks.y.length} columns needs at least ${needed} rows, got ${n}`, { argument: 'data', reason: 'too-few-rows', rows: n, needed });
  }
  for (const c of [...blocks.x, ...blocks.y, ...blocks.z]) {
    if (prepared.constant[c]) throw new SpecialistError('INVALID_ARGUMENT', `column ${c} is constant: rcot needs variation in every column of a query`, { argument: 'query', column: c, reason: 'constant' });
  }
  throwIfAborted(call.signal);
  const { x: specX, y: specY, z: specZ } = blockSpecs(options, prepared.featuresZ);
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

