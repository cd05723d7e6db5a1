// Randomized conditional correlation test (RCoT; Strobl, Zhang and Visweswaran 2019): a kernel CI
// test made linear in n by random Fourier features, with an analytic null (no permutations).
//
//   phi_x, phi_y, phi_z  features of the x, y and z blocks (random-features.ts; options.ts)
//   residuals            r_x = phi_x - E[phi_x | phi_z], r_y likewise, by ridge regressions on
//                        phi_z with the ridge of each feature chosen by GCV (ridge.ts)
//   statistic            S = n ||C_{xy.z}||_F^2, C_{xy.z} the cross-covariance of r_x and r_y
//   null                 S ~ sum_j w_j chi^2_1, w the eigenvalues of the covariance of the
//                        products r_x,a r_y,b (one per pair of features a, b)
//   linear part          the same on the pairs of linear features only (a generalised covariance
//                        measure, Shah and Peters 2020, with these regressions); p-value
//                        min(1, 2 min(p_all, p_linear)): the sum over all pairs spreads a nearly
//                        linear effect over (5 + dx)(5 + dy) directions, the linear part does not
//
// The heavy parts run on the wasm kernels: the covariance of the z features (float64
// accumulation; once per z block, kept while the following queries share it), their products with
// the x and y features and the fitted values (gemm), and the covariance of the px py products.
import { SpecialistError, throwIfAborted } from '../../../core/errors.ts';
import { checkMatrix, type Matrix } from '../../../core/tensor.ts';
import type { CiPrepareContext, CiTest, PreparedCiTest } from '../../ci-test.ts';
import { transformColumns } from '../columns.ts';
import { Bandwidths } from '../random-features.ts';
import { calibratedColumns, givenBandwidths } from './calibration.ts';
import { defaultFeaturesZ, rcotMinimumRows, resolveOptions, type RcotOptions } from './options.ts';
import { runQuery, type Prepared } from './query.ts';

export type { RcotOptions } from './options.ts';
export type { RcotCalibration } from './calibration.ts';

/**
 * The RCoT conditional-independence test (see RcotOptions for the defaults and why). Randomness
 * (the features) derives from the prepare seed and each query's columns only, so results do not
 * depend on the order of queries or on the thread that runs them.
 */
export function rcot(options: RcotOptions = {}): CiTest {
  const resolved = resolveOptions(options);
  return {
    name: 'rcot',
    minimumRows: (dims) => rcotMinimumRows(resolved, dims),
    prepare(data: Matrix, context: CiPrepareContext): PreparedCiTest {
      if (!context?.kernels) throw new SpecialistError('INVALID_ARGUMENT', 'rcot needs a kernel runtime (kernels) in the prepare context', { argument: 'kernels' });
      if (!Number.isFinite(context.seed)) throw new SpecialistError('INVALID_ARGUMENT', `seed must be a finite number, got ${context.seed}`, { argument: 'seed', value: context.seed });
      checkMatrix('data', data);
      throwIfAborted(context.signal);
      const { columns, constant } = resolved.calibration ? calibratedColumns(data, resolved.calibration) : transformColumns(data, resolved.transform);
      const median = new Bandwidths(columns, data.rows);
      const prepared: Prepared = {
        n: data.rows,
        columns,
        constant,
        bandwidth: resolved.calibration ? givenBandwidths(resolved.calibration) : (block) => median.of(block),
        featuresZ: resolved.featuresZ ?? defaultFeaturesZ(data.rows),
        lastZ: null,
      };
      return { test: (query, call = {}) => runQuery(context.kernels, prepared, resolved, context.seed, query, call) };
    },
  };
}
