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
import { callBack, makeYielder } from '../core/call-options.ts';
import { SpecialistError, throwIfAborted, toSpecialistError } from '../core/errors.ts';
import type { Tensor } from '../core/tensor.ts';
import { kernelsFor, type KernelCallOptions } from '../kernels/runtime.ts';
import { createRng, type Rng } from '../core/random.ts';
import { prepareData, splitRows, type TargetsInput } from './data.ts';
import { Specialists, type LossCurves, type ValidationPoint } from './model.ts';
import { supportFrom } from './support.ts';
import { resolveOptions, type ResolvedOptions, type SpecialistOptions } from './options.ts';
import { Trainer, type Losses, type Snapshot } from './trainer.ts';

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

/** The lambda grid of 'auto' for the group penalty (Adam-step units); the Jacobian penalty uses it x JACOBIAN_SCALE. */
export const LAMBDA_GRID = [0.04, 0.08, 0.16, 0.32, 0.64, 1, 1.5, 2, 3, 4];
/** The Jacobian penalty's lambda is this times the grid (its gradient goes through Adam; see docs/specialist.md). */
export const JACOBIAN_SCALE = 0.5;

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
  // The trainer's buffers live for the whole (asynchronous) fit: a resident scope, held exclusively.
  return kernels.exclusive(async () => {
    const scope = kernels.resident();
    try {
      const trainer = new Trainer(scope, data, train, {
        latentDims: opts.latentDims,
        encoderWidths: opts.encoderWidths,
        headWidth: opts.headWidth,
        batchSize: opts.batchSize,
        learningRate: opts.learningRate,
        reconstructionWeight: opts.reconstructionWeight,
        penalty: opts.penalty,
      });
      const state = await new Schedule(trainer, opts, rng, validation, train, call).run();
      return new Specialists({ ...state, ...modelParts(data, opts) });
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

/**
 * Reweighted group lasso (a step towards counting coordinates rather than summing norms): a row
 * weaker than the task's median live row pays more per unit norm, a stronger one less, within
 * [1/4, 4]. Weights are set at the start of each path stage from the rows as they are then.
 */
export function reweight(norms: Float32Array[]): Float32Array[] {
  return norms.map((row) => {
    const live = [...row].filter((v) => v > 0).sort((a, b) => a - b);
    const median = live.length ? live[live.length >> 1] : 1;
    return row.map((v) => (v > 0 ? Math.min(4, Math.max(0.25, median / v)) : 4));
  });
}

/**
 * Converged: over the final phase of training (the refit with a penalty, the dense fit without),
 * the mean training loss of its last quarter differs by less than 5% from that of the quarter
 * before, so training on at the same settings would change the loss by less than epoch-to-epoch
 * noise (a few percent with minibatches). A phase shorter than 4 epochs cannot tell: false.
 */
export function converged(curve: number[]): boolean {
  if (curve.length < 4 || !curve.every(Number.isFinite)) return false;
  const q = Math.floor(curve.length / 4);
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  const last = mean(curve.slice(-q)), before = mean(curve.slice(-2 * q, -q));
  return Math.abs(before - last) <= 0.05 * Math.max(before, 1e-12);
}

/**
 * The largest debiased validation loss a stage may reach for a task whose best loss so far is
 * `best` (standardised targets: 1 is the variance, 1 - best the share explained). The increase is
 * held to tolerance x best, so a well-predicted task keeps every coordinate it needs, and to half
 * that share of the explained variance, so a weakly predicted task (one step explaining part of an
 * episode's outcome: best near 1) cannot drop what little it explains; 0.01 absorbs the noise of
 * the validation loss. A task that explains nothing may drop every coordinate.
 */
export function lossLimit(best: number, tolerance: number): number {
  const explained = Math.max(0, 1 - best);
  return best + Math.min(tolerance * best, 0.5 * tolerance * explained) + 0.01;
}

class Schedule {
  private readonly curves: LossCurves = { train: [], validation: [] };
  private epochDone = 0;
  private readonly totalEpochs: number;
  /** Lets an abort signal (or other work on this thread) in between epochs. */
  private readonly yieldNow = makeYielder(50);

  constructor(
    private readonly trainer: Trainer,
    private readonly opts: ResolvedOptions,
    private readonly rng: Rng,
    private readonly validation: Int32Array,
    private readonly train: Int32Array,
    private readonly call: FitCallOptions,
  ) {
    const E = opts.epochs;
    const penalised = opts.penalty !== 'none' && opts.lambda !== 0;
    // 'auto' plans for every grid stage plus one retry per task (a stage redone without a task that failed it).
    this.totalEpochs = !penalised ? E : opts.lambda === 'auto' ? E + this.maxStages * (this.stageEpochs + this.debiasEpochs) + this.refitEpochs : E + this.refitEpochs;
  }

  private get stageEpochs(): number {
    return Math.max(3, Math.round(this.opts.epochs / 4));
  }
  /** Epochs of the unpenalised check after each path stage. */
  private get debiasEpochs(): number {
    return Math.max(2, Math.round(this.opts.epochs / 12));
  }
  /** Path stages at most: every grid step, plus one redo per task failure and one per retry. */
  private get maxStages(): number {
    return LAMBDA_GRID.length + 2 * this.trainer.heads.length;
  }
  private get refitEpochs(): number {
    return Math.max(2, Math.round(this.opts.epochs / 4));
  }

  private nonzeros(): number[] {
    return this.trainer.rowNorms().map((norms) => norms.reduce((n, v) => n + (v > 0 ? 1 : 0), 0));
  }

  /** Runs `epochs` epochs with lambda moving linearly from `from` to `to` over the first third. */
  private async phase(phase: ValidationPoint['phase'], epochs: number, from: number[], to: number[], rowWeights?: Float32Array[]): Promise<void> {
    const perEpoch = this.trainer.batchesPerEpoch;
    const rampSteps = Math.max(1, Math.round((epochs * perEpoch) / 3));
    for (let e = 0; e < epochs; e++) {
      throwIfAborted(this.call.signal);
      const lambdaAt = (b: number) => {
        const t = Math.min(1, (e * perEpoch + b + 1) / rampSteps);
        return from.map((f, k) => f + (to[k] - f) * t);
      };
      const loss = this.trainer.epoch(this.rng, lambdaAt, rowWeights);
      if (!Number.isFinite(loss)) {
        throw new SpecialistError('NON_FINITE', `training diverged (loss ${loss}) in epoch ${this.epochDone + 1}; lower learningRate`, { epoch: this.epochDone + 1 });
      }
      this.curves.train.push(loss);
      this.epochDone++;
      callBack('onProgress', this.call.onProgress, { phase, epoch: this.epochDone, totalEpochs: this.totalEpochs, loss, lambda: to, nonzeros: this.nonzeros() });
      const pause = this.yieldNow();
      if (pause) await pause;
    }
  }

  private validate(phase: ValidationPoint['phase'], lambda: number[]): Losses {
    this.trainer.computePopulationStats();
    const losses = this.trainer.evaluate(this.validation);
    this.curves.validation.push({ phase, epoch: this.epochDone, lambda, reconstruction: losses.reconstruction, tasks: losses.tasks, nonzeros: this.nonzeros() });
    return losses;
  }

  /** Training rows for the mean |Jacobian| (at most about 4096). */
  private get jacobianSample(): Int32Array {
    const step = Math.ceil(this.train.length / 4096);
    return step > 1 ? this.train.filter((_, i) => i % step === 0) : this.train;
  }

  /**
   * The s_hat coordinates each head reads now. The group penalty zeroes rows exactly, so a read
   * coordinate is a non-zero input row; the Jacobian penalty only makes rows small, so there it is
   * the support rule of the final model (mean |Jacobian| above threshold x the task's largest).
   */
  private liveRows(): boolean[][] {
    if (this.opts.penalty !== 'jacobian') return this.trainer.rowNorms().map((norms) => [...norms].map((v) => v > 0));
    this.trainer.computePopulationStats();
    return this.trainer.meanAbsJacobian(this.jacobianSample).map((imp) => {
      const live = new Set(supportFrom(imp, this.opts.threshold));
      return Array.from(imp, (_, j) => live.has(j));
    });
  }

  /** Restricts every head (or those in `tasks`) to the s_hat coordinates it reads now (other rows held at zero from here on). */
  private freezeSupports(tasks?: boolean[]): void {
    const live = this.liveRows();
    this.trainer.allowed.forEach((allowed, k) => {
      if (!tasks || tasks[k]) live[k].forEach((v, j) => (allowed[j] &&= v ? 1 : 0));
    });
  }

  /**
   * The validation losses the current supports would have without shrinkage: freeze the supports,
   * train `debiasEpochs` without penalty, evaluate, then put the penalised state (parameters, Adam
   * state, allowed rows) back. Judging a lambda by its penalised loss would charge it for the bias
   * of shrinking the rows it keeps (which grows with lambda) rather than for the rows it drops.
   */
  private async debiasedLosses(lambda: number[]): Promise<Losses & { sizes: number[] }> {
    const { trainer } = this;
    const penalised = trainer.snapshot(true);
    const allowed = trainer.allowed.map((a) => a.slice());
    this.freezeSupports();
    const zero = lambda.map(() => 0);
    await this.phase('path', this.debiasEpochs, zero, zero);
    const losses = { ...this.validate('path', lambda), sizes: this.nonzeros() };
    trainer.restore(penalised);
    trainer.allowed.forEach((a, k) => a.set(allowed[k]));
    return losses;
  }

  /**
   * lambda 'auto': each task climbs the grid while its debiased validation loss stays within the
   * tolerance of its best so far. A task that fails a grid step is retried once at the geometric
   * mean of its last accepted lambda and the failed one (bisection on the log scale); when that
   * fails too, or succeeds, the task is done: its support is frozen and its penalty lifted, so the
   * stages the other tasks still run cannot take more coordinates from it. Each stage continues
   * from the last accepted state; a stage with a failing task is redone without it.
   */
  private async path(best: number[]): Promise<number[]> {
    const { trainer, opts } = this;
    const K = best.length;
    const grid = LAMBDA_GRID.map((g) => (opts.penalty === 'jacobian' ? g * JACOBIAN_SCALE : g));
    const chosen = new Array<number>(K).fill(0);
    const done = new Array<boolean>(K).fill(false);
    const retry = new Array<number | undefined>(K).fill(undefined);
    const sizes = new Array<number>(K).fill(opts.latentDims);
    let accepted = trainer.snapshot(true);
    let stages = 0;
    for (let g = 0; g < grid.length && done.includes(false) && stages < this.maxStages; stages++) {
      const from = chosen.map((c, k) => (done[k] ? 0 : c));
      const target = chosen.map((_, k) => (done[k] ? 0 : retry[k] ?? grid[g]));
      await this.phase('path', this.stageEpochs, from, target, reweight(trainer.rowNorms()));
      const { tasks: losses, sizes: now } = await this.debiasedLosses(target);
      // A task fails a stage when its debiased loss leaves the tolerance, or when its support grew:
      // along a working path supports only shrink, so growth means the penalty has stopped biting
      // in a stable way (seen with the Jacobian penalty at large lambda, where Adam's normalised
      // steps leave every row jittering at a similar small size).
      const failed = losses.map((l, k) => !done[k] && (l > lossLimit(best[k], opts.tolerance) || now[k] > sizes[k]));
      if (failed.includes(true)) {
        trainer.restore(accepted);
        failed.forEach((f, k) => {
          if (!f) return;
          if (retry[k] === undefined && chosen[k] > 0) retry[k] = Math.sqrt(chosen[k] * grid[g]);
          else this.finish(k, done, retry);
        });
        continue;
      }
      losses.forEach((l, k) => {
        if (done[k]) return;
        best[k] = Math.min(best[k], l);
        sizes[k] = now[k];
        chosen[k] = target[k];
        if (retry[k] !== undefined) this.finish(k, done, retry);
      });
      accepted = trainer.snapshot(true);
      g++;
    }
    trainer.restore(accepted);
    return chosen;
  }

  /** Task k keeps the support of the current (accepted) state, without penalty from here on. */
  private finish(k: number, done: boolean[], retry: (number | undefined)[]): void {
    done[k] = true;
    retry[k] = undefined;
    this.freezeSupports(done.map((_, i) => i === k));
  }

  async run() {
    const { opts, trainer } = this;
    trainer.init(this.rng.fork());
    const K = trainer.heads.length;
    const zero = new Array<number>(K).fill(0);
    const penalised = opts.penalty !== 'none' && opts.lambda !== 0;
    let lambda = zero;
    if (!penalised) {
      await this.phase('dense', opts.epochs, zero, zero);
      this.validate('dense', zero);
    } else if (opts.lambda === 'auto') {
      await this.phase('dense', opts.epochs, zero, zero);
      lambda = await this.path(this.validate('dense', zero).tasks.slice());
    } else {
      lambda = new Array<number>(K).fill(opts.lambda);
      await this.phase('path', opts.epochs, zero, lambda, undefined);
      this.validate('path', lambda);
    }
    // Where the final phase (whose parameters are returned) starts in the training curve.
    let finalStart = 0;
    if (penalised) {
      // Freeze the supports the penalty found, then refit without shrinkage.
      this.freezeSupports();
      finalStart = this.curves.train.length;
      await this.phase('refit', this.refitEpochs, zero, zero);
      this.validate('refit', zero);
    }
    trainer.computePopulationStats();
    const importance = trainer.meanAbsJacobian(this.jacobianSample);
    const snap = trainer.snapshot();
    return {
      encoder: snap.encoder,
      decoder: snap.decoder,
      heads: snap.heads,
      bnMean: trainer.popMean,
      bnInvStd: trainer.popInvStd,
      importance,
      supports: importance.map((imp) => supportFrom(imp, opts.threshold)),
      lambda,
      converged: converged(this.curves.train.slice(finalStart)),
      curves: this.curves,
    };
  }
}
