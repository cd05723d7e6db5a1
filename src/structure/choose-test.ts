// test: 'auto' chooses the test from the data, for level first and power second (docs/structure.md,
// "test: 'auto'"):
//
// 1. Tails. A column whose largest 1% of squared deviations carry more than TAIL_SHARE of its sum
//    of squares (Gaussian 0.08, Laplace 0.16, Student t3 about 0.3, Cauchy about 1) lets a few
//    episodes decide a correlation: that column is replaced by its normal scores (ranks through
//    the normal quantile), which keeps every conditional independence (a monotone map of one
//    column). Only heavy columns are: a rank map bends a conditional mean that was linear, and where
//    x is nearly a function of z that bend is a regression bias no test should be given.
// 2. Linearity. Under independence of x and y given z, the partial correlation that Fisher z
//    measures is the correlation of the parts of E[x | z] and E[y | z] that are not linear in z; by
//    Cauchy-Schwarz it is at most sqrt(dx dy), dx (dy) the share of x's (y's) linear residual
//    variance that a nonlinear regression on z explains, and Fisher z's statistic is sqrt(n) times
//    it. Fisher z is chosen when sqrt(n) max(dx, dy) stays below AUTO_MAX_SHIFT for every query of
//    the run: then its null moves by at most that many standard deviations (the level) and no side
//    has a nonlinear part that a linear test would be blind to (the power). Else the GCM runs
//    (ci/gcm), whose level rests on its regressions, not on linearity.
// 3. Wide z. Where the GCM's conditioning sets are wider than WIDE_Z columns, its level is in
//    doubt (on lifted latents, z of 66 columns, its many residual products added up to an
//    excess), and RCoT confirms it: the intersection (ci/intersection.ts), p = max(p_RCoT, p_GCM),
//    RCoT first (the cheaper there), the GCM only where p_RCoT <= alpha. Their levels fail in
//    different places (RCoT's where x and y are nearly functions of z), and the intersection
//    keeps it where either does; on narrow z it would only cost power (docs/structure.md, (l)).
// 4. Rows. The tests need more episodes than Fisher z (two per residual or feature product): with
//    fewer than RCoT needs the GCM runs alone, with fewer than the GCM needs Fisher z runs, and the
//    reason says what that risks.
import { createRng } from '../core/random.ts';
import type { Matrix } from '../core/tensor.ts';
import { runKernel } from '../kernels/registry.ts';
import type { KernelRuntime } from '../kernels/runtime.ts';
import { choleskySkipping, forwardSkipping } from '../stats/cholesky.ts';
import { transformColumns, withNormalScores, type ColumnTransform } from './ci/columns.ts';
import { mix32 } from './ci/cmi-knn/options.ts';
import { Bandwidths, featureWidth, writeBlockFeatures, type BlockFeatures } from './ci/random-features.ts';
import { ridgeByGcv } from './ci/ridge.ts';
import type { CiQuery } from './ci-test.ts';

/** Largest shift (in standard deviations) of a Fisher z statistic under the null that 'auto' accepts. */
export const AUTO_MAX_SHIFT = 0.5;
/**
 * Widest conditioning set (columns) on which the GCM runs alone: every world where its level was
 * measured to hold had z of at most 33 columns (tables (g), (l), (e) of docs/structure.md), the
 * lifted worlds where it failed had 66.
 */
export const WIDE_Z = 32;
/** A column is heavy-tailed when its largest 1% of squared deviations carry more than this share of their sum. */
export const TAIL_SHARE = 0.25;
/** The nonlinear basis of the check: random features of z at three bandwidths, plus z itself. */
const BASIS: BlockFeatures = { count: 100, scales: [0.5, 1, 2], linear: true };

/**
 * What the 'auto' test choice measured and chose (StructureResult.testChoice): the test, its
 * conditioning set, and the evidence.
 */
export interface TestChoice {
  /** The test that ran: 'intersection' is the GCM confirmed by RCoT (docs/structure.md, "test: 'auto'"). */
  test: 'fisherz' | 'gcm' | 'intersection';
  /** 'normal-scores' when some columns ran as normal scores (heavy tails; `scoredColumns`), else 'standardise'. */
  transform: ColumnTransform;
  /** The columns (of the assembled matrix: steps' dims, then tasks' dims) replaced by their normal scores. */
  scoredColumns: number[];
  /** 'neighbours' when Fisher z had to keep to the neighbours (the wider default set failed the check); else null. */
  conditioning: 'neighbours' | null;
  /** Largest share of a column's sum of squares in its largest 1% of squared deviations. */
  tailShare: number;
  /** Largest sqrt(n dx dy) over the queries: the bound on Fisher z's shift under the null. */
  shift: number;
  /** Largest sqrt(n) max(dx, dy): the nonlinearity a linear test could not see. */
  nonlinearity: number;
  /** The query that gave `nonlinearity` (columns of the assembled matrix). */
  query: CiQuery | null;
  reason: string;
}

/** The share of a column's sum of squared deviations that its largest 1% carry (strided: column `offset` of rows of `stride`). */
export function tailShare(column: Float32Array | Float64Array, stride: number, offset: number, n: number): number {
  let mean = 0;
  for (let i = 0; i < n; i++) mean += column[i * stride + offset] / n;
  const squares = Float64Array.from({ length: n }, (_, i) => (column[i * stride + offset] - mean) ** 2).sort();
  const top = Math.ceil(n / 100);
  let all = 0;
  let largest = 0;
  for (let i = 0; i < n; i++) {
    all += squares[i];
    if (i >= n - top) largest += squares[i];
  }
  return all > 0 ? largest / all : 0;
}

/**
 * Share of each target's linear residual variance that a nonlinear regression on `z` explains,
 * both sides estimated out of sample (GCV), floored at 0. The linear fit skips z's columns that
 * are linear combinations of others (a redundant column is not nonlinearity).
 */
function nonlinearShares(data: Matrix, columns: Float64Array[], bandwidths: Bandwidths, z: readonly number[], targets: readonly number[], kernels: KernelRuntime, seed: number): Map<number, number> {
  const n = data.rows;
  const pz = featureWidth(z.length, BASIS);
  const width = pz + targets.length;
  const features = new Float32Array(n * width);
  writeBlockFeatures(createRng(seed), z.map((c) => columns[c]), n, bandwidths.of(z), BASIS, features, width, 0, kernels);
  targets.forEach((c, t) => { for (let i = 0; i < n; i++) features[i * width + pz + t] = columns[c][i]; });
  const { cov } = runKernel('covariance', { x: { data: features, rows: n, cols: width } }, { kernels });
  const full = ridgeByGcv(cov, width, pz, targets.map((_, t) => pz + t), n);
  // The linear fit: z's own columns sit last in the basis (BASIS.linear).
  const dz = z.length;
  const l = new Float64Array(dz * dz);
  for (let i = 0; i < dz; i++) for (let j = 0; j < dz; j++) l[i * dz + j] = cov[(BASIS.count + i) * width + BASIS.count + j];
  const rank = choleskySkipping(l, dz, Array.from({ length: dz }, (_, i) => 1e-10 * l[i * dz + i])).length;
  const shares = new Map<number, number>();
  targets.forEach((c, t) => {
    const v = forwardSkipping(l, dz, Array.from({ length: dz }, (_, i) => cov[(BASIS.count + i) * width + pz + t]));
    const explained = v.reduce((sum, x) => sum + x * x, 0);
    const linear = (cov[(pz + t) * width + pz + t] - explained) / (1 - (rank + 1) / n) ** 2;
    shares.set(c, linear > 0 ? Math.max(0, 1 - full.gcv[t] / linear) : 0);
  });
  return shares;
}

interface Bound {
  /** Largest sqrt(n dx dy). */
  shift: number;
  /** Largest sqrt(n) max(dx, dy), and its query. */
  nonlinearity: number;
  query: CiQuery | null;
}

/** The bounds over `queries` (see the top of this file). */
function bounds(data: Matrix, columns: Float64Array[], bandwidths: Bandwidths, queries: readonly CiQuery[], kernels: KernelRuntime, seed: number): Bound {
  const byZ = new Map<string, { z: number[]; targets: Set<number> }>();
  for (const q of queries) {
    if (q.z.length === 0) continue; // a marginal correlation is 0 under independence: nothing to check
    const z = [...q.z].sort((a, b) => a - b);
    const key = z.join(',');
    const group = byZ.get(key) ?? { z, targets: new Set<number>() };
    for (const c of [...q.x, ...q.y]) group.targets.add(c);
    byZ.set(key, group);
  }
  const shares = new Map<string, Map<number, number>>();
  for (const [key, { z, targets }] of byZ) shares.set(key, nonlinearShares(data, columns, bandwidths, z, [...targets], kernels, mix32(seed ^ mix32(z[0] + 1))));
  const worst: Bound = { shift: 0, nonlinearity: 0, query: null };
  const root = Math.sqrt(data.rows);
  for (const q of queries) {
    const s = shares.get([...q.z].sort((a, b) => a - b).join(','));
    if (!s) continue;
    const dx = Math.max(...q.x.map((c) => s.get(c) ?? 0));
    const dy = Math.max(...q.y.map((c) => s.get(c) ?? 0));
    worst.shift = Math.max(worst.shift, root * Math.sqrt(dx * dy));
    if (root * Math.max(dx, dy) > worst.nonlinearity) Object.assign(worst, { nonlinearity: root * Math.max(dx, dy), query: { x: [...q.x], y: [...q.y], z: [...q.z] } });
  }
  return worst;
}

/** The tail share of every column the queries use. */
function tailShares(data: Matrix, queries: readonly CiQuery[]): Map<number, number> {
  const used = new Set(queries.flatMap((q) => [...q.x, ...q.y, ...q.z]));
  return new Map([...used].map((c) => [c, tailShare(data.data, data.cols, c, data.rows)]));
}

const fmt = (v: number) => v.toFixed(2);

/** What the nonlinear choices would run: the fewest episodes each needs, and the GCM's widest conditioning set. */
export interface NonlinearPlan {
  gcmRows: number;
  intersectionRows: number;
  /** Columns of the widest z of the GCM's direct tests. */
  widestZ: number;
}

/**
 * Chooses the test (see the top of this file). `narrow` are the run's queries on the smallest
 * valid conditioning sets; `wide`, when Fisher z would run on wider ones by default
 * ('all-states'), those queries: Fisher z keeps the wide sets only if they pass the check too,
 * else it runs on the narrow ones, where it was checked. `plan`: what the GCM and the
 * intersection would run (rows they need, the GCM's widest z).
 */
export function chooseTest(data: Matrix, narrow: readonly CiQuery[], wide: readonly CiQuery[] | null, kernels: KernelRuntime, seed: number, plan: NonlinearPlan = { gcmRows: 0, intersectionRows: 0, widestZ: 0 }): TestChoice {
  const shares = tailShares(data, [...narrow, ...(wide ?? [])]);
  const tail = Math.max(0, ...shares.values());
  const scoredColumns = [...shares].filter(([, share]) => share > TAIL_SHARE).map(([c]) => c).sort((a, b) => a - b);
  const transform: ColumnTransform = scoredColumns.length > 0 ? 'normal-scores' : 'standardise';
  const tails =
    transform === 'normal-scores'
      ? `heavy tails (up to ${(100 * tail).toFixed(0)}% of a column's sum of squares in its largest 1% of values; more than ${100 * TAIL_SHARE}% in ${scoredColumns.length} of ${shares.size} columns): those columns ran as normal scores; `
      : '';
  const { columns } = transformColumns(transform === 'normal-scores' ? withNormalScores(data, scoredColumns) : data, 'standardise');
  const bandwidths = new Bandwidths(columns, data.rows);
  const first = bounds(data, columns, bandwidths, narrow, kernels, seed);
  const base = { transform, scoredColumns, tailShare: tail };
  const linearBy = (b: Bound) => `the nonlinear parts of E[x | z] and E[y | z] are at most ${fmt(b.nonlinearity)} standard deviations of a Fisher z statistic (at most ${AUTO_MAX_SHIFT})`;
  if (first.nonlinearity > AUTO_MAX_SHIFT) {
    const nonlinear = `the nonlinear part of E[x | z] or E[y | z] is ${fmt(first.nonlinearity)} standard deviations of a Fisher z statistic (more than ${AUTO_MAX_SHIFT}; Fisher z's shift under independence could reach ${fmt(first.shift)})`;
    if (data.rows < plan.gcmRows) {
      return { ...base, ...first, test: 'fisherz', conditioning: null, reason: `${tails}nonlinear: ${nonlinear}, but gcm needs ${plan.gcmRows} episodes for this run's tests and there are ${data.rows}: fisherz ran, and its level can be off by that shift` };
    }
    if (plan.widestZ <= WIDE_Z) return { ...base, ...first, test: 'gcm', conditioning: null, reason: `${tails}nonlinear: ${nonlinear}, so gcm ran` };
    const wideZ = `its conditioning sets are up to ${plan.widestZ} columns wide (more than ${WIDE_Z}, where its level is in doubt)`;
    if (data.rows < plan.intersectionRows) {
      return { ...base, ...first, test: 'gcm', conditioning: null, reason: `${tails}nonlinear: ${nonlinear}, so gcm ran; ${wideZ}, but rcot, which would confirm it, needs ${plan.intersectionRows} episodes for this run's tests and there are ${data.rows}: gcm ran alone` };
    }
    return {
      ...base,
      ...first,
      test: 'intersection',
      conditioning: null,
      reason: `${tails}nonlinear: ${nonlinear}, so gcm ran; ${wideZ}, so rcot confirmed it (intersection: p = max(p_rcot, p_gcm), which keeps the level where either test keeps it; rcot ran on every query and gcm only where p_rcot <= alpha, since no correction rejects a p-value above alpha, and p-values above alpha are rcot's alone)`,
    };
  }
  const second = wide ? bounds(data, columns, bandwidths, wide, kernels, seed) : null;
  if (second && second.nonlinearity > AUTO_MAX_SHIFT) {
    return {
      ...base,
      ...second,
      test: 'fisherz',
      conditioning: 'neighbours',
      reason: `${tails}close to linear given the neighbours (${linearBy(first)}), but not given all states (${fmt(second.nonlinearity)}): fisherz ran with the neighbours`,
    };
  }
  const worst = second && second.nonlinearity > first.nonlinearity ? second : first;
  return { ...base, ...worst, test: 'fisherz', conditioning: null, reason: `${tails}close to linear: ${linearBy(worst)}, so fisherz ran` };
}
