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
import { throwIfAborted, toSpecialistError } from '../core/errors.ts';
import type { Tensor } from '../core/tensor.ts';
import { kernelsFor, type KernelCallOptions } from '../kernels/runtime.ts';
import { createRng } from '../core/random.ts';
import { prepareData, splitRows, type TargetsInput } from './data.ts';
import { Specialists, type ValidationPoint } from './model.ts';
import { resolveOptions, type ResolvedOptions, type SpecialistOptions } from './options.ts';
import { Schedule } from './schedule.ts';
import { Trainer } from './trainer.ts';
import { unwhitenHead, whiten } from './whiten.ts';

export interface FitProgress {
  phase: ValidationPoint['phase'];
  /** Epoch within the whole fit (1-based) and the planned total (the path may stop early). */
  epoch: number;
  totalEpochs: number;
  loss: number;
  /** Each task's penalty strength at the end of this epoch. */
  lambda: number[];
  nonzeros: number[];
}

export interface FitCallOptions extends Omit<KernelCallOptions, 'onProgress'> {
  onProgress?: (progress: FitProgress) => void;
  /** Membership [N, K] of 0/1: which rows count for which task. Default: every row counts for every task. */
  membership?: Tensor;
}

/**
 * Learns each task's block of latent coordinates (Theorem 2): latents [N, d], targets [N, K(, dy)]
 * (or one [N, dy] per task); `call.membership` [N, K] says which rows count for which task.
 */
export async function fitSpecialists(latents: Tensor, targets: TargetsInput, options: SpecialistOptions = {}, call: FitCallOptions = {}): Promise<Specialists> {
  throwIfAborted(call.signal);
  const data = prepareData(latents, targets, call.membership);
  const opts = resolveOptions(options, data.d);
  const kernels = await kernelsFor(call);
  const rng = createRng(opts.seed);
  const { train, validation } = splitRows(data.n, opts.validationSplit, rng.fork());
  const whitened = opts.whitenTargets ? data.tasks.map((t) => whiten(t.y, t.dy, t.member)) : undefined;
  const trainData = whitened ? { ...data, tasks: data.tasks.map((t, k) => ({ ...t, y: whitened[k].y, dy: whitened[k].kept })) } : data;
  // The trainer's buffers live for the whole (asynchronous) fit: a resident scope, held exclusively.
  return kernels.exclusive(async () => {
    const scope = kernels.resident();
    try {
      const trainer = new Trainer(scope, trainData, train, {
        latentDims: opts.latentDims,
        encoderWidths: opts.encoderWidths,
        headWidth: opts.headWidth,
        batchSize: opts.batchSize,
        learningRate: opts.learningRate,
        reconstructionWeight: opts.reconstructionWeight,
        penalty: opts.penalty,
      });
      const state = await new Schedule(trainer, opts, rng, validation, train, call, scope, trainData).run();
      const heads = whitened ? state.heads.map((h, k) => unwhitenHead(h, whitened[k].unwhiten, data.tasks[k].dy)) : state.heads;
      return new Specialists({ ...state, heads, ...modelParts(data, opts) });
    } catch (error) {
      throw toSpecialistError(error);
    } finally {
      scope.release();
    }
  });
}

function modelParts(data: ReturnType<typeof prepareData>, opts: ResolvedOptions) {
  return {
    d: data.d,
    latentDims: opts.latentDims,
    encoderWidths: opts.encoderWidths,
    headWidth: opts.headWidth,
    taskDims: data.tasks.map((t) => t.dy),
    penalty: opts.penalty,
    zMean: data.zMean,
    zStd: data.zStd,
    yMean: data.tasks.map((t) => t.mean),
    yStd: data.tasks.map((t) => t.std),
    threshold: opts.threshold,
  };
}

export { converged, JACOBIAN_SCALE, LAMBDA_GRID, reweight } from './schedule.ts';
export { allowedRise } from './path-rules.ts';
