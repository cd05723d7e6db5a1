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
//
// Rank: when a column of Z is a linear combination of the others, or a direction of x or y is one
// of Z's columns (x determined by z), the test runs on the rank the data support (rankAwareTest):
// Z's redundant columns are dropped, x and y keep the directions of their residuals that Z does
// not determine, and a block with none left is independent of anything given Z (p = 1). The result
// states the rank used. On data of full rank nothing of this runs and the numbers are as before.

import { SpecialistError } from '../../core/errors.ts';
import type { Matrix } from '../../core/tensor.ts';
import { runKernel } from '../../kernels/registry.ts';
import { fSf, normalTwoSided } from '../../stats/distributions.ts';
import type { CiPrepareContext, CiQuery, CiResult, CiTest, PreparedCiTest } from '../ci-test.ts';
import { choleskyInPlace, choleskySkipping, forwardSkipping } from '../../stats/cholesky.ts';
import { symmetricEigen } from '../../stats/symmetric-eigen.ts';
import { withNormalScores, type ColumnTransform } from './columns.ts';

/** A pivot below this share of its column's variance means the columns are (nearly) collinear. */
const COLLINEAR = 1e-10;
/** Keeps atanh finite when a partial correlation rounds to +-1. */
const MAX_R = 1 - 1e-15;

/** Options of the Fisher z test. */
export interface FisherZOptions {
  /**
   * 'standardise' (default): the partial correlation of the data as given; 'normal-scores': of
   * each column's ranks mapped through the normal quantile (the Gaussian-copula partial
   * correlation: invariant to monotone maps of each column, and heavy tails cannot dominate it).
   */
  transform?: ColumnTransform;
}

/**
 * The Fisher z test of partial correlation (Gaussian, linear): exact for linear worlds and the
 * cheapest test.
 */
export function fisherZ(options: FisherZOptions = {}): CiTest {
  const transform = options?.transform ?? 'standardise';
  if ((transform as string) === 'standardize') {
    throw new SpecialistError('INVALID_ARGUMENT', "transform 'standardize' is spelt 'standardise' since 1.0", { argument: 'transform', value: 'standardize' });
  }
  if (transform !== 'standardise' && transform !== 'normal-scores') {
    throw new SpecialistError('INVALID_ARGUMENT', `transform must be 'standardise' or 'normal-scores', got ${String(transform)}`, { argument: 'transform', value: String(transform) });
  }
  return {
    name: 'fisherz',
    minimumRows: ({ x, y, z }) => (x === 1 && y === 1 ? z + 4 : multivariateMinimum(x, y, z)),
    prepare(data: Matrix, context: CiPrepareContext): PreparedCiTest {
      if (data.rows < 4) {
        throw new SpecialistError('INVALID_ARGUMENT', `Fisher z needs at least 4 samples, got ${data.rows}`, { argument: 'data', rows: data.rows, reason: 'too-few-samples' });
      }
      const { cov } = runKernel('covariance', { x: transform === 'normal-scores' ? withNormalScores(data) : data }, context);
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

/** Residual covariance of `target` columns given `given` columns, from the block Cholesky; null when a column is collinear with earlier ones. */
function partialCovariance(cov: Float64Array, w: number, given: readonly number[], target: readonly number[]): Float64Array | null {
  const columns = [...given, ...target];
  const p = columns.length;
  const { a, scale } = block(cov, w, columns);
  if (choleskyInPlace(a, p, scale.map((v) => COLLINEAR * v)) >= 0) return null;
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

/** ln det of a small symmetric positive-definite matrix; -Infinity when it is singular. */
function logDet(s: Float64Array, q: number, rows: readonly number[]): number {
  const p = rows.length;
  const a = new Float64Array(p * p);
  for (let i = 0; i < p; i++) for (let j = 0; j < p; j++) a[i * p + j] = s[rows[i] * q + rows[j]];
  if (choleskyInPlace(a, p, Float64Array.from(rows, (r) => COLLINEAR * s[r * q + r])) >= 0) return -Infinity;
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
  const needed = dx === 1 && dy === 1 ? k + 4 : multivariateMinimum(dx, dy, k);
  if (n < needed) throw tooFew(n, k, dx, dy, needed);
  const s = partialCovariance(cov, w, query.z, [...query.x, ...query.y]);
  const full = s && testPartial(s, dx, dy, n, k);
  return full ?? rankAwareTest(cov, w, n, query);
}

/** The test on the residual covariance s of (x, y) given k columns; null when a block is singular (see rankAwareTest). */
function testPartial(s: Float64Array, dx: number, dy: number, n: number, k: number): CiResult | null {
  const q = dx + dy;
  if (dx === 1 && dy === 1) {
    if (!(s[0] > 0 && s[3] > 0)) return null;
    const r = Math.max(-MAX_R, Math.min(MAX_R, s[1] / Math.sqrt(s[0] * s[3])));
    const z = Math.sqrt(n - k - 3) * Math.atanh(r);
    return { statistic: z, pValue: normalTwoSided(z) };
  }
  const all = Array.from({ length: q }, (_, i) => i);
  const logX = logDet(s, q, all.slice(0, dx));
  const logY = logDet(s, q, all.slice(dx));
  if (logX === -Infinity || logY === -Infinity) return null;
  // ln(lambda) <= 0 in exact arithmetic; rounding can leave a tiny positive value. A singular
  // joint block with regular x and y blocks is a perfect canonical correlation: lambda = 0.
  const { f, df1, df2 } = raoF(Math.min(0, logDet(s, q, all) - logX - logY), dx, dy, n, k);
  return { statistic: f, pValue: fSf(f, df1, df2) };
}

/**
 * The test on the rank the data support: Z's columns that are linear combinations of earlier ones
 * are dropped (a pivoted Cholesky), then x and y are each put on the principal directions of their
 * residual covariance given Z that keep more than COLLINEAR of their variance. The other directions
 * are determined by Z: x _||_ y | Z holds in them, and a block with none left gives p = 1.
 */
function rankAwareTest(cov: Float64Array, w: number, n: number, query: CiQuery): CiResult {
  const { a: zz, scale } = block(cov, w, query.z);
  const kz = query.z.length;
  const keptZ = choleskySkipping(zz, kz, scale.map((v) => COLLINEAR * v)).length;
  const target = [...query.x, ...query.y];
  const q = target.length;
  const sd = target.map((c) => Math.sqrt(cov[c * w + c]) || 1);
  const zsd = query.z.map((c) => Math.sqrt(cov[c * w + c]) || 1);
  // Residual covariance of the standardised targets given the kept columns of Z.
  const v = target.map((c, i) => forwardSkipping(zz, kz, query.z.map((zc, j) => cov[zc * w + c] / (zsd[j] * sd[i]))));
  const s = new Float64Array(q * q);
  for (let i = 0; i < q; i++) {
    for (let j = 0; j <= i; j++) {
      let r = cov[target[i] * w + target[j]] / (sd[i] * sd[j]);
      for (let m = 0; m < kz; m++) r -= v[i][m] * v[j][m];
      s[i * q + j] = s[j * q + i] = r;
    }
  }
  const dx = query.x.length;
  const x = supportedDirections(s, q, 0, dx);
  const y = supportedDirections(s, q, dx, q - dx);
  const rank = { x: x.length, y: y.length, z: keptZ };
  if (rank.x === 0 || rank.y === 0) return { statistic: 0, pValue: 1, rank };
  // The residual covariance on the kept directions: diagonal within each block, the cross block between.
  const p = rank.x + rank.y;
  const directions = [...x, ...y];
  const t = new Float64Array(p * p);
  for (let i = 0; i < p; i++) {
    for (let j = 0; j < p; j++) {
      let r = 0;
      for (let a = 0; a < q; a++) for (let b = 0; b < q; b++) r += directions[i][a] * s[a * q + b] * directions[j][b];
      t[i * p + j] = r;
    }
  }
  const needed = rank.x === 1 && rank.y === 1 ? keptZ + 4 : multivariateMinimum(rank.x, rank.y, keptZ);
  if (n < needed) throw tooFew(n, keptZ, rank.x, rank.y, needed);
  const result = testPartial(t, rank.x, rank.y, n, keptZ) ?? { statistic: Infinity, pValue: 0 };
  return { ...result, rank };
}

/** Unit directions (over all q targets, zero outside the block) of the block's residuals that keep more than COLLINEAR of its variance. */
function supportedDirections(s: Float64Array, q: number, from: number, width: number): Float64Array[] {
  const sub = new Float64Array(width * width);
  for (let i = 0; i < width; i++) for (let j = 0; j < width; j++) sub[i * width + j] = s[(from + i) * q + from + j];
  const { values, vectors } = symmetricEigen(sub, width);
  const out: Float64Array[] = [];
  for (let j = 0; j < width; j++) {
    // Each standardised column had variance 1: the block's variance is its width.
    if (!(values[j] > COLLINEAR * width)) continue;
    const d = new Float64Array(q);
    for (let i = 0; i < width; i++) d[from + i] = vectors![i * width + j];
    out.push(d);
  }
  return out;
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
