// One RCoT query (see index.ts): features of the x and y blocks, their regressions on the z basis
// (built once per z block and kept while the next queries share it: the M tests of one segment
// do), the statistic n ||C_{xy.z}||_F^2 and its weighted chi-square null.
import type { CallOptions } from '../../../core/call-options.ts';
import { SpecialistError, throwIfAborted } from '../../../core/errors.ts';
import { createRng } from '../../../core/random.ts';
import { getKernel, type KernelInput, type KernelName, type KernelOutput } from '../../../kernels/registry.ts';
import type { KernelRuntime } from '../../../kernels/runtime.ts';
import { symmetricEigenvalues } from '../../../stats/symmetric-eigen.ts';
import { weightedChiSquareSf } from '../../../stats/weighted-chi-square.ts';
import type { CiQuery, CiResult } from '../../ci-test.ts';
import { querySeed } from '../cmi-knn/options.ts';
import { checkQueryColumns } from '../query.ts';
import { featureWidth, writeBlockFeatures, type Bandwidths, type BlockFeatures } from '../random-features.ts';
import { ridgeBasis, ridgeFit, type RidgeBasis } from '../ridge.ts';
import { blockSpecs, rcotMinimumRows, type Resolved } from './options.ts';

/** The regression basis of one z block: its centred features, their covariance, the factorised ridges. */
interface ZBasis {
  key: string;
  pz: number;
  /** Row-major [n, pz], centred. */
  features: Float32Array;
  gram: Float64Array;
  ridge: RidgeBasis;
}

export interface Prepared {
  n: number;
  columns: Float64Array[];
  constant: boolean[];
  bandwidths: Bandwidths;
  /** Random features of z (resolved from n when not given). */
  featuresZ: number;
  /** The last z basis built, reused while queries share their z block. */
  lastZ: ZBasis | null;
}

/**
 * The seed of one block's features: from the prepare seed and the block's columns only (x and y
 * alike, z apart), so a block has the same features in every query and every worker.
 */
function blockSeed(seed: number, columns: readonly number[], role: 'xy' | 'z'): number {
  return querySeed(seed, role === 'z' ? { x: [], y: [], z: columns } : { x: columns, y: [], z: [] });
}

/** Writes a block's features into `out` ([n, stride]) at `offset`, on the wasm kernels. */
function writeBlock(kernels: KernelRuntime, prepared: Prepared, seed: number, block: readonly number[], spec: BlockFeatures, role: 'xy' | 'z', out: Float32Array, stride: number, offset: number): void {
  const rng = createRng(blockSeed(seed, block, role));
  writeBlockFeatures(rng, block.map((c) => prepared.columns[c]), prepared.n, prepared.bandwidths.of(block), spec, out, stride, offset, kernels);
}

/**
 * Runs a kernel on inputs built here (features, finite by construction) without the validator,
 * which would rescan every value of the n x p inputs on each call (a tenth of a query at n = 10,000).
 */
function runBuilt<N extends KernelName>(kernels: KernelRuntime, name: N, input: KernelInput<N>, call: CallOptions): KernelOutput<N> {
  return getKernel(name).wasm(kernels, input, { signal: call.signal });
}

/** Centres the columns of the row-major [n, width] `x` on `means`. */
function centre(x: Float32Array, n: number, width: number, means: Float64Array): void {
  for (let i = 0; i < n; i++) for (let j = 0; j < width; j++) x[i * width + j] -= means[j];
}

function zBasis(kernels: KernelRuntime, prepared: Prepared, seed: number, z: readonly number[], spec: BlockFeatures, call: CallOptions): ZBasis {
  const key = z.join(',');
  if (prepared.lastZ?.key === key) return prepared.lastZ;
  prepared.lastZ = null; // free the previous basis before building the next
  const { n } = prepared;
  const pz = featureWidth(z.length, spec);
  const features = new Float32Array(n * pz);
  writeBlock(kernels, prepared, seed, z, spec, 'z', features, pz, 0);
  const { means, cov } = runBuilt(kernels, 'covariance', { x: { data: features, rows: n, cols: pz } }, call);
  centre(features, n, pz, means);
  prepared.lastZ = { key, pz, features, gram: cov, ridge: ridgeBasis(cov, pz, n) };
  return prepared.lastZ;
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

/** Products r_x,a r_y,b of the residual features (row-major [n, pt]), as [n, px py]. */
export function residualProducts(residuals: Float32Array, n: number, px: number, py: number): Float32Array {
  const pt = px + py;
  const out = new Float32Array(n * px * py);
  for (let i = 0; i < n; i++) {
    for (let a = 0; a < px; a++) {
      const ra = residuals[i * pt + a];
      for (let b = 0; b < py; b++) out[(i * px + a) * py + b] = ra * residuals[i * pt + px + b];
    }
  }
  return out;
}

export function runQuery(kernels: KernelRuntime, prepared: Prepared, options: Resolved, seed: number, query: CiQuery, call: CallOptions): CiResult {
  const { n } = prepared;
  const blocks = checkQueryColumns(query, prepared.columns.length);
  const needed = rcotMinimumRows(options, { x: blocks.x.length, y: blocks.y.length, z: blocks.z.length });
  if (n < needed) {
    throw new SpecialistError('INVALID_ARGUMENT', `rcot on ${blocks.x.length} + ${blocks.y.length} columns needs at least ${needed} rows, got ${n}`, { argument: 'data', reason: 'too-few-rows', rows: n, needed });
  }
  for (const c of [...blocks.x, ...blocks.y, ...blocks.z]) {
    if (prepared.constant[c]) throw new SpecialistError('INVALID_ARGUMENT', `column ${c} is constant: rcot needs variation in every column of a query`, { argument: 'query', column: c, reason: 'constant' });
  }
  throwIfAborted(call.signal);
  const specs = blockSpecs(options, prepared.featuresZ);
  const px = featureWidth(blocks.x.length, specs.x);
  const py = featureWidth(blocks.y.length, specs.y);
  const pt = px + py;
  // Features of x then y, centred: the residuals start from them.
  const residuals = new Float32Array(n * pt);
  writeBlock(kernels, prepared, seed, blocks.x, specs.x, 'xy', residuals, pt, 0);
  writeBlock(kernels, prepared, seed, blocks.y, specs.y, 'xy', residuals, pt, px);
  const { means, cov: c } = runBuilt(kernels, 'covariance', { x: { data: residuals, rows: n, cols: pt } }, call);
  centre(residuals, n, pt, means);
  let cxy: Float64Array;
  if (blocks.z.length === 0) {
    cxy = Float64Array.from({ length: px * py }, (_, j) => c[Math.floor(j / py) * pt + px + (j % py)]);
  } else {
    const z = zBasis(kernels, prepared, seed, blocks.z, specs.z, call);
    const zMatrix = { data: z.features, rows: n, cols: z.pz };
    const s = Float64Array.from(runBuilt(kernels, 'gemm', { a: zMatrix, b: { data: residuals, rows: n, cols: pt }, transA: true, alpha: 1 / (n - 1) }, call).data);
    const { beta } = ridgeFit(z.ridge, s, Array.from({ length: pt }, (_, t) => c[t * pt + t]), pt);
    cxy = partialCrossCovariance(c, s, z.gram, beta, z.pz, px, py);
    // r = phi - Z beta, in place.
    const fitted = runBuilt(kernels, 'gemm', { a: zMatrix, b: { data: Float32Array.from(beta), rows: z.pz, cols: pt } }, call).data;
    for (let i = 0; i < residuals.length; i++) residuals[i] -= fitted[i];
  }
  const products = residualProducts(residuals, n, px, py);
  const sigma = runBuilt(kernels, 'covariance', { x: { data: products, rows: n, cols: px * py } }, call).cov;
  const all = Array.from({ length: px * py }, (_, j) => j);
  const full = partTest(cxy, sigma, px * py, all, n, options);
  if (!options.linear) return full;
  // The linear part alone: pairs of linear features of x and y (they follow the random ones).
  const linear = all.filter((j) => Math.floor(j / py) >= specs.x.count && j % py >= specs.y.count);
  const part = partTest(cxy, sigma, px * py, linear, n, options);
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
