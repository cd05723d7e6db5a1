// kNN conditional mutual information test: the Frenzel-Pompe / KSG estimator in the max norm with a
// local permutation null (x permuted only among the nearest neighbours of each point in z-space,
// after Runge 2018), running on the wasm kernels of kernels/cmi.ts.
//
//   eps_i  = distance from point i to its k-th nearest neighbour in the joint (x, y, z) space
//   n_xz, n_yz, n_z = points j != i strictly within eps_i in the (x, z), (y, z) and z spaces
//   CMI    = psi(k) - mean_i [ psi(n_xz + 1) + psi(n_yz + 1) - psi(n_z + 1) ]
//
// With z empty, n_z = n - 1 for every point and this is the KSG mutual information (algorithm 1):
// psi(k) + psi(n) - mean_i [ psi(n_x + 1) + psi(n_y + 1) ].
import { SpecialistError, throwIfAborted } from '../../../core/errors.ts';
import type { Matrix } from '../../../core/tensor.ts';
import type { CiPrepareContext, CiTest, PreparedCiTest } from '../../ci-test.ts';
import { invalid, minimumRows, resolveOptions, type CmiKnnOptions } from './options.ts';
import { prepareData } from './prepare.ts';
import { runQuery } from './query.ts';

export { permutationBudget, querySeed, resolveK, type CmiKnnOptions } from './options.ts';
/**
 * The kNN conditional mutual information test (see CmiKnnOptions for every default and why).
 * p-value = (1 + #{null values >= observed}) / (1 + draws): the share of the null at or above the
 * observed statistic, counting the observed among the draws, so no p-value is below 1 / (P + 1).
 * Randomness (tie-breaking noise, permutations) derives from the prepare seed and, per query, from
 * the query's columns only: results do not depend on the order of queries or on the thread.
 */
export function cmiKnn(options: CmiKnnOptions = {}): CiTest {
  const resolved = resolveOptions(options);
  return {
    name: 'cmiknn',
    minimumRows: (dims) => minimumRows(resolved, dims),
    prepare(data: Matrix, context: CiPrepareContext): PreparedCiTest {
      if (!context?.kernels) throw new SpecialistError('INVALID_ARGUMENT', 'cmiknn needs a kernel runtime (kernels) in the prepare context', { argument: 'kernels' });
      if (!Number.isFinite(context.seed)) throw invalid('seed', `seed must be a finite number, got ${context.seed}`, context.seed);
      throwIfAborted(context.signal);
      const prepared = prepareData(data, resolved, context.seed);
      return {
        test: (query, call) => runQuery(context.kernels, prepared, resolved, context.seed, query, call),
      };
    },
  };
}
