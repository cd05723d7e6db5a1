// Ridge regressions of several targets on one basis, from covariances alone, with the ridge of each
// target chosen by generalised cross-validation (GCV). Used by the kernel CI tests to take
// E[phi(x) | z] out of the features of x before their residuals are compared: a ridge too small
// overfits, one too large leaves part of the dependence on z in the residuals, and either breaks
// the level of the test. The basis is factorised once per ridge (RidgeBasis) and reused for every
// target set regressed on it.

import { SpecialistError } from '../../core/errors.ts';
import { choleskyInPlace, solveCholesky } from '../../stats/cholesky.ts';

/** Ridge grid relative to the mean variance of the basis: 10^-6 .. 10^1, one per decade. */
const GRID = Array.from({ length: 8 }, (_, k) => 10 ** (k - 6));

/** A basis factorised at every ridge of the grid. */
export interface RidgeBasis {
  p: number;
  n: number;
  /** The last `unpenalised` columns get only the rounding ridge FREE (see ridgeBasis). */
  unpenalised: number;
  /** Mean variance of the basis columns. */
  scale: number;
  /** Per ridge of the grid that factors: its relative value, Cholesky factor of S + lambda I, and df. */
  factors: { relative: number; lambda: number; l: Float64Array; df: number }[];
}

export interface RidgeFit {
  /** Coefficients [p, targets] (column t regresses target t). */
  beta: Float64Array;
  /** The chosen ridge of each target, relative to the mean variance of the basis. */
  ridge: Float64Array;
  /** The GCV score of each target at its ridge: an estimate of the out-of-sample residual variance. */
  gcv: Float64Array;
}

/** The ridge of unpenalised columns, relative to the basis variance: enough to factor collinear ones, too little to shrink a fit. */
export const FREE = 1e-10;

/** The ridge of column i of a p-column basis whose last `unpenalised` columns are free. */
export function ridgeOf(i: number, p: number, unpenalised: number, lambda: number, scale: number): number {
  return i < p - unpenalised ? lambda : FREE * scale;
}

/**
 * Factorises the basis covariance `s` (p x p, row-major, from n rows) at every ridge of the grid;
 * df = tr(S (S + Lambda)^-1) + 1 (the intercept). The last `unpenalised` columns (a basis' linear
 * part) get only the ridge FREE: a target linear in them is fitted exactly, however small the
 * noise around it. Ridges whose df reach n, or that do not factor, are left out.
 */
export function ridgeBasis(s: Float64Array, p: number, n: number, unpenalised = 0): RidgeBasis {
  let trace = 0;
  for (let i = 0; i < p; i++) trace += s[i * p + i];
  const scale = trace / p;
  const minPivot = new Float64Array(p).fill(1e-12 * scale);
  const column = new Float64Array(p);
  const factors: RidgeBasis['factors'] = [];
  for (const relative of GRID) {
    const lambda = relative * scale;
    const l = new Float64Array(p * p);
    for (let i = 0; i < p; i++) {
      for (let j = 0; j <= i; j++) l[i * p + j] = s[i * p + j];
      l[i * p + i] += ridgeOf(i, p, unpenalised, lambda, scale);
    }
    if (choleskyInPlace(l, p, minPivot) >= 0) continue;
    // tr(S (S + Lambda)^-1) = p - sum_i Lambda_i [(S + Lambda)^-1]_ii
    const shrunk = unpenalised === 0 ? lambda * traceOfInverse(l, p, column) : traceOfInverse(l, p, column, (i) => ridgeOf(i, p, unpenalised, lambda, scale));
    const df = p - shrunk + 1;
    if (df < n) factors.push({ relative, lambda, l, df });
  }
  if (factors.length === 0) {
    throw new SpecialistError('INVALID_ARGUMENT', `the regression basis of ${p} features does not factor at any ridge up to 10 (n = ${n}): too few rows or degenerate columns`, { features: p, rows: n, reason: 'degenerate-basis' });
  }
  return { p, n, unpenalised, scale, factors };
}

/**
 * Regresses m targets on the basis: `cross` (p x m, row-major) holds each target's covariance with
 * the basis, `variances` each target's variance. Per target, the ridge minimises GCV = RSS / (1 -
 * df / n)^2, with RSS = v - beta^T s - lambda |beta|^2.
 */
export function ridgeFit(basis: RidgeBasis, cross: Float64Array, variances: ArrayLike<number>, m: number): RidgeFit {
  const { p, n } = basis;
  const beta = new Float64Array(p * m);
  const ridge = new Float64Array(m);
  const best = new Float64Array(m).fill(Infinity);
  const rhs = new Float64Array(p);
  for (const { relative, lambda, l, df } of basis.factors) {
    for (let t = 0; t < m; t++) {
      for (let i = 0; i < p; i++) rhs[i] = cross[i * m + t];
      const b = solveCholesky(l, p, rhs);
      let fit = 0;
      let penalty = 0;
      for (let i = 0; i < p; i++) {
        fit += b[i] * rhs[i];
        penalty += ridgeOf(i, p, basis.unpenalised, lambda, basis.scale) * b[i] * b[i];
      }
      const gcv = Math.max(0, variances[t] - fit - penalty) / (1 - df / n) ** 2;
      if (gcv < best[t]) {
        best[t] = gcv;
        ridge[t] = relative;
        for (let i = 0; i < p; i++) beta[i * m + t] = b[i];
      }
    }
  }
  return { beta, ridge, gcv: best };
}

/** ridgeBasis and ridgeFit on the blocks of one covariance `cov` (width w): basis 0..p-1, targets by column. */
export function ridgeByGcv(cov: Float64Array, w: number, p: number, targets: readonly number[], n: number): RidgeFit {
  const s = new Float64Array(p * p);
  for (let i = 0; i < p; i++) for (let j = 0; j < p; j++) s[i * p + j] = cov[i * w + j];
  const m = targets.length;
  const cross = new Float64Array(p * m);
  for (let i = 0; i < p; i++) for (let t = 0; t < m; t++) cross[i * m + t] = cov[i * w + targets[t]];
  return ridgeFit(ridgeBasis(s, p, n), cross, targets.map((t) => cov[t * w + t]), m);
}

/**
 * sum_c w(c) [(L L^T)^-1]_cc (w = 1: the trace). (L L^T)^-1 = L^-T L^-1, so entry (c, c) is the
 * squared norm of column c of L^-1, computed one column at a time.
 */
function traceOfInverse(l: Float64Array, p: number, column: Float64Array, weight: (c: number) => number = () => 1): number {
  let sum = 0;
  for (let c = 0; c < p; c++) {
    // Solve L x = e_c (x is zero above c): column c of L^-1.
    let norm = 0;
    for (let i = c; i < p; i++) {
      let s = i === c ? 1 : 0;
      for (let k = c; k < i; k++) s -= l[i * p + k] * column[k];
      column[i] = s / l[i * p + i];
      norm += column[i] * column[i];
    }
    sum += weight(c) * norm;
  }
  return sum;
}
