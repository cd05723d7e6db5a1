// fitSpecialists: the training schedule around Trainer.
//   dense   E epochs without penalty: the reference validation loss of every task;
//   path    ('auto') lambda climbs a grid, each stage continuing from the last accepted state and
//           ramping lambda in over its first third; after each stage a short unpenalised refit of
//           the current supports gives the debiased validation loss that is judged; a task that
//           fails is retried once at the geometric mean, then keeps its last accepted lambda and
//           support (frozen, penalty lifted) while the others go on (the stage is redone without
//           it); with a given lambda, one run ramping it in over the first third;
//   refit   the supports are frozen (dropped rows held at zero) and lambda set to 0, removing the
//           shrinkage the penalty put on the rows it kept.
import type { Tensor } from '../core/tensor.ts';
import type { TargetsInput } from './data.ts';
import type { FitCallOptions } from './fit-call.ts';
import { fitHere } from './fit-here.ts';
import type { Specialists } from './model.ts';
import type { SpecialistOptions } from './options.ts';
import { fitOnPool, usesPool } from './parallel.ts';

export type { FitCallOptions, FitProgress } from './fit-call.ts';

/**
 * Learns each task's block of latent coordinates (Theorem 2): latents [N, d], targets [N, K(, dy)]
 * (or one [N, dy] per task); `call.membership` [N, K] says which rows count for which task. With
 * `call.pool` of two or more workers the minibatches are split over two of them.
 */
export async function fitSpecialists(latents: Tensor, targets: TargetsInput, options: SpecialistOptions = {}, call: FitCallOptions = {}): Promise<Specialists> {
  return usesPool(call.pool) ? fitOnPool(call.pool, latents, targets, options, call) : fitHere(latents, targets, options, call);
}

export { converged, JACOBIAN_SCALE, LAMBDA_GRID, reweight } from './schedule.ts';
export { allowedRise } from './path-rules.ts';
