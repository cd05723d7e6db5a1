// Cross-fitted ridge regressions of several targets on one basis of z (the GCM's nuisance fits).
// Rows are split into K folds (row i in fold i mod K) and kept in fold order; every row's fitted
// value comes from coefficients fitted on the other K - 1 folds, so its residual does not contain
// the fit of its own noise. Everything the fits need is a sum over rows per fold (the basis' sums
// and cross-products, once per z; the targets' cross-products with it, once per query), so a fold
// is a mergeable set of sums. The ridge of each target is chosen by generalised cross-validation
// on all rows (ridge.ts) and then used in every fold.
import type { KernelRuntime } from '../../../kernels/runtime.ts';
import { getKernel } from '../../../kernels/registry.ts';
import { choleskyInPlace, solveCholesky } from '../../../stats/cholesky.ts';
import { ridgeBasis, ridgeFit, ridgeOf, type RidgeBasis } from '../ridge.ts';

/** One fold's basis sums: rows, means and covariance (ddof 1) of its basis rows. */
interface FoldSums {
  start: number;
  rows: number;
  means: Float64Array;
  cov: Float64Array;
}

/** The basis of one z block in fold order, with what every query's fits reuse. */
export interface FoldedBasis {
  key: string;
  n: number;
  p: number;
  /** Row-major [n, p] in fold order (see foldOrder). */
  features: Float32Array;
  folds: FoldSums[];
  /** All rows: means, and the ridges of the grid factorised for GCV. */
  means: Float64Array;
  ridge: RidgeBasis;
  /** Factor of the training covariance of fold f plus a ridge, by `${f}:${relative}`. */
  factors: Map<string, { mean: Float64Array; l: Float64Array }>;
}

/** The rows of each fold in turn: row i belongs to fold i mod K. Entry q is the original row of position q. */
export function foldOrder(n: number, folds: number): Int32Array {
  const order = new Int32Array(n);
  let q = 0;
  for (let f = 0; f < folds; f++) for (let i = f; i < n; i += folds) order[q++] = i;
  return order;
}

/** Pooled means and covariance (ddof 1) of several groups of rows from their own. */
function pool(groups: readonly { rows: number; means: ArrayLike<number>; cov: ArrayLike<number> }[], p: number): { rows: number; means: Float64Array; cov: Float64Array } {
  const rows = groups.reduce((s, g) => s + g.rows, 0);
  const means = new Float64Array(p);
  for (const g of groups) for (let a = 0; a < p; a++) means[a] += (g.rows * g.means[a]) / rows;
  const cov = new Float64Array(p * p);
  for (const g of groups) {
    for (let a = 0; a < p; a++) {
      const da = g.means[a] - means[a];
      for (let b = 0; b <= a; b++) cov[a * p + b] += (g.rows - 1) * g.cov[a * p + b] + g.rows * da * (g.means[b] - means[b]);
    }
  }
  for (let a = 0; a < p; a++) for (let b = 0; b <= a; b++) cov[b * p + a] = cov[a * p + b] /= rows - 1;
  return { rows, means, cov };
}

/** Sums per fold of a basis already in fold order (covariance kernel per fold, float64 accumulation). */
export function foldBasis(kernels: KernelRuntime, key: string, features: Float32Array, n: number, p: number, folds: number, unpenalised: number): FoldedBasis {
  const covariance = getKernel('covariance');
  const sums: FoldSums[] = [];
  let start = 0;
  for (let f = 0; f < folds; f++) {
    const rows = Math.floor((n - f + folds - 1) / folds);
    // Inputs built here are finite: the kernel runs without its validator's rescan.
    const { means, cov } = covariance.wasm(kernels, { x: { data: features.subarray(start * p, (start + rows) * p), rows, cols: p } });
    sums.push({ start, rows, means, cov });
    start += rows;
  }
  const all = pool(sums, p);
  return { key, n, p, features, folds: sums, means: all.means, ridge: ridgeBasis(all.cov, p, n, unpenalised), factors: new Map() };
}

/** Cross-products of the centred basis rows of one fold with the targets (p x m), and the targets' sums and squares. */
function foldCross(basis: FoldedBasis, fold: FoldSums, targets: Float64Array, m: number): { cross: Float64Array; sums: Float64Array; squares: Float64Array } {
  const { p, features } = basis;
  const cross = new Float64Array(p * m);
  const sums = new Float64Array(m);
  const squares = new Float64Array(m);
  for (let q = fold.start; q < fold.start + fold.rows; q++) {
    const row = q * p;
    const target = q * m;
    for (let t = 0; t < m; t++) {
      const v = targets[target + t];
      sums[t] += v;
      squares[t] += v * v;
    }
    for (let j = 0; j < p; j++) {
      const b = features[row + j] - fold.means[j];
      const at = j * m;
      for (let t = 0; t < m; t++) cross[at + t] += b * targets[target + t];
    }
  }
  return { cross, sums, squares };
}

function trainingFactor(basis: FoldedBasis, f: number, relative: number): { mean: Float64Array; l: Float64Array } {
  const key = `${f}:${relative}`;
  let factor = basis.factors.get(key);
  if (!factor) {
    const { p, ridge } = basis;
    const train = pool(basis.folds.filter((_, g) => g !== f), p);
    const lambda = relative * ridge.scale;
    // The grid's ridges factor on all rows; a fold's training rows can lack the smallest one.
    for (let boost = 0; ; boost = Math.max(10 * boost, 1e-12 * ridge.scale)) {
      const l = Float64Array.from(train.cov);
      for (let i = 0; i < p; i++) l[i * p + i] += ridgeOf(i, p, ridge.unpenalised, lambda, ridge.scale) + boost;
      if (choleskyInPlace(l, p) < 0) {
        factor = { mean: train.means, l };
        break;
      }
    }
    basis.factors.set(key, factor);
  }
  return factor;
}

/**
 * Cross-fitted residuals of m targets (row-major [n, m] in fold order, float64): per target the
 * GCV ridge on all rows, then per fold the coefficients of the other folds at that ridge. Also
 * each target's variance, against which a residual's size is judged.
 */
export function crossFitResiduals(basis: FoldedBasis, targets: Float64Array, m: number): { residuals: Float64Array; variances: Float64Array } {
  const { p, n, features } = basis;
  const perFold = basis.folds.map((fold) => foldCross(basis, fold, targets, m));
  // All rows: the centred cross-covariance (pooled from the folds' sums) and the variances, for GCV.
  const mean = new Float64Array(m);
  const variances = new Float64Array(m);
  for (const { sums, squares } of perFold) for (let t = 0; t < m; t++) (mean[t] += sums[t] / n, variances[t] += squares[t]);
  for (let t = 0; t < m; t++) variances[t] = Math.max(0, (variances[t] - n * mean[t] * mean[t]) / (n - 1));
  const cross = new Float64Array(p * m);
  basis.folds.forEach((fold, f) => {
    const c = perFold[f].cross;
    for (let j = 0; j < p; j++) {
      const shift = fold.means[j] - basis.means[j];
      for (let t = 0; t < m; t++) cross[j * m + t] += (c[j * m + t] + shift * perFold[f].sums[t]) / (n - 1);
    }
  });
  const { ridge } = ridgeFit(basis.ridge, cross, variances, m);
  const residuals = new Float64Array(n * m);
  const beta = new Float64Array(p * m);
  const fit = new Float64Array(m);
  basis.folds.forEach((fold, f) => {
    const trainRows = n - fold.rows;
    const targetMean = new Float64Array(m);
    perFold.forEach((o, g) => { if (g !== f) for (let t = 0; t < m; t++) targetMean[t] += o.sums[t] / trainRows; });
    let basisMean = basis.means;
    for (let t = 0; t < m; t++) {
      const factor = trainingFactor(basis, f, ridge[t]);
      basisMean = factor.mean;
      // Training cross-covariance of the basis with target t, from the other folds' sums.
      const rhs = new Float64Array(p);
      basis.folds.forEach((g, h) => {
        if (h === f) return;
        const c = perFold[h].cross;
        for (let j = 0; j < p; j++) rhs[j] += (c[j * m + t] + (g.means[j] - factor.mean[j]) * perFold[h].sums[t]) / (trainRows - 1);
      });
      const b = solveCholesky(factor.l, p, rhs);
      for (let j = 0; j < p; j++) beta[j * m + t] = b[j];
    }
    for (let q = fold.start; q < fold.start + fold.rows; q++) {
      fit.set(targetMean);
      for (let j = 0; j < p; j++) {
        const v = features[q * p + j] - basisMean[j];
        const at = j * m;
        for (let t = 0; t < m; t++) fit[t] += v * beta[at + t];
      }
      for (let t = 0; t < m; t++) residuals[q * m + t] = targets[q * m + t] - fit[t];
    }
  });
  return { residuals, variances };
}
