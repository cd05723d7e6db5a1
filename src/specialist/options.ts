// Options of fitSpecialists, their defaults, and their validation.
import { SpecialistError } from '../core/errors.ts';
import { checkKeys } from '../core/validate.ts';

/**
 * The sparsity penalty that picks each task's block: 'group' (proximal group lasso on the head's
 * input rows), 'jacobian' (l1 of the head's input Jacobian) or 'none'.
 */
export type Penalty = 'group' | 'jacobian' | 'none';

/**
 * Layer 2's settings (plain and serialisable): widths, penalty and its strength, epochs, batch
 * size, seed; each documents its default.
 */
export interface SpecialistOptions {
  /**
   * Principal components of the standardised latents that the network reads (front-end.ts): 'auto'
   * (default) keeps, for latents wider than 128, the components holding at least 1% of the
   * largest one's variance (the rank the data support; 0.2% for a linear fit, see
   * `architecture`), unless that is more than half the width or more than 384; 'full' reads every latent; a number k keeps the k leading components (at
   * most 384). The model still reads and reconstructs the latents themselves: the projection is
   * folded into its first and last layers.
   */
  inputRank?: number | 'auto' | 'full';
  /**
   * The form of the encoder and the heads: 'nonlinear' (an encoder with hidden layers,
   * `encoderWidths`, and heads with a leaky-ReLU hidden layer), 'linear' (an encoder that is one
   * linear map and linear heads: s_hat is then a linear change of coordinates of the latents and a
   * block a subspace of them), or 'auto' (default): both dense fits are trained on the same rows
   * and the linear one goes on when its validation risk is the lower (mean over tasks of the class
   * error rate for class-coded targets, else of the whitened squared error) and the network's
   * dense fit had stopped improving (not cut off by its epoch cap); else the network. Why: a
   * generalist trained for the task family often makes its content linearly readable, and there
   * a network encoder and heads overfit what a linear map reads (the PP-OCRv4 recogniser, dense
   * fits of seed 1: held-out read accuracy 0.99-1.00 linear against 0.98-0.99, on fonts never
   * seen 0.89-0.96 against 0.81-0.87). Where the latents mix the state nonlinearly (blocksWorld)
   * the linear fit's validation loss is 5-10 times the network's, and where the network's dense
   * fit ends at its cap (generalistWorld at d = 256) no linear fit is trained: both keep the
   * network, bit for bit as before. 'auto' is 'nonlinear' when `encoderWidths` is given or a
   * penalty has a fixed lambda (the choice is made on the dense fit that lambda 'auto' and
   * penalty 'none' start from). On latents wider than 128 with inputRank 'auto', a kept linear fit
   * is fitted again on the principal components down to 0.2% of the largest variance (the
   * network's front end keeps 1%): on the recogniser's 480-wide backbone output the directions
   * that read the character free of the font lie partly between the two.
   */
  architecture?: 'auto' | 'nonlinear' | 'linear';
  /** Coordinates of s_hat. Default: the latent width d (with a front end, its rank: s_hat can hold all of z_hat). */
  latentDims?: number;
  /**
   * Hidden widths of the encoder z_hat -> s_hat; the decoder mirrors them. Default [4d, d] for the
   * d columns the network reads (with a front end, its rank), each at least 64 and the first at
   * most 512 (see defaultEncoderWidths).
   */
  encoderWidths?: number[];
  /**
   * Hidden width of each task head (one hidden layer). Default: twice the outputs of the widest
   * head (its whitened target directions), at least 32 and at most 512 (see defaultHeadWidth).
   */
  headWidth?: number;
  /**
   * Sparsity strength, or 'auto' (default): per task, the largest lambda on the grid (refined by
   * one geometric-mean retry where the task stops) whose stage passes the drop check (the head
   * refitted on the coordinates the stage left it loses at most `tolerance` of one coordinate's
   * share against its previous coordinates, on the same representation), without its support
   * growing; then backward elimination with the same check. With penalty 'group', each Adam step
   * is followed by a proximal step shrinking the norm of each head input row by learningRate *
   * sqrt(headWidth) * lambda, so lambda is in units of Adam steps (a row survives when its loss
   * gradient keeps pointing the same way); sensible values are 0.02-2. With 'jacobian', the 'auto'
   * grid is half the group one.
   */
  lambda?: number | 'auto';
  /** 'group' (default): proximal group lasso on the head input rows; 'jacobian': l1 on the head's input Jacobian; 'none'. */
  penalty?: Penalty;
  /**
   * Most epochs of the dense fit (and of a fit at a given lambda); lambda 'auto' path stages and
   * the final refit take at most epochs/4. Phases are set in steps and stop early (docs/specialist.md:
   * dense at most 2000 steps, stages at most 600, refit 1500), so this is a cap. Default 120.
   */
  epochs?: number;
  /** Rows per minibatch, taken as two ghost batches that are each normalised on their own statistics. Default 128. */
  batchSize?: number;
  /**
   * Adam learning rate (the last phase anneals it to 0). Default 8e-3: the phases are set in steps,
   * and with 2e-3 the fit was still improving when they ended (d = 128: relevant R^2 0.86-0.89,
   * with 8e-3 0.89-0.93).
   */
  learningRate?: number;
  /** Weight of the reconstruction loss of z_hat against the task losses. Default 1. */
  reconstructionWeight?: number;
  /** A coordinate is in a task's support when its mean |Jacobian| exceeds threshold x the task's largest. Default 0.05. */
  threshold?: number;
  /**
   * lambda 'auto': dropping coordinates from a task's support is accepted while its refitted
   * validation loss (whitened targets, so 1 is the variance) rises by at most tolerance x
   * explained / (size + 1), explained being 1 - the loss before and size the new support's (or
   * the rise is within two standard errors; a stage that drops more than e / tolerance coordinates
   * at once gets ln(dropped x tolerance) times that). Default 0.25: a needed coordinate costs about
   * explained / |block|, four times the allowance; a spare one about nothing (allowedRise in
   * path-rules.ts).
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

/** The form of the specialist network (SpecialistOptions.architecture). */
export type Architecture = NonNullable<SpecialistOptions['architecture']>;

export interface ResolvedOptions {
  /** 'auto' only where both fits are compared (see resolveOptions). */
  architecture: Architecture;
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
  inputRank: true, architecture: true, latentDims: true, encoderWidths: true, headWidth: true, lambda: true, penalty: true, epochs: true, batchSize: true,
  learningRate: true, reconstructionWeight: true, threshold: true, tolerance: true, whitenTargets: true,
  validationSplit: true, seed: true,
};

/**
 * Two hidden layers: 4d units (64 to 512), then max(64, d), for the d columns the network reads
 * (the front end's rank for wide latents, so the width follows the data, not the generalist's
 * output). The cap of 512 (1024 before issue 18) only acts beyond d = 128: at d = 256 the [1024,
 * 256] encoder made a step cost 1.85 times that of [512, 256] (measured side by side, 20,000 rows). The encoder has to undo the
 * generalist's mixing of all d coordinates, so its width has to grow with d: on generalistWorld at
 * d = 64 (blocks of 8), the previous fixed [64, 64] reached a held-out R^2 of 0.85 from each block
 * to its true block, [128, 128] 0.92-0.96, [256] 0.95-0.97, [256, 64] 0.95-0.97 (learning rate
 * 8e-3); at d = 128 (blocks of 16) [256, 256] 0.88-0.91, [512, 128] 0.89-0.92. The second layer
 * is for depth where d is small: on the blocks world (d = 10, three mixing layers) one layer of 64
 * reached 0.95-0.98, two 0.99-1.00.
 */
export function defaultEncoderWidths(d: number): number[] {
  return [Math.min(512, Math.max(64, 4 * d)), Math.max(64, d)];
}

/**
 * The heads' hidden width when not given: 2 x the most outputs any head trains on (whitened target
 * directions, or classes), at least 32 and at most 512. Why: whitened, each of a head's dy output
 * directions weighs the same in the loss, and a leaky-ReLU layer needs about two units per direction
 * it passes on (one per sign). Measured on generalistWorld at d = 256 (blocks of 32, 32 directions
 * per task, seed 11), a head of 32 trained for 310 steps on the true block, against the same head on
 * the block without one coordinate: the loss rose by -0.002 to 0.002 on two of the four tasks (the
 * head did not use every coordinate), where least squares rises by 0.025-0.030 for each; with 64
 * units 0.026-0.031 on every task (bench/specialist-oracle.ts). On the path the penalty then took a coordinate the head had not learnt
 * to use, and the drop check, whose refits are as short, could not see its cost: 6 of 12 tasks
 * ended on 31 coordinates. Up to 16 directions the default stays 32, as before.
 */
export function defaultHeadWidth(taskDims: number[]): number {
  return Math.min(512, Math.max(32, 2 * Math.max(0, ...taskDims)));
}

function bool(name: string, v: unknown): boolean {
  if (typeof v !== 'boolean') throw bad(name, 'must be true or false', v);
  return v;
}

export function resolveOptions(options: SpecialistOptions, latentWidth: number): ResolvedOptions {
  const o = options ?? {};
  if (typeof o !== 'object') throw bad('options', 'must be an object', o);
  checkKeys('SpecialistOptions', o, SPECIALIST_KEYS);
  const asked = o.architecture ?? 'auto';
  if (!['auto', 'nonlinear', 'linear'].includes(asked)) throw bad('architecture', "must be 'auto', 'nonlinear' or 'linear'", asked);
  if (asked === 'linear' && o.encoderWidths !== undefined) throw bad('encoderWidths', "applies to architecture 'nonlinear' only (a linear encoder has no hidden layers)", o.encoderWidths);
  const encoderWidths = o.encoderWidths ?? defaultEncoderWidths(latentWidth);
  if (!Array.isArray(encoderWidths)) throw bad('encoderWidths', 'must be an array of widths', encoderWidths);
  encoderWidths.forEach((w, i) => int(`encoderWidths[${i}]`, w, 1, 4096));
  const lambda = o.lambda ?? 'auto';
  if (lambda !== 'auto') num('lambda', lambda as number, 0, 1e6);
  const penalty = o.penalty ?? 'group';
  if (!['group', 'jacobian', 'none'].includes(penalty)) throw bad('penalty', "must be 'group', 'jacobian' or 'none'", penalty);
  // 'auto' compares the two dense fits; given widths choose, and a fixed lambda trains no dense fit.
  const fixedLambda = penalty !== 'none' && lambda !== 'auto' && lambda !== 0;
  const architecture = asked === 'auto' && (o.encoderWidths !== undefined || fixedLambda) ? 'nonlinear' : asked;
  return {
    architecture,
    latentDims: int('latentDims', o.latentDims ?? latentWidth, 1, 1024),
    encoderWidths,
    headWidth: int('headWidth', o.headWidth ?? 32, 1, 4096),
    lambda,
    penalty,
    epochs: int('epochs', o.epochs ?? 120, 1, 100000),
    batchSize: int('batchSize', o.batchSize ?? 128, 2, 65536),
    learningRate: num('learningRate', o.learningRate ?? 8e-3, 0, 1, true),
    reconstructionWeight: num('reconstructionWeight', o.reconstructionWeight ?? 1, 0, 1e6),
    threshold: num('threshold', o.threshold ?? 0.05, 0, 1, true),
    tolerance: num('tolerance', o.tolerance ?? 0.25, 0, 100, true),
    whitenTargets: bool('whitenTargets', o.whitenTargets ?? true),
    validationSplit: num('validationSplit', o.validationSplit ?? 0.2, 0, 0.9, true),
    seed: num('seed', o.seed ?? 0, -(2 ** 52), 2 ** 52),
  };
}
