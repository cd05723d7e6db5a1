// The generalised covariance measure (Shah and Peters 2020) with cross-fitted kernel-ridge
// regressions: a CI test whose level rests on how well E[x | z] and E[y | z] are estimated, not on
// a distribution, and that states the rank it used.
//
//   basis of z      z's columns and random Fourier features at three bandwidths (as RCoT's),
//                   3 per column of z (at least RCoT's count for n, at most twice it)
//   residuals       r_x = x - E^[x | z], r_y likewise, cross-fitted over K folds (cross-fit.ts):
//                   no row's fit contains its own noise, so x and y close to functions of z leave
//                   residuals whose products average to zero under independence
//   rank            each residual block is rotated onto its principal directions; directions that
//                   z determines (variance below DETERMINED of the block's) are dropped: a block
//                   that z determines entirely gives p = 1
//   statistic       S = n |mean_i e_x,i (x) e_y,i|^2 over those residuals; under the null
//                   sqrt(n) times the mean is asymptotically Gaussian with the products' covariance,
//                   so S ~ sum_j w_j chi^2_1 (w its eigenvalues; saddlepoint tail)
//   nonlinear part  the same on random Fourier features of the residual blocks, themselves
//                   regressed on z again; p = min(1, 2 min(p_linear, p_nonlinear))
//
// Only sums over rows enter (per fold: the basis' cross-products once per z, the targets' once
// per query): given the features (seeded) and the folds, the statistic can be accumulated over
// shards of the episodes.
import { SpecialistError, throwIfAborted } from '../../../core/errors.ts';
import { checkMatrix, type Matrix } from '../../../core/tensor.ts';
import type { CiPrepareContext, CiTest, PreparedCiTest } from '../../ci-test.ts';
import { transformColumns } from '../columns.ts';
import { Bandwidths } from '../random-features.ts';
import { foldOrder } from './cross-fit.ts';
import { gcmMinimumRows, resolveGcmOptions, type GcmOptions } from './options.ts';
import { runGcmQuery, type PreparedGcm } from './query.ts';

export type { GcmOptions } from './options.ts';

/** The GCM conditional-independence test (see GcmOptions for the defaults and why). */
export function gcm(options: GcmOptions = {}): CiTest {
  const resolved = resolveGcmOptions(options);
  return {
    name: 'gcm',
    minimumRows: (dims) => gcmMinimumRows(resolved, dims),
    prepare(data: Matrix, context: CiPrepareContext): PreparedCiTest {
      if (!context?.kernels) throw new SpecialistError('INVALID_ARGUMENT', 'gcm needs a kernel runtime (kernels) in the prepare context', { argument: 'kernels' });
      if (!Number.isFinite(context.seed)) throw new SpecialistError('INVALID_ARGUMENT', `seed must be a finite number, got ${context.seed}`, { argument: 'seed', value: context.seed });
      checkMatrix('data', data);
      throwIfAborted(context.signal);
      const { columns, constant } = transformColumns(data, resolved.transform);
      // Fold order once for all queries: the statistic is a sum over rows, their order is free.
      const order = foldOrder(data.rows, resolved.folds);
      const inFolds = columns.map((c) => Float64Array.from(order, (i) => c[i]));
      const prepared: PreparedGcm = {
        n: data.rows,
        columns: inFolds,
        constant,
        bandwidths: new Bandwidths(inFolds, data.rows),
        featuresZ: resolved.featuresZ,
        lastZ: null,
        blocks: [],
      };
      return { test: (query, call = {}) => runGcmQuery(context.kernels, prepared, resolved, context.seed, query, call) };
    },
  };
}
