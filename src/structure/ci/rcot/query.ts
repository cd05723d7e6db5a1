// One RCoT query (see index.ts) over all rows of the prepared data, as the two rounds of
// moments.ts with a single part: the features of the query's z, x and y blocks and their moments,
// the regressions on the z basis (factorised once per z block and kept while the next queries
// share it: the M tests of one segment do), then the moments of the residual products.
import type { CallOptions } from '../../../core/call-options.ts';
import { SpecialistError, throwIfAborted } from '../../../core/errors.ts';
import type { KernelRuntime } from '../../../kernels/runtime.ts';
import type { CiQuery, CiResult } from '../../ci-test.ts';
import { checkQueryColumns } from '../query.ts';
import type { RidgeBasis } from '../ridge.ts';
import { fitGroup, groupFeatures, groupLayout, groupResiduals, momentsOfRows, rcotFromMoments, targetProducts, type FeatureSource } from './moments.ts';
import { blockSpecs, rcotMinimumRows, type Resolved } from './options.ts';

export { partialCrossCovariance } from './moments.ts';

export interface Prepared extends FeatureSource {
  constant: boolean[];
  /** Random features of z (resolved from n when not given). */
  featuresZ: number;
  /** The last z basis factorised, reused while queries share their z block (same rows, same bits). */
  lastZ: { key: string; basis: RidgeBasis | null } | null;
}

/** Products r_x,a r_y,b of the residual features (row-major [n, pt], x then y), as [n, px py]. */
export function residualProducts(residuals: ArrayLike<number>, n: number, px: number, py: number): Float32Array {
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
  const group = { z: blocks.z, targets: [{ role: 'x' as const, columns: blocks.x }, { role: 'y' as const, columns: blocks.y }] };
  const lay = groupLayout(group, specs);
  const features = groupFeatures(kernels, prepared, seed, group, specs);
  const key = blocks.z.join(',');
  const cached = prepared.lastZ?.key === key ? prepared.lastZ.basis ?? undefined : undefined;
  const { fit, basis } = fitGroup(momentsOfRows(kernels, features, n, lay.width, call), lay, cached);
  prepared.lastZ = { key, basis };
  const products = targetProducts(groupResiduals(features, n, lay, fit), n, lay, 0, 1);
  return rcotFromMoments(fit, lay, 0, 1, momentsOfRows(kernels, products, n, lay.widths[0] * lay.widths[1], call), specs, options);
}
