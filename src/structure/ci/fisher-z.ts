// Fisher z test of conditional independence for (approximately) Gaussian data.
//
// prepare() builds the covariance of all columns once with the wasm 'covariance' kernel; each test
// then works on a (|Z| + dx + dy)-square block of it: a Cholesky factorisation of the block ordered
// [Z, x, y] leaves, in its trailing rows, the factor of the residual covariance S of (x, y) given Z
// (the partial covariance), so no regression on the data is repeated.
//
// - dx = dy = 1: the classical test. r = S_xy / sqrt(S_xx S_yy) is the partial correlation,
//   z = sqrt(n - |Z| - 3) atanh(r) is approximately standard normal under independence, and the
//   p-value is two-sided. The statistic reported is z.
// - dx > 1 or dy > 1: the likelihood-ratio test that all partial canonical correlations rho_j of x
//   and y given Z are zero. Wilks' lambda = det(S) / (det(S_xx) det(S_yy)) = prod_j (1 - rho_j^2),
//   referred to Rao's F approximation (exact when min(dx, dy) <= 2, a scalar task variable
//   included). Bartlett's chi-square, -(n - 1 - |Z| - (dx + dy + 1) / 2) ln(lambda) on dx dy degrees
//   of freedom, is the usual alternative but loses its level at wide widths: with dx = 64, dy = 1
//   its rejection rate at 0.05 is 0.084 at n - |Z| = 2 dx and 0.28 at 1.3 dx (docs/structure.md).
//   The statistic reported is Rao's F.
// |Z| counts conditioning columns (scalars), so it is the dimension of the conditioning set.

import { SpecialistError } from '../../core/errors.ts';
import type { Matrix } from '../../core/tensor.ts';
import { runKernel } from '../../kernels/registry.ts';
import { fSf, normalTwoSided } from '../../stats/distributions.ts';
import type { CiPrepareContext, CiQuery, CiResult, CiTest, PreparedCiTest } from '../ci-test.ts';
import { choleskyInPlace } from '../../stats/cholesky.ts';

/** A pivot below this share of its column's variance means the columns are (nearly) collinear. */
const COLLINEAR = 1e-10;
/** Keeps atanh finite when a partial correlation rounds to +-1. */
const MAX_R = 1 - 1e-15;

/**
 * The Fisher z test of partial correlation (Gaussian, linear): exact for linear worlds and the
 * cheapest test.
 */
export function fisherZ(): CiTest {
  return {
    name: 'fisherz',
    minimumRows: ({ x, y, z }) => (x === 1 && y === 1 ? z + 4 : multivariateMinimum(x, y, z)),
    prepare(data: Matrix, context: CiPrepareContext): PreparedCiTest {
      if (data.rows < 4) {
        throw new SpecialistError('INVALID_ARGUMENT', `Fisher z needs at least 4 samples, got ${data.rows}`, { argument: 'data', rows: data.rows, reason: 'too-few-samples' });
      }
      const { cov } = runKernel('covariance', { x: data }, context);
      return { test: (query) => fisherZFromCovariance(cov, data.cols, data.rows, query) };
    },
  };
}

function checkQuery(query: CiQuery, width: number): void {
  const seen = new Set<number>();
  for (const [name, columns] of [['x', query.x], ['y', query.y], ['z', query.z]] as const) {
    if (name !== 'z' && columns.length === 0) {
      throw new SpecialistError('INVALID_ARGUMENT', `CI query ${name} must list at least one column`, { argument: name });
    }
    for (const c of columns) {
      if (!Number.isInteger(c) || c < 0 || c >= width) {
        throw new SpecialistError('INVALID_ARGUMENT', `CI query ${name} holds ${c}, not a column of a ${width}-column data set`, { argument: name, value: c, width });
      }
      if (seen.has(c)) {
        throw new SpecialistError('INVALID_ARGUMENT', `CI query uses column ${c} twice (x, y and z must be disjoint)`, { argument: name, value: c });
      }
      seen.add(c);
    }
  }
}

/** The p x p block of `cov` (width w) on `columns`, scaled to unit diagonal for a well-posed factorisation. */
function block(cov: Float64Array, w: number, columns: readonly number[]): { a: Float64Array; scale: Float64Array } {
  const p = columns.length;
  const a = new Float64Array(p * p);
  const sd = columns.map((c) => Math.sqrt(cov[c * w + c]));
  for (let i = 0; i < p; i++) {
    for (let j = 0; j < p; j++) a[i * p + j] = cov[columns[i] * w + columns[j]] / (sd[i] * sd[j] || 1);
  }
  return { a, scale: Float64Array.from(columns, (c) => (cov[c * w + c] > 0 ? 1 : 0)) };
}

function singular(columns: readonly number[], at: number, query: CiQuery): SpecialistError {
  const column = columns[at];
  return new SpecialistError(
    'INVALID_ARGUMENT',
    `Column ${column} is constant or a linear combination of the other columns of the test; the partial correlation is undefined`,
    { column, reason: 'collinear', x: [...query.x], y: [...query.y], z: [...query.z] },
  );
}

/** Residual covariance of `target` columns given `given` columns, from the block Cholesky. */
function partialCovariance(cov: Float64Array, w: number, given: readonly number[], target: readonly number[], query: CiQuery): Float64Array {
  const columns = [...given, ...target];
  const p = columns.length;
  const { a, scale } = block(cov, w, columns);
  const bad = choleskyInPlace(a, p, scale.map((v) => COLLINEAR * v));
  if (bad >= 0) throw singular(columns, bad, query);
  // S = L_tt L_tt^T, L_tt the trailing block of the factor.
  const q = target.length;
  const g = given.length;
  const s = new Float64Array(q * q);
  for (let i = 0; i < q; i++) {
    for (let j = 0; j <= i; j++) {
      let v = 0;
      for (let k = 0; k <= j; k++) v += a[(g + i) * p + g + k] * a[(g + j) * p + g + k];
      s[i * q + j] = v;
      s[j * q + i] = v;
    }
  }
  return s;
}

/** ln det of a small symmetric positive-definite matrix (throws on a non-positive pivot). */
function logDet(s: Float64Array, q: number, rows: readonly number[], columns: readonly number[], query: CiQuery): number {
  const p = rows.length;
  const a = new Float64Array(p * p);
  for (let i = 0; i < p; i++) for (let j = 0; j < p; j++) a[i * p + j] = s[rows[i] * q + rows[j]];
  const bad = choleskyInPlace(a, p, Float64Array.from(rows, (r) => COLLINEAR * s[r * q + r]));
  if (bad >= 0) throw singular(columns, bad, query);
  let sum = 0;
  for (let j = 0; j < p; j++) sum += 2 * Math.log(a[j * p + j]);
  return sum;
}

/** One Fisher z test on a precomputed covariance (width w) of n samples. Exported for tests and workers. */
export function fisherZFromCovariance(cov: Float64Array, w: number, n: number, query: CiQuery): CiResult {
  checkQuery(query, w);
  const dx = query.x.length;
  const dy = query.y.length;
  const k = query.z.length;
  const target = [...query.x, ...query.y];
  if (dx === 1 && dy === 1) {
    const dof = n - k - 3;
    if (dof < 1) throw tooFew(n, k, dx, dy, k + 4);
    const s = partialCovariance(cov, w, query.z, target, query);
    const r = Math.max(-MAX_R, Math.min(MAX_R, s[1] / Math.sqrt(s[0] * s[3])));
    const z = Math.sqrt(dof) * Math.atanh(r);
    return { statistic: z, pValue: normalTwoSided(z) };
  }
  const needed = multivariateMinimum(dx, dy, k);
  if (n < needed) throw tooFew(n, k, dx, dy, needed);
  const s = partialCovariance(cov, w, query.z, target, query);
  const q = dx + dy;
  const all = Array.from({ length: q }, (_, i) => i);
  const logLambda =
    logDet(s, q, all, target, query) - logDet(s, q, all.slice(0, dx), query.x, query) - logDet(s, q, all.slice(dx), query.y, query);
  // ln(lambda) <= 0 in exact arithmetic; rounding can leave a tiny positive value.
  const { f, df1, df2 } = raoF(Math.min(0, logLambda), dx, dy, n, k);
  return { statistic: f, pValue: fSf(f, df1, df2) };
}

/** Rao's t and second degrees of freedom for Wilks' lambda with (p, q) on n rows given k columns. */
function raoDegrees(p: number, q: number, n: number, k: number): { t: number; df2: number } {
  const t = p * p + q * q - 5 > 0 ? Math.sqrt((p * p * q * q - 4) / (p * p + q * q - 5)) : 1;
  return { t, df2: (n - 1 - k - (p + q + 1) / 2) * t - (p * q - 2) / 2 };
}

/** F = (1 - lambda^(1/t)) / lambda^(1/t) * df2 / df1, on (p q, df2) degrees of freedom. */
function raoF(logLambda: number, p: number, q: number, n: number, k: number): { f: number; df1: number; df2: number } {
  const { t, df2 } = raoDegrees(p, q, n, k);
  const df1 = p * q;
  return { f: Math.expm1(-logLambda / t) * (df2 / df1), df1, df2 };
}

/** Fewest rows for the multivariate test: Rao's second degrees of freedom must be positive. */
function multivariateMinimum(p: number, q: number, k: number): number {
  let n = k + p + q + 1;
  while (!(raoDegrees(p, q, n, k).df2 > 0)) n++;
  return n;
}

function tooFew(n: number, k: number, dx: number, dy: number, needed: number): SpecialistError {
  return new SpecialistError(
    'INVALID_ARGUMENT',
    `Fisher z with ${dx} + ${dy} tested and ${k} conditioning columns needs at least ${needed} samples, got ${n}`,
    { n, needed, conditioning: k, dx, dy, reason: 'too-few-samples' },
  );
}
