// Options of fitSpecialists, their defaults, and their validation.
import { SpecialistError } from '../core/errors.ts';
import { checkKeys } from '../core/validate.ts';

export type Penalty = 'group' | 'jacobian' | 'none';

export interface SpecialistOptions {
  /** Coordinates of s_hat. Default: the latent width d (s_hat can hold all of z_hat). */
  latentDims?: number;
  /**
   * Hidden widths of the encoder z_hat -> s_hat; the decoder mirrors them. Default one hidden layer
   * of 4d (at least 64, at most 1024; see defaultEncoderWidths).
   */
  encoderWidths?: number[];
  /** Hidden width of each task head (one hidden layer). Default 32. */
  headWidth?: number;
  /**
   * Sparsity strength, or 'auto' (default): per task, the largest lambda on the grid (refined by
   * one geometric-mean retry where the task stops) whose debiased validation loss (the current
   * support refitted briefly without penalty) stays within `tolerance` of the task's best so far,
   * without its support growing. With penalty 'group', each Adam step is followed by a proximal
   * step shrinking the norm of each head input row by learningRate * sqrt(headWidth) * lambda, so
   * lambda is in units of Adam steps (a row survives when its loss gradient keeps pointing the
   * same way); sensible values are 0.02-2. With 'jacobian', the 'auto' grid is half the group one.
   */
  lambda?: number | 'auto';
  /** 'group' (default): proximal group lasso on the head input rows; 'jacobian': l1 on the head's input Jacobian; 'none'. */
  penalty?: Penalty;
  /**
   * Training epochs of the dense fit (and of a fit at a given lambda). lambda 'auto' path stages
   * are epochs/4 long, each followed by an epochs/12 unpenalised check; the final refit is
   * epochs/4. Default 120.
   */
  epochs?: number;
  /** Default 128. */
  batchSize?: number;
  /** Adam learning rate. Default 2e-3. */
  learningRate?: number;
  /** Weight of the reconstruction loss of z_hat against the task losses. Default 1. */
  reconstructionWeight?: number;
  /** A coordinate is in a task's support when its mean |Jacobian| exceeds threshold x the task's largest. Default 0.05. */
  threshold?: number;
  /**
   * lambda 'auto': a lambda is accepted for a task while its debiased validation loss (standardised
   * targets, so 1 is the variance) stays below its best loss so far (the unregularised fit or an
   * accepted smaller lambda) plus min(tolerance x best, tolerance / 2 x (1 - best)) + 0.01: the
   * second term protects weakly predicted tasks (see lossLimit in fit.ts). Default 0.5: after the unpenalised
   * check, dropping a coordinate the task needs costs several times its loss (x5 to x50 on the
   * blocks world), dropping a spare one about nothing.
   */
  tolerance?: number;
  /**
   * Train and judge each head on its task's targets in whitened principal coordinates (every
   * independent direction of the signal weighs the same in the loss; see whiten.ts), rather than on
   * the standardised outputs (each output weighs the same). Default true.
   */
  whitenTargets?: boolean;
  /** Rows held out for validation (and lambda 'auto'). Default 0.2. */
  validationSplit?: number;
  /** Default 0. */
  seed?: number;
}

export interface ResolvedOptions {
  latentDims: number;
  encoderWidths: number[];
  headWidth: number;
  lambda: number | 'auto';
  penalty: Penalty;
  epochs: number;
  batchSize: number;
  learningRate: number;
  reconstructionWeight: number;
  threshold: number;
  tolerance: number;
  whitenTargets: boolean;
  validationSplit: number;
  seed: number;
}

function bad(name: string, message: string, value: unknown): SpecialistError {
  return new SpecialistError('INVALID_ARGUMENT', `${name} ${message}, got ${JSON.stringify(value)}`, { option: name, value });
}

function int(name: string, v: number, min: number, max: number): number {
  if (!Number.isInteger(v) || v < min || v > max) throw bad(name, `must be an integer in [${min}, ${max}]`, v);
  return v;
}

function num(name: string, v: number, min: number, max: number, openMin = false): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || v < min || v > max || (openMin && v === min)) throw bad(name, `must be a number in ${openMin ? '(' : '['}${min}, ${max}]`, v);
  return v;
}

const SPECIALIST_KEYS: Record<keyof SpecialistOptions, true> = {
  latentDims: true, encoderWidths: true, headWidth: true, lambda: true, penalty: true, epochs: true, batchSize: true,
  learningRate: true, reconstructionWeight: true, threshold: true, tolerance: true, whitenTargets: true,
  validationSplit: true, seed: true,
};

/**
 * One hidden layer of 4d units (64 to 1024). The encoder has to undo the generalist's mixing of all
 * d coordinates, so its width has to grow with d: on generalistWorld at d = 64 (blocks of 8), the
 * previous fixed [64, 64] reached a held-out R^2 of 0.85 from each block to its true block,
 * [128, 128] 0.90, [128] 0.90 and [256] 0.93, at the cost of [64, 64] x 2.6 per sample for
 * [256] (a second hidden layer of the same width added little).
 */
export function defaultEncoderWidths(d: number): number[] {
  return [Math.min(1024, Math.max(64, 4 * d))];
}

function bool(name: string, v: unknown): boolean {
  if (typeof v !== 'boolean') throw bad(name, 'must be true or false', v);
  return v;
}

export function resolveOptions(options: SpecialistOptions, latentWidth: number): ResolvedOptions {
  const o = options ?? {};
  if (typeof o !== 'object') throw bad('options', 'must be an object', o);
  checkKeys('SpecialistOptions', o, SPECIALIST_KEYS);
  const encoderWidths = o.encoderWidths ?? defaultEncoderWidths(latentWidth);
  if (!Array.isArray(encoderWidths)) throw bad('encoderWidths', 'must be an array of widths', encoderWidths);
  encoderWidths.forEach((w, i) => int(`encoderWidths[${i}]`, w, 1, 4096));
  const lambda = o.lambda ?? 'auto';
  if (lambda !== 'auto') num('lambda', lambda as number, 0, 1e6);
  const penalty = o.penalty ?? 'group';
  if (!['group', 'jacobian', 'none'].includes(penalty)) throw bad('penalty', "must be 'group', 'jacobian' or 'none'", penalty);
  return {
    latentDims: int('latentDims', o.latentDims ?? latentWidth, 1, 1024),
    encoderWidths,
    headWidth: int('headWidth', o.headWidth ?? 32, 1, 4096),
    lambda,
    penalty,
    epochs: int('epochs', o.epochs ?? 120, 1, 100000),
    batchSize: int('batchSize', o.batchSize ?? 128, 2, 65536),
    learningRate: num('learningRate', o.learningRate ?? 2e-3, 0, 1, true),
    reconstructionWeight: num('reconstructionWeight', o.reconstructionWeight ?? 1, 0, 1e6),
    threshold: num('threshold', o.threshold ?? 0.05, 0, 1, true),
    tolerance: num('tolerance', o.tolerance ?? 0.25, 0, 100, true),
    whitenTargets: bool('whitenTargets', o.whitenTargets ?? true),
    validationSplit: num('validationSplit', o.validationSplit ?? 0.2, 0, 0.9, true),
    seed: num('seed', o.seed ?? 0, -(2 ** 52), 2 ** 52),
  };
}
