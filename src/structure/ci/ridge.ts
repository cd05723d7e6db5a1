// Ridge regressions of several targets on one basis, from their joint covariance alone, with the
// ridge of each target chosen by generalised cross-validation (GCV). Used by the kernel CI tests
// to take E[phi(x) | z] out of the features of x before their residuals are compared: a ridge too
// small overfits, one too large leaves part of the dependence on z in the residuals, and either
// breaks the level of the test.

import { SpecialistError } from '../../core/errors.ts';
import { choleskyInPlace, solveCholesky } from '../../stats/cholesky.ts';

/** Ridge grid relative to the mean variance of the basis: 10^-6 .. 10^1 in steps of 10^0.5. */
const GRID = Array.from({ length: 15 }, (_, k) => 10 ** (-6 + k / 2));

export interface RidgeFit {
  /** Coefficients [p, targets] (column t regresses target t). */
  beta: Float64Array;
  /** The chosen ridge of each target, relative to the mean variance of the basis. */
  ridge: Float64Array;
  /** The GCV score of each target at its ridge: an estimate of the out-of-sample residual variance. */
  gcv: Float64Array;
}

/**
 * Regresses the target columns `targets` on the basis columns 0..p-1 of the covariance `cov`
 * (width w, from n rows). Per target, the ridge minimises GCV = RSS / (1 - df / n)^2 over GRID,
 * with df = tr(S (S + lambda I)^-1) + 1 (the intercept) and RSS = v - beta^T s - lambda |beta|^2,
 * S the basis covariance, s its covariance with the target, v the target's variance.
 */
export function ridgeByGcv(cov: Float64Array, w: number, p: number, targets: readonly number[], n: number): RidgeFit {
  const m = targets.length;
  const beta = new Float64Array(p * m);
  const ridge = new Float64Array(m);
  const best = new Float64Array(m).fill(Infinity);
  let trace = 0;
  for (let i = 0; i < p; i++) trace += cov[i * w + i];
  const scale = trace / p;
  const l = new Float64Array(p * p);
  const b = new Float64Array(p * m);
  const inverse = new Float64Array(p);
  const minPivot = new Float64Array(p).fill(1e-12 * scale);
  for (const relative of GRID) {
    const lambda = relative * scale;
    for (let i = 0; i < p; i++) {
      for (let j = 0; j <= i; j++) l[i * p + j] = cov[i * w + j];
      l[i * p + i] += lambda;
    }
    if (choleskyInPlace(l, p, minPivot) >= 0) continue; // too ill-conditioned at this ridge
    for (let t = 0; t < m; t++) {
      const solution = solveCholesky(l, p, Array.from({ length: p }, (_, i) => cov[i * w + targets[t]]));
      for (let i = 0; i < p; i++) b[i * m + t] = solution[i];
    }
    const df = p - lambda * traceOfInverse(l, p, inverse) + 1;
    if (!(df < n)) continue;
    for (let t = 0; t < m; t++) {
      let fit = 0;
      let norm = 0;
      for (let i = 0; i < p; i++) {
        fit += b[i * m + t] * cov[i * w + targets[t]];
        norm += b[i * m + t] ** 2;
      }
      const rss = Math.max(0, cov[targets[t] * w + targets[t]] - fit - lambda * norm);
      const gcv = rss / (1 - df / n) ** 2;
      if (gcv < best[t]) {
        best[t] = gcv;
        ridge[t] = relative;
        for (let i = 0; i < p; i++) beta[i * m + t] = b[i * m + t];
      }
    }
  }
  if (best.some((g) => g === Infinity)) {
    throw new SpecialistError('INVALID_ARGUMENT', `the regression basis of ${p} features does not factor at any ridge up to 10 (n = ${n}): too few rows or degenerate columns`, { features: p, rows: n, reason: 'degenerate-basis' });
  }
  return { beta, ridge, gcv: best };
}

/** tr((L L^T)^-1) = ||L^-1||_F^2, one column of L^-1 at a time. */
function traceOfInverse(l: Float64Array, p: number, column: Float64Array): number {
  let sum = 0;
  for (let c = 0; c < p; c++) {
    // Solve L x = e_c (x is zero above c).
    for (let i = c; i < p; i++) {
      let s = i === c ? 1 : 0;
      for (let k = c; k < i; k++) s -= l[i * p + k] * column[k];
      column[i] = s / l[i * p + i];
      sum += column[i] * column[i];
    }
  }
  return sum;
}
