// fitSpecialists: the training schedule around Trainer.
//   dense   E epochs without penalty: the reference validation loss of every task;
//   path    ('auto') lambda climbs a grid, each stage continuing from the last accepted state and
//           ramping lambda in over its first third; a stage is accepted while every task's
//           validation loss stays within the tolerance of its best so far, and a task that fails
//           keeps its last accepted lambda while the others go on (the stage is redone without it);
//           with a given lambda, one run ramping it in over the first third;
//   refit   the supports are frozen (dropped rows held at zero) and lambda set to 0, removing the
//           shrinkage the penalty put on the rows it kept.
import { SpecialistError, throwIfAborted, toSpecialistError } from '../errors.ts';
import type { Matrix } from '../kernels/matrix.ts';
import { KernelRuntime, type KernelOptions } from '../kernels/runtime.ts';
import { createRng, type Rng } from '../random.ts';
import { prepareData, splitRows, type ShapedArray, type TargetsInput } from './data.ts';
import { Specialists, supportFrom, type LossCurves, type ValidationPoint } from './model.ts';
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

export interface FitCallOptions {
  signal?: AbortSignal;
  onProgress?: (progress: FitProgress) => void;
  /** A kernel runtime to train on, or options to create one. Default: the best build. */
  kernels?: KernelRuntime | KernelOptions;
  /** Membership [N, K] of 0/1: which rows count for which task. Default: every row counts for every task. */
  membership?: Matrix | ShapedArray;
}

/** The lambda grid of 'auto' for the group penalty (Adam-step units); the Jacobian penalty uses it x 0.05. */
export const LAMBDA_GRID = [0.04, 0.08, 0.16, 0.32, 0.64, 1, 1.5, 2, 3, 4];

function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 0));
}

export async function fitSpecialists(latents: Matrix | ShapedArray, targets: TargetsInput, options: SpecialistOptions = {}, call: FitCallOptions = {}): Promise<Specialists> {
  throwIfAborted(call.signal);
  const data = prepareData(latents, targets, call.membership);
  const opts = resolveOptions(options, data.d);
  const runtime = call.kernels instanceof KernelRuntime ? call.kernels : await KernelRuntime.create(call.kernels);
  const rng = createRng(opts.seed);
  const { train, validation } = splitRows(data.n, opts.validationSplit, rng.fork());
  // The trainer's buffers live for the whole (asynchronous) fit, so the arena mark is held here
  // rather than in runtime.scoped, which releases when its synchronous body returns.
  const k = runtime.scoped((kernels) => kernels);
  const mem = runtime.memory;
  const mark = mem.mark();
  try {
    const trainer = new Trainer(k, mem, data, train, {
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
    mem.release(mark);
  }
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

class Schedule {
  private readonly curves: LossCurves = { train: [], validation: [] };
  private epochDone = 0;
  private readonly totalEpochs: number;
  private lastYield = performance.now();

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
    const tasks = trainer.heads.length;
    this.totalEpochs = !penalised ? E : opts.lambda === 'auto' ? E + (LAMBDA_GRID.length + tasks) * this.stageEpochs + this.refitEpochs : E + this.refitEpochs;
  }

  private get stageEpochs(): number {
    return Math.max(3, Math.round(this.opts.epochs / 4));
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
      this.call.onProgress?.({ phase, epoch: this.epochDone, totalEpochs: this.totalEpochs, loss, lambda: to, nonzeros: this.nonzeros() });
      if (performance.now() - this.lastYield > 50) {
        // Let an abort signal (or other work on this thread) in between epochs.
        await yieldToEventLoop();
        this.lastYield = performance.now();
      }
    }
  }

  private validate(phase: ValidationPoint['phase'], lambda: number[]): Losses {
    this.trainer.computePopulationStats();
    const losses = this.trainer.evaluate(this.validation);
    this.curves.validation.push({ phase, epoch: this.epochDone, lambda, reconstruction: losses.reconstruction, tasks: losses.tasks, nonzeros: this.nonzeros() });
    return losses;
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
      const best = this.validate('dense', zero).tasks.slice();
      let accepted: Snapshot = trainer.snapshot();
      const grid = LAMBDA_GRID.map((g) => (opts.penalty === 'jacobian' ? g * 0.05 : g));
      // Per task: a task whose loss leaves the tolerance keeps its last accepted lambda; the stage
      // is redone from the last accepted state with the others only (small blocks stop early,
      // large ones go on).
      const frozen = new Array<boolean>(K).fill(false);
      for (let g = 0; g < grid.length && frozen.includes(false); ) {
        const target = lambda.map((l, k) => (frozen[k] ? l : grid[g]));
        await this.phase('path', this.stageEpochs, lambda, target, reweight(trainer.rowNorms()));
        const losses = this.validate('path', target);
        const failed = losses.tasks.map((l, k) => !frozen[k] && l > (1 + opts.tolerance) * best[k] + 0.01);
        if (failed.includes(true)) {
          trainer.restore(accepted);
          failed.forEach((f, k) => (frozen[k] ||= f));
          continue;
        }
        losses.tasks.forEach((l, k) => (best[k] = Math.min(best[k], l)));
        accepted = trainer.snapshot();
        lambda = target;
        g++;
      }
      trainer.restore(accepted);
    } else {
      lambda = new Array<number>(K).fill(opts.lambda);
      await this.phase('path', opts.epochs, zero, lambda, undefined);
      this.validate('path', lambda);
    }
    if (penalised) {
      // Freeze the supports the penalty found, then refit without shrinkage.
      const norms = trainer.rowNorms();
      trainer.allowed.forEach((allowed, k) => norms[k].forEach((v, j) => (allowed[j] = v > 0 ? 1 : 0)));
      await this.phase('refit', this.refitEpochs, zero, zero);
      this.validate('refit', zero);
    }
    trainer.computePopulationStats();
    const sample = this.train.length > 4096 ? this.train.filter((_, i) => i % Math.ceil(this.train.length / 4096) === 0) : this.train;
    const importance = trainer.meanAbsJacobian(sample);
    const snap = trainer.snapshot();
    const curve = this.curves.train;
    const tail = Math.max(2, Math.floor(curve.length / 20));
    const recent = curve.slice(-tail).reduce((a, b) => a + b, 0) / tail;
    const before = curve.slice(-2 * tail, -tail).reduce((a, b) => a + b, 0) / Math.max(1, Math.min(tail, curve.length - tail));
    return {
      encoder: snap.encoder,
      decoder: snap.decoder,
      heads: snap.heads,
      bnMean: trainer.popMean,
      bnInvStd: trainer.popInvStd,
      importance,
      supports: importance.map((imp) => supportFrom(imp, opts.threshold)),
      lambda,
      // Converged: the training loss moved less than 5% between the last two twentieths of training.
      converged: curve.every(Number.isFinite) && Math.abs(before - recent) <= 0.05 * Math.max(before, 1e-6),
      curves: this.curves,
    };
  }
}
