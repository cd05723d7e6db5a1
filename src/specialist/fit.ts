// fitSpecialists: the entry point. The schedule (schedule.ts), in optimiser steps:
//   dense   no penalty, until the validation loss stops improving (at most 2000 steps);
//   path    ('auto') lambda climbs a grid, each stage continuing from the last accepted state,
//           ramping lambda in and ending once the supports stop changing; after each stage a drop
//           check per task (support-checks.ts, path-rules.ts) on the representation the stage
//           left; a task that fails is retried once at the geometric mean, then keeps its last
//           accepted support (frozen, penalty lifted) while the others go on; then backward
//           elimination with the same check; with a given lambda, one run ramping it in;
//   refit   the supports frozen, no penalty, the learning rate annealed to 0.
// On this thread (fit-here.ts) or split over two workers of a pool (parallel.ts), with the same result;
// wide latents first go through the principal-component front end (front-end.ts), and a linear fit
// that 'auto' keeps on them is fitted again on the components down to LINEAR_RANK_FLOOR.
import { SpecialistError, throwIfAborted } from '../core/errors.ts';
import type { Tensor } from '../core/tensor.ts';
import { kernelsFor } from '../kernels/runtime.ts';
import { checkInputs, type TargetsInput } from './data.ts';
import type { FitCallOptions } from './fit-call.ts';
import { fitHere } from './fit-here.ts';
import { fitFrontEnd, foldFrontEnd, FRONT_END_MIN_WIDTH, LINEAR_RANK_FLOOR, MAX_INPUT_RANK, projectRows, RANK_FLOOR, type FrontEnd } from './front-end.ts';
import { Specialists } from './model.ts';
import { resolveOptions, type SpecialistOptions } from './options.ts';
import { ProgressOffsets } from './architecture.ts';
import { fitOnPool, usesPool } from './parallel.ts';

export type { FitCallOptions, FitProgress } from './fit-call.ts';

/** Widest input the network itself reads (s_hat has at most this many coordinates). */
const MAX_NETWORK_INPUT = 1024;

/**
 * Learns each task's block of latent coordinates (Theorem 2): latents [N, d], targets [N, K(, dy)]
 * (or one [N, dy] per task); `call.membership` [N, K] says which rows count for which task. With
 * `call.pool` of two or more workers the minibatches are split over two of them.
 */
export async function fitSpecialists(latents: Tensor, targets: TargetsInput, options: SpecialistOptions = {}, call: FitCallOptions = {}): Promise<Specialists> {
  throwIfAborted(call.signal);
  const { z } = checkInputs(latents, targets, call.membership);
  // The options' own values are checked before any work (the width only sets defaults here).
  resolveOptions(options, Math.min(z.cols, MAX_NETWORK_INPUT));
  const rank = options?.inputRank ?? 'auto';
  if (rank !== 'auto' && rank !== 'full' && typeof rank !== 'number') {
    throw new SpecialistError('INVALID_ARGUMENT', `inputRank must be 'auto', 'full' or a number of components, got ${JSON.stringify(rank)}`, { option: 'inputRank', value: rank });
  }
  const fit = (input: Tensor, opts: SpecialistOptions, c: FitCallOptions) => {
    if (input.shape[1] > MAX_NETWORK_INPUT) {
      throw new SpecialistError('INVALID_ARGUMENT', `the latents are ${input.shape[1]} wide and the network reads at most ${MAX_NETWORK_INPUT} columns: give inputRank a number of principal components (at most ${MAX_INPUT_RANK})${rank === 'auto' ? `; 'auto' found more than ${MAX_INPUT_RANK} strong ones` : ''}`, {
        option: 'inputRank',
        width: input.shape[1],
      });
    }
    return usesPool(c.pool) ? fitOnPool(c.pool, input, targets, opts, c) : fitHere(input, targets, opts, c);
  };
  if (rank === 'full' || (rank === 'auto' && z.cols <= FRONT_END_MIN_WIDTH)) return fit(latents, options, call);
  const kernels = await kernelsFor(call);
  const seed = options.seed ?? 0;
  // A linear fit reads the components down to LINEAR_RANK_FLOOR ('auto' rank only).
  const floor = rank === 'auto' && options.architecture === 'linear' ? LINEAR_RANK_FLOOR : RANK_FLOOR;
  const front = fitFrontEnd(kernels, z, rank, seed, floor);
  if (!front) return fit(latents, options, { ...call, kernels });
  const onComponents = (f: FrontEnd, opts: SpecialistOptions, c: FitCallOptions) => fit({ data: projectRows(kernels, z, f), shape: [z.rows, f.rank] }, { ...opts, inputRank: 'full' }, { ...c, kernels });
  // Progress of a second fit (below) continues after the first one's last epoch.
  const progress = new ProgressOffsets<'first' | 'second'>(call);
  const model = await onComponents(front, options, progress.call('first'));
  if (!(rank === 'auto' && floor === RANK_FLOOR && model.architecture === 'linear')) return new Specialists(foldFrontEnd(model.state, front));
  // 'auto' kept the linear fit: fitted again, as 'linear', on the components down to its own floor.
  const wider = fitFrontEnd(kernels, z, 'auto', seed, LINEAR_RANK_FLOOR);
  if (!wider || wider.rank <= front.rank) return new Specialists(foldFrontEnd(model.state, front));
  progress.shift('second', progress.shown);
  const again = await onComponents(wider, { ...options, architecture: 'linear' }, progress.call('second'));
  return new Specialists(foldFrontEnd(again.state, wider));
}

export { JACOBIAN_SCALE, LAMBDA_GRID } from './schedule.ts';
export { allowedRise, converged, reweight } from './path-rules.ts';
