// test: 'auto': Fisher z where the data are close enough to linear for its level to hold, RCoT
// otherwise. Under independence of x and y given z, the partial correlation that Fisher z measures
// is the correlation of the parts of E[x | z] and E[y | z] that are not linear in z; by
// Cauchy-Schwarz it is at most sqrt(dx dy), dx (dy) the share of x's (y's) linear residual variance
// that a nonlinear regression on z explains. Fisher z's statistic is sqrt(n) times that
// correlation, so Fisher z is chosen when sqrt(n dx dy) stays below AUTO_MAX_SHIFT for every query
// of the run: its null can then move by at most that many standard deviations.

import { createRng } from '../core/random.ts';
import type { Matrix } from '../core/tensor.ts';
import { runKernel } from '../kernels/registry.ts';
import type { KernelRuntime } from '../kernels/runtime.ts';
import { choleskyInPlace, solveCholesky } from '../stats/cholesky.ts';
import { transformColumns } from './ci/columns.ts';
import { mix32 } from './ci/cmi-knn/options.ts';
import { Bandwidths, featureWidth, writeBlockFeatures, type BlockFeatures } from './ci/random-features.ts';
import { ridgeByGcv } from './ci/ridge.ts';
import type { CiQuery } from './ci-test.ts';

/** Largest shift (in standard deviations) of a Fisher z statistic under the null that 'auto' accepts. */
export const AUTO_MAX_SHIFT = 0.5;
/** The nonlinear basis of the check: random features of z at three bandwidths, plus z itself. */
const BASIS: BlockFeatures = { count: 100, scales: [0.5, 1, 2], linear: true };

/**
 * What the 'auto' test choice measured and chose (StructureResult.testChoice): the test, its
 * conditioning set, and the evidence.
 */
export interface TestChoice {
  /** The test that ran. */
  test: 'fisherz' | 'rcot';
  /** 'neighbours' when Fisher z had to keep to the neighbours (the wider default set failed the check); else null. */
  conditioning: 'neighbours' | null;
  /** Largest sqrt(n dx dy) over the queries: the bound on Fisher z's shift under the null. */
  shift: number;
  /** The query that gave it (columns of the assembled matrix). */
  query: CiQuery | null;
  reason: string;
}

/**
 * Share of each target's linear residual variance that a nonlinear regression on `z` explains,
 * both sides estimated out of sample (GCV), floored at 0.
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
  const singular = choleskyInPlace(l, dz, new Float64Array(dz).fill(1e-10)) >= 0;
  const shares = new Map<number, number>();
  targets.forEach((c, t) => {
    const s = Array.from({ length: dz }, (_, i) => cov[(BASIS.count + i) * width + pz + t]);
    const explained = singular ? 0 : solveCholesky(l, dz, s).reduce((sum, b, i) => sum + b * s[i], 0);
    const linear = (cov[(pz + t) * width + pz + t] - explained) / (1 - (dz + 1) / n) ** 2;
    shares.set(c, linear > 0 ? Math.max(0, 1 - full.gcv[t] / linear) : 0);
  });
  return shares;
}

/** The largest bound sqrt(n dx dy) over `queries`, and the query that gives it. */
function largestShift(data: Matrix, columns: Float64Array[], bandwidths: Bandwidths, queries: readonly CiQuery[], kernels: KernelRuntime, seed: number): { shift: number; query: CiQuery | null } {
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
  let worst: { shift: number; query: CiQuery | null } = { shift: 0, query: null };
  for (const q of queries) {
    const s = shares.get([...q.z].sort((a, b) => a - b).join(','));
    if (!s) continue;
    const dx = Math.max(...q.x.map((c) => s.get(c) ?? 0));
    const dy = Math.max(...q.y.map((c) => s.get(c) ?? 0));
    const shift = Math.sqrt(data.rows * dx * dy);
    if (shift > worst.shift) worst = { shift, query: { x: [...q.x], y: [...q.y], z: [...q.z] } };
  }
  return worst;
}

const bound = (shift: number) => `could shift a Fisher z statistic by up to ${shift.toFixed(2)} standard deviations under independence`;

/**
 * Chooses Fisher z or RCoT (see the top of this file). `narrow` are the run's queries on the
 * smallest valid conditioning sets; `wide`, when Fisher z would run on wider ones by default
 * ('all-states'), those queries: Fisher z keeps the wide sets only if they pass the check too,
 * else it runs on the narrow ones, where it was checked.
 */
export function chooseTest(data: Matrix, narrow: readonly CiQuery[], wide: readonly CiQuery[] | null, kernels: KernelRuntime, seed: number): TestChoice {
  const { columns } = transformColumns(data, 'standardise');
  const bandwidths = new Bandwidths(columns, data.rows);
  const first = largestShift(data, columns, bandwidths, narrow, kernels, seed);
  if (first.shift > AUTO_MAX_SHIFT) {
    return { ...first, test: 'rcot', conditioning: null, reason: `nonlinear: the nonlinear parts of E[x | z] and E[y | z] ${bound(first.shift)} (more than ${AUTO_MAX_SHIFT}), so rcot ran` };
  }
  const second = wide ? largestShift(data, columns, bandwidths, wide, kernels, seed) : null;
  if (second && second.shift > AUTO_MAX_SHIFT) {
    return {
      ...second,
      test: 'fisherz',
      conditioning: 'neighbours',
      reason: `close to linear given the neighbours (at most ${first.shift.toFixed(2)} standard deviations), but given all states the nonlinear parts ${bound(second.shift)}: fisherz ran with the neighbours`,
    };
  }
  const worst = second && second.shift > first.shift ? second : first;
  return { ...worst, test: 'fisherz', conditioning: null, reason: `close to linear: the nonlinear parts of E[x | z] and E[y | z] ${bound(worst.shift)} (at most ${AUTO_MAX_SHIFT}), so fisherz ran` };
}
