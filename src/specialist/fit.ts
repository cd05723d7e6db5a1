// fitSpecialists: the entry point. The schedule (schedule.ts), in optimiser steps:
//   dense   no penalty, until the validation loss stops improving (at most 2000 steps);
//   path    ('auto') lambda climbs a grid, each stage continuing from the last accepted state,
//           ramping lambda in and ending once the supports stop changing; after each stage a drop
//           check per task (support-checks.ts, path-rules.ts) on the representation the stage
//           left; a task that fails is retried once at the geometric mean, then keeps its last
//           accepted support (frozen, penalty lifted) while the others go on; then backward
//           elimination with the same check; with a given lambda, one run ramping it in;
//   refit   the supports frozen, no penalty, the learning rate annealed to 0.
// On this thread (fit-here.ts) or split over two workers of a pool (parallel.ts), with the same result.
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
