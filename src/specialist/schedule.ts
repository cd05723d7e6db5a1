// The training schedule around Trainer (see fit.ts for the phases). Lengths are set in optimiser
// steps, not epochs, so a fit on 20,000 rows takes no more steps than one on 5,000 where it needs
// none, and every phase stops early once it has nothing left to do.
import { callBack, makeYielder } from '../core/call-options.ts';
import { SpecialistError, throwIfAborted } from '../core/errors.ts';
import type { Rng } from '../core/random.ts';
import type { ResidentScope } from '../kernels/resident.ts';
import { SupportChecks } from './support-checks.ts';
import type { FitCallOptions } from './fit-call.ts';
import { type LossCurves, type ValidationPoint } from './model.ts';
import { supportFrom } from './support.ts';
import type { FitData } from './data.ts';
import type { ResolvedOptions } from './options.ts';
import { converged, grew, reweight, shrinking, unchanged, type Verdict } from './path-rules.ts';
import { riskOf, type DenseFit } from './architecture.ts';
import type { LayerWeights } from './layers.ts';
import type { Losses, Trainer } from './trainer.ts';

/** The lambda grid of 'auto' for the group penalty (Adam-step units); the Jacobian penalty uses it x JACOBIAN_SCALE. */
export const LAMBDA_GRID = [0.04, 0.08, 0.16, 0.32, 0.64, 1, 1.5, 2, 3, 4];
/** The Jacobian penalty's lambda is this times the grid (its gradient goes through Adam; see docs/specialist.md). */
export const JACOBIAN_SCALE = 0.5;

/**
 * Step counts of the schedule. A row of a head's first layer shrinks by lr sqrt(width) lambda per
 * step (0.029 at lambda 0.64 and the defaults), so a spare row of norm 0.5 is gone after about 20
 * steps at full lambda: a ramp of 100 steps and 150 more steps without a change of support end a
 * stage where the previous schedule ran up to 3750 steps (30 epochs of 125 batches).
 */
export const STEPS = {
  /** lambda moves from its previous to its new value over this many steps. */
  ramp: 100,
  /** A stage ends once no support shrank over this many steps (after the ramp; see shrinking()). */
  stable: 150,
  /**
   * A stage ends after this many steps at most (or epochs / 4 epochs, whichever is less): rows that
   * are still fading then go on fading in the next stage, which starts from this one.
   */
  stage: 600,
  /** The dense fit ends once the validation loss has not improved by 1% over this many steps. */
  patience: 300,
  /**
   * The dense fit ends after this many steps at most (or `epochs` epochs, whichever is less): the
   * path goes on training from where it stops, so it only has to get the heads reading roughly
   * the right coordinates.
   */
  dense: 2000,
  /** Steps of the final refit (its learning rate falls linearly to 0). */
  refit: 1500,
};
/** Relative improvement of the validation loss that counts as progress (early stopping). */
const MIN_IMPROVEMENT = 0.01;
/** Rows of the training set used for batch-norm statistics and head refits inside the path (a uniform stride). */
const CHECK_ROWS = 8192;

/** Every `ceil(length / most)`-th entry, so at most about `most`. */
function stride(rows: Int32Array, most: number): Int32Array {
  const step = Math.ceil(rows.length / most);
  return step > 1 ? rows.filter((_, i) => i % step === 0) : rows;
}

interface PhaseSpec {
  phase: ValidationPoint['phase'];
  maxEpochs: number;
  from: number[];
  to: number[];
  rowWeights?: Float32Array[];
  /** Called after each epoch (1-based count): true ends the phase. */
  stop?: (epochsDone: number) => boolean;
  /** The learning rate's multiplier at a step of the phase (0-based). Default 1. */
  rate?: (step: number) => number;
}

export class Schedule {
  private readonly curves: LossCurves = { train: [], validation: [] };
  private epochDone = 0;
  /** Epochs trained so far. */
  get epochs(): number {
    return this.epochDone;
  }
  private readonly totalEpochs: number;
  /** Lets an abort signal (or other work on this thread) in between epochs. */
  private readonly yieldNow = makeYielder(50);
  private readonly checkRows: Int32Array;
  /** Validation rows of the early-stopping and convergence checks. */
  private readonly probe: Int32Array;

  private readonly penalised: boolean;
  /** Whether the dense fit (penalty 'none') ended on a plateau. */
  private settled = false;

  constructor(
    private readonly trainer: Trainer,
    private readonly opts: ResolvedOptions,
    private readonly rng: Rng,
    private readonly validation: Int32Array,
    private readonly train: Int32Array,
    private readonly call: FitCallOptions,
    private readonly scope: ResidentScope,
    private readonly data: FitData,
  ) {
    this.probe = stride(validation, CHECK_ROWS);
    this.penalised = opts.penalty !== 'none' && opts.lambda !== 0;
    // 'auto' plans for every grid stage plus one retry per task; phases that stop early end sooner.
    const stages = opts.lambda === 'auto' ? this.maxStages * this.maxStageEpochs : opts.epochs;
    this.totalEpochs = !this.penalised ? opts.epochs : opts.lambda === 'auto' ? opts.epochs + stages + this.maxDenseEpochs : opts.epochs + this.maxRefitEpochs;
    this.checkRows = stride(train, CHECK_ROWS);
  }

  private epochsFor(steps: number): number {
    return Math.max(1, Math.ceil(steps / this.trainer.batchesPerEpoch));
  }
  private get maxStageEpochs(): number {
    return Math.min(Math.max(3, Math.round(this.opts.epochs / 4)), this.epochsFor(STEPS.stage));
  }
  /** The dense fit of lambda 'auto' (and its refit from there, refitFromDense) takes at most this many epochs. */
  private get maxDenseEpochs(): number {
    return Math.min(this.opts.epochs, this.epochsFor(STEPS.dense));
  }
  private get maxRefitEpochs(): number {
    return Math.max(2, Math.round(this.opts.epochs / 4));
  }
  /** Path stages at most: every grid step, plus one redo per task failure and one per retry. */
  private get maxStages(): number {
    return LAMBDA_GRID.length + 2 * this.trainer.heads.length;
  }

  private nonzeros(): number[] {
    return this.trainer.rowNorms().map((norms) => norms.reduce((n, v) => n + (v > 0 ? 1 : 0), 0));
  }

  /** Trains up to `maxEpochs` epochs, lambda moving linearly from `from` to `to` over the first STEPS.ramp steps. */
  private async phase(spec: PhaseSpec): Promise<void> {
    const { from, to } = spec;
    const perEpoch = this.trainer.batchesPerEpoch;
    const rampSteps = Math.max(1, Math.min(STEPS.ramp, Math.round((spec.maxEpochs * perEpoch) / 3)));
    for (let e = 0; e < spec.maxEpochs; e++) {
      throwIfAborted(this.call.signal);
      const lambdaAt = (b: number) => {
        const t = Math.min(1, (e * perEpoch + b + 1) / rampSteps);
        return from.map((f, k) => f + (to[k] - f) * t);
      };
      const rate = spec.rate;
      const loss = this.trainer.epoch(this.rng, lambdaAt, spec.rowWeights, rate && ((b) => rate(e * perEpoch + b)));
      if (!Number.isFinite(loss)) {
        throw new SpecialistError('NON_FINITE', `training diverged (loss ${loss}) in epoch ${this.epochDone + 1}; lower learningRate`, { epoch: this.epochDone + 1 });
      }
      this.curves.train.push(loss);
      this.epochDone++;
      callBack('onProgress', this.call.onProgress, { phase: spec.phase, done: this.epochDone, total: this.totalEpochs, loss, lambda: to, nonzeros: this.nonzeros() });
      const pause = this.yieldNow();
      if (pause) await pause;
      if (spec.stop?.(e + 1)) break;
    }
  }

  /** Validation loss (reconstruction plus every task) on at most CHECK_ROWS validation rows, in inference mode. */
  private probeLoss(): number {
    this.trainer.computePopulationStats(this.checkRows);
    const l = this.trainer.evaluate(this.probe);
    return l.reconstruction + l.tasks.reduce((a, b) => a + b, 0);
  }

  /**
   * Trains without penalty until the validation loss stops improving by 1% over STEPS.patience
   * steps; true when it stopped for that reason rather than at `maxEpochs`.
   */
  private async untilPlateau(phase: 'dense' | 'refit', maxEpochs: number): Promise<boolean> {
    const zero = this.trainer.heads.map(() => 0);
    const patience = this.epochsFor(STEPS.patience);
    let best = Infinity, since = 0;
    await this.phase({
      phase,
      maxEpochs,
      from: zero,
      to: zero,
      stop: () => {
        const total = this.probeLoss();
        if (total < best * (1 - MIN_IMPROVEMENT)) {
          best = total;
          since = 0;
        } else since++;
        return since >= patience;
      },
    });
    return since >= patience;
  }

  /**
   * The final refit: STEPS.refit steps without penalty, the learning rate falling linearly to 0,
   * so the parameters returned sit at a minimum rather than in Adam's noise around it. Returns
   * whether its validation loss had settled (converged() over the loss after each epoch).
   */
  private async annealed(phase: 'refit'): Promise<boolean> {
    const zero = this.trainer.heads.map(() => 0);
    const steps = Math.min(STEPS.refit, this.maxRefitEpochs * this.trainer.batchesPerEpoch);
    const curve: number[] = [];
    await this.phase({
      phase,
      maxEpochs: this.epochsFor(steps),
      from: zero,
      to: zero,
      rate: (step) => Math.max(0, 1 - step / steps),
      stop: () => (curve.push(this.probeLoss()), false),
    });
    return converged(curve);
  }

  /**
   * lambda 'auto''s final refit: from the dense fit's parameters (restored by the caller; the rows
   * outside the frozen supports are zeroed at the first step) until the validation loss stops
   * improving. Why: along the path the shrinkage also bends the encoder, so that the few
   * coordinates a head keeps hold a squeezed version of its task; refitting from there kept that
   * loss. Measured on the PP-OCRv4 recogniser's 120-wide layer (glyph world, seed 1, same
   * supports): the blocks' R^2 to the character read rose from 0.75-0.84 to 0.85-0.93 and their
   * held-out read accuracy from 0.81-0.87 to 0.89-0.90 (docs/real-model.md). The supports are
   * those of the path; only the parameters behind them change.
   */
  private refitFromDense(): Promise<boolean> {
    return this.untilPlateau('refit', this.maxDenseEpochs);
  }

  private validate(phase: ValidationPoint['phase'], lambda: number[]): Losses {
    this.trainer.computePopulationStats();
    const losses = this.trainer.evaluate(this.validation);
    this.curves.validation.push({ phase, epoch: this.epochDone, lambda, reconstruction: losses.reconstruction, tasks: losses.tasks, nonzeros: this.nonzeros() });
    return losses;
  }

  /** Training rows for the mean |Jacobian| (at most about 4096). */
  private get jacobianSample(): Int32Array {
    return stride(this.train, 4096);
  }

  /**
   * The s_hat coordinates each head reads now. The group penalty zeroes rows exactly, so a read
   * coordinate is a non-zero input row; the Jacobian penalty only makes rows small, so there it is
   * the support rule of the final model (mean |Jacobian| above threshold x the task's largest).
   */
  private liveRows(): boolean[][] {
    if (this.opts.penalty !== 'jacobian') return this.trainer.rowNorms().map((norms) => [...norms].map((v) => v > 0));
    this.trainer.computePopulationStats(this.checkRows);
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

  private checks(): SupportChecks {
    const { opts } = this;
    this.trainer.computePopulationStats(this.checkRows);
    return new SupportChecks(this.scope, this.trainer, this.data, this.checkRows, this.validation, {
      latentDims: opts.latentDims,
      batchSize: opts.batchSize,
      learningRate: opts.learningRate,
      tolerance: opts.tolerance,
    });
  }

  /** Each head's live coordinates (ascending). */
  private supports(): number[][] {
    return this.liveRows().map((row) => row.flatMap((v, j) => (v ? [j] : [])));
  }

  /**
   * The drop check of a stage, for every task in `active` whose support shrank: on s_hat as the
   * stage left it, the head is refitted without penalty (head only, from the accepted state's
   * head) once on the coordinates it reads now and once on those it read before the stage, and the
   * two are compared row by row on the validation rows (path-rules.ts). Both refits see the same
   * representation, so what the stage did to the encoder cancels out and only the dropped
   * coordinates are charged; judging the penalised loss instead would charge the shrinkage of the
   * rows a head keeps, which grows with lambda.
   */
  private dropChecks(active: boolean[], before: number[][], heads: LayerWeights[][]): { verdicts: (Verdict | null)[]; supports: number[][] } {
    this.trainer.computePopulationStats(this.checkRows);
    const supports = this.supports();
    const changed = active.map((use, t) => use && (supports[t].length !== before[t].length || supports[t].some((j, i) => j !== before[t][i])));
    const checks = changed.includes(true) ? this.checks() : undefined;
    const verdicts = active.map((use, t) => {
      if (!use) return null;
      if (!changed[t]) return unchanged(before[t].length);
      if (supports[t].some((j) => !before[t].includes(j))) return grew(supports[t].length);
      return checks!.compare(t, heads[t], supports[t], before[t], this.rng);
    });
    return { verdicts, supports };
  }

  /** Backward elimination on every task's support (support-checks.ts), then those supports frozen. */
  private eliminate(): void {
    const checks = this.checks();
    const heads = this.trainer.snapshot().heads;
    this.supports().forEach((support, k) => {
      const kept = new Set(checks.eliminate(k, heads[k], support, this.rng));
      this.trainer.allowed[k].forEach((_, j) => (this.trainer.allowed[k][j] = kept.has(j) ? 1 : 0));
    });
  }

  /**
   * lambda 'auto': each task climbs the grid while its drop checks pass (path-rules.ts). A task
   * that fails a grid step is retried once at the geometric mean of its last accepted lambda and
   * the failed one (bisection on the log scale); when that fails too, or succeeds, the task is
   * done: its support is frozen and its penalty lifted, so the stages the other tasks still run
   * cannot take more coordinates from it. Each stage continues from the last accepted state; a
   * stage with a failing task is redone without it.
   */
  private async path(): Promise<number[]> {
    const { trainer, opts } = this;
    const K = trainer.heads.length;
    const grid = LAMBDA_GRID.map((g) => (opts.penalty === 'jacobian' ? g * JACOBIAN_SCALE : g));
    const chosen = new Array<number>(K).fill(0);
    const done = new Array<boolean>(K).fill(false);
    const retry = new Array<number | undefined>(K).fill(undefined);
    let accepted = trainer.snapshot(true);
    trainer.computePopulationStats(this.checkRows);
    let supports = this.supports();
    const stable = this.epochsFor(STEPS.stable), ramp = this.epochsFor(STEPS.ramp);
    let stages = 0;
    for (let g = 0; g < grid.length && done.includes(false) && stages < this.maxStages; stages++) {
      const from = chosen.map((c, k) => (done[k] ? 0 : c));
      const target = chosen.map((_, k) => (done[k] ? 0 : retry[k] ?? grid[g]));
      // The stage goes on while some task's support shrinks (shrinking()). Rows on the margin, that
      // the proximal step zeroes and Adam brings back, do not count as change: at d = 256 (blocks
      // of 32) the sizes wandered by 1-5 rows from epoch to epoch, or crept down by one, and an
      // 'unchanged' rule ran every stage to its cap.
      let lowest = this.nonzeros(), still = 0;
      await this.phase({
        phase: 'path',
        maxEpochs: this.maxStageEpochs,
        from,
        to: target,
        rowWeights: reweight(trainer.rowNorms()),
        stop: (e) => {
          const now = this.nonzeros();
          still = shrinking(now, lowest) ? 0 : still + 1;
          lowest = lowest.map((v, k) => Math.min(v, now[k]));
          return e >= ramp && still >= stable;
        },
      });
      this.validate('path', target);
      const check = this.dropChecks(done.map((d) => !d), supports, accepted.heads);
      const failed = check.verdicts.map((v) => v !== null && !v.pass);
      if (failed.includes(true)) {
        trainer.restore(accepted);
        failed.forEach((f, k) => {
          if (!f) return;
          if (retry[k] === undefined && chosen[k] > 0) retry[k] = Math.sqrt(chosen[k] * grid[g]);
          else this.finish(k, done, retry);
        });
        continue;
      }
      check.verdicts.forEach((v, k) => {
        if (!v) return;
        chosen[k] = target[k];
        if (retry[k] !== undefined) this.finish(k, done, retry);
      });
      supports = check.supports;
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

  /**
   * Starts the fit: initialises the network and trains the dense fit, when there is one (penalty
   * 'none', or lambda 'auto''s starting point; a fixed lambda trains with its penalty from the
   * start). Returns the dense fit's validation risk (riskOf; NaN without a dense fit) and whether
   * it stopped because its validation loss stopped improving rather than at its cap.
   */
  async dense(): Promise<DenseFit> {
    const { opts, trainer } = this;
    trainer.init(this.rng.fork());
    const zero = trainer.heads.map(() => 0);
    let plateau: boolean;
    if (!this.penalised) {
      plateau = this.settled = await this.untilPlateau('dense', opts.epochs);
    } else if (opts.lambda === 'auto') {
      plateau = await this.untilPlateau('dense', this.maxDenseEpochs);
    } else return { risk: NaN, plateau: false };
    return { risk: riskOf(this.validate('dense', zero)), plateau };
  }

  /** The whole fit (after dense(), which it runs first when it has not run): the model's parameters and what the fit found. */
  async run() {
    const { opts, trainer } = this;
    if (!trainer.initialised) await this.dense();
    const K = trainer.heads.length;
    const zero = new Array<number>(K).fill(0);
    let lambda = zero;
    let settled = this.settled;
    if (this.penalised) {
      if (opts.lambda === 'auto') {
        const dense = trainer.snapshot(true);
        lambda = await this.path();
        this.eliminate();
        // The refit starts from the dense fit, on the supports the path found (refitFromDense below).
        this.freezeSupports();
        trainer.restore(dense);
        settled = await this.refitFromDense();
      } else {
        lambda = new Array<number>(K).fill(opts.lambda);
        await this.phase({ phase: 'path', maxEpochs: opts.epochs, from: zero, to: lambda });
        this.validate('path', lambda);
        // Freeze the supports the penalty found, then refit without shrinkage.
        this.freezeSupports();
        settled = await this.annealed('refit');
      }
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
      converged: settled,
      curves: this.curves,
    };
  }
}
