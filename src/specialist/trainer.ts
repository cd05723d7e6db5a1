// One training run of the specialist network on resident kernel buffers:
//   z_hat -> encoder -> batch norm (no affine) -> s_hat -> decoder -> z_hat (reconstruction)
//                                                     \-> head_k -> y_k  (task k, member rows only)
// Each minibatch step is forward, backward, Adam, then the proximal group step on the heads' input
// rows (the penalty acts on exact norms, which Adam's rescaling cannot undo).
import type { KernelExports } from '../kernels/exports.generated.ts';
import type { ResidentScope } from '../kernels/resident.ts';
import type { Rng } from '../core/random.ts';
import type { FitData } from './data.ts';
import { shuffle } from './data.ts';
import { LocalExchange, type GradientExchange } from './exchange.ts';
import { ResidentMlp, SLOPE, type LayerWeights } from './network.ts';
import type { Penalty } from './options.ts';
import type { Activation } from '../core/activation.ts';
import type { ClassReadout } from './class-targets.ts';

export interface TrainerConfig {
  latentDims: number;
  /** Hidden widths of the encoder ([] for a linear one); the decoder mirrors them. */
  encoderWidths: number[];
  headWidth: number;
  /** Activation of the heads' hidden layer: 'leakyRelu', or 'identity' for linear heads. */
  headActivation: Activation;
  /** Per task, the class read-out of class-coded targets (null otherwise): evaluate() then counts class errors. */
  classes: (ClassReadout | null)[];
  batchSize: number;
  learningRate: number;
  reconstructionWeight: number;
  penalty: Penalty;
}

export interface Snapshot {
  encoder: LayerWeights[];
  decoder: LayerWeights[];
  heads: LayerWeights[][];
  /** The optimiser state (Adam moments of every network and the step count), when kept. */
  optimiser?: { moments: Float32Array[][][]; step: number };
}

export interface Losses {
  reconstruction: number;
  /** Mean squared error per task on the targets its head learns (whitened by default; member rows only). */
  tasks: number[];
  /** Per task, the share of member rows whose class the head's largest class score misses (null: not class-coded). */
  classErrors: (number | null)[];
}

/** Row mask value that the proximal step treats as "always remove". */
const REMOVED = 3.0e38;
const BN_EPS = 1e-5;

/** The class with the largest score of row i of whitened outputs y [rows, dy] (class-targets.ts). */
function classOf(y: Float32Array, i: number, dy: number, readout: ClassReadout): number {
  let best = 0, bestScore = -Infinity;
  for (let c = 0; c < readout.classes; c++) {
    let score = readout.share[c];
    for (let j = 0; j < dy; j++) score += y[i * dy + j] * readout.toScores[j * readout.classes + c];
    if (score > bestScore) [best, bestScore] = [c, score];
  }
  return best;
}

export class Trainer {
  readonly encoder: ResidentMlp;
  readonly decoder: ResidentMlp;
  readonly heads: ResidentMlp[];
  /** Per task: 0/1 over s_hat coordinates; a 0 row of the head's first layer is held at zero. */
  readonly allowed: Uint8Array[];
  private readonly B: number;
  private readonly dh: number;
  private readonly k: KernelExports;
  /** Batch and step buffers in kernel memory, by name. */
  private readonly p: ReturnType<Trainer['allocate']>;
  /** The Jacobian penalty's buffers, when that penalty is on. */
  private readonly jac?: { j1: number; j2: number; jscratch: number };
  private readonly yb: number[];
  private readonly gy: number[];
  private adamStep = 0;
  /** Whether init() has drawn the parameters. */
  initialised = false;
  popMean = new Float32Array(0);
  popInvStd = new Float32Array(0);

  constructor(
    private readonly mem: ResidentScope,
    private readonly data: FitData,
    private readonly train: Int32Array,
    private readonly cfg: TrainerConfig,
    private readonly exchange: GradientExchange = new LocalExchange(),
  ) {
    const { d, tasks } = data;
    const dh = cfg.latentDims;
    this.dh = dh;
    this.B = Math.min(cfg.batchSize, train.length);
    const B = this.B;
    this.k = mem.exports;
    this.encoder = new ResidentMlp(mem, [d, ...cfg.encoderWidths, dh], 'leakyRelu', B);
    this.decoder = new ResidentMlp(mem, [dh, ...[...cfg.encoderWidths].reverse(), d], 'leakyRelu', B);
    this.heads = tasks.map((t) => new ResidentMlp(mem, [dh, cfg.headWidth, t.dy], cfg.headActivation, B));
    this.allowed = tasks.map(() => new Uint8Array(dh).fill(1));
    this.p = this.allocate(B, d, dh, Math.max(d, dh, cfg.headWidth, ...cfg.encoderWidths, ...tasks.map((t) => t.dy)));
    this.yb = tasks.map((t) => mem.f32(B * t.dy));
    this.gy = tasks.map((t) => mem.f32(B * t.dy));
    if (cfg.penalty === 'jacobian') {
      const widestTask = Math.max(...tasks.map((t) => t.dy));
      this.jac = mem.buffers({ j1: B * cfg.headWidth * dh, j2: B * widestTask * dh, jscratch: cfg.headWidth * (1 + 2 * widestTask) });
    }
  }

  private allocate(B: number, d: number, dh: number, widest: number) {
    return this.mem.buffers({
      zb: B * d,
      gz: B * d,
      s: B * dh,
      gs: B * dh,
      ge: B * dh,
      mean: dh,
      invStd: dh,
      popMean: dh,
      popInvStd: dh,
      sums: 2 * dh,
      scratchA: B * widest,
      scratchB: B * widest,
      taus: dh,
      norms: dh,
    });
  }

  get batchesPerEpoch(): number {
    return Math.max(1, Math.floor(this.train.length / this.B));
  }

  init(rng: Rng): void {
    this.initialised = true;
    this.encoder.init(rng);
    this.decoder.init(rng);
    for (const h of this.heads) h.init(rng);
    this.adamStep = 0;
  }

  /**
   * One epoch over shuffled training rows. `lambdaAt(b)` is each task's penalty strength at batch b,
   * `rateAt(b)` the learning rate's multiplier there (default 1).
   * `rowWeights[k][j]` scales the proximal threshold of head k's input row j. Returns the mean loss.
   */
  epoch(rng: Rng, lambdaAt: (batch: number) => number[], rowWeights?: Float32Array[], rateAt?: (batch: number) => number): number {
    const order = this.train.slice();
    shuffle(order, rng);
    let total = 0;
    const batches = this.batchesPerEpoch;
    for (let b = 0; b < batches; b++) total += this.step(order.subarray(b * this.B, (b + 1) * this.B), lambdaAt(b), rowWeights, rateAt?.(b) ?? 1);
    return total / batches;
  }

  private gather(rows: Int32Array): void {
    const { d, z, tasks } = this.data;
    const zb = this.mem.view(this.p.zb, rows.length * d);
    rows.forEach((r, i) => zb.set(z.subarray(r * d, (r + 1) * d), i * d));
    tasks.forEach((t, k) => {
      const yb = this.mem.view(this.yb[k], rows.length * t.dy);
      rows.forEach((r, i) => yb.set(t.y.subarray(r * t.dy, (r + 1) * t.dy), i * t.dy));
    });
  }

  /**
   * One minibatch step: the gradients of its ghost batches (this rank's, the others' through the
   * exchange), their mean, then Adam and the proximal step. Returns the mean loss.
   */
  private step(rows: Int32Array, lambda: number[], rowWeights: Float32Array[] | undefined, rate: number): number {
    const { cfg } = this;
    const loss = this.batchGradient(rows, lambda);
    this.adamStep++;
    const lr = cfg.learningRate * rate;
    this.encoder.adam(lr, this.adamStep);
    this.decoder.adam(lr, this.adamStep);
    for (const h of this.heads) h.adam(lr, this.adamStep);
    // A row's Adam steps move its norm by at most ~lr sqrt(width) per step: lambda = 1 outruns any gradient.
    const scale = cfg.penalty === 'group' ? cfg.learningRate * Math.sqrt(cfg.headWidth) : 0;
    this.proximal(lambda.map((l) => l * scale), rowWeights);
    return loss;
  }

  /**
   * The mean loss of a minibatch over its two ghost batches (each normalised on its own batch
   * statistics), with the mean of their gradients left in every parameter's gradient buffer.
   */
  batchGradient(rows: Int32Array, lambda: number[]): number {
    const half = rows.length >> 1;
    const ghosts = [rows.subarray(0, half), rows.subarray(half)];
    for (const g of this.exchange.mine()) this.exchange.put(g, this.gradientViews(), this.gradients(ghosts[g], lambda));
    return this.exchange.reduce(this.gradientViews());
  }

  /** Views of every parameter gradient (encoder, decoder, heads), in one fixed order. */
  private gradientViews(): Float32Array[] {
    return [this.encoder, this.decoder, ...this.heads].flatMap((net) => net.layers.flatMap((l) => [this.mem.view(l.gw, l.din * l.dout), this.mem.view(l.gb, l.dout)]));
  }

  /** Forward and backward on one ghost batch: fills every parameter gradient, returns its loss. */
  private gradients(rows: Int32Array, lambda: number[]): number {
    const { k, mem, p, dh, cfg } = this;
    const n = rows.length;
    const { d, tasks } = this.data;
    this.gather(rows);
    const e = this.encoder.forward(p.zb, n);
    k.batchNormForward(e, n, dh, BN_EPS, 1, p.mean, p.invStd, p.s);
    const scratch: [number, number] = [p.scratchA, p.scratchB];

    // Reconstruction: loss w * mean (zr - z)^2.
    const zr = this.decoder.forward(p.s, n);
    let loss = 0;
    {
      const out = mem.view(zr, n * d), target = mem.view(p.zb, n * d), g = mem.view(p.gz, n * d);
      const scale = (2 * cfg.reconstructionWeight) / (n * d);
      for (let q = 0; q < n * d; q++) {
        const r = out[q] - target[q];
        loss += (cfg.reconstructionWeight * r * r) / (n * d);
        g[q] = scale * r;
      }
    }
    mem.view(p.gs, n * dh).fill(0);
    this.decoder.backward(p.s, n, p.gz, p.gs, true, scratch);

    tasks.forEach((t, ti) => {
      const head = this.heads[ti];
      const y = head.forward(p.s, n);
      let count = 0;
      for (const r of rows) count += t.member[r];
      const out = mem.view(y, n * t.dy), target = mem.view(this.yb[ti], n * t.dy), g = mem.view(this.gy[ti], n * t.dy);
      if (count === 0) {
        g.fill(0);
      } else {
        const scale = 2 / (count * t.dy);
        for (let i = 0; i < n; i++) {
          const m = t.member[rows[i]];
          for (let j = 0; j < t.dy; j++) {
            const q = i * t.dy + j;
            const r = m ? out[q] - target[q] : 0;
            loss += (r * r) / (count * t.dy);
            g[q] = scale * r;
          }
        }
      }
      head.backward(p.s, n, this.gy[ti], p.gs, true, scratch);
      if (cfg.penalty === 'jacobian' && lambda[ti] > 0) this.jacobianPenalty(ti, n, lambda[ti]);
    });

    k.batchNormBackward(p.s, p.gs, n, dh, p.invStd, p.sums, p.ge);
    this.encoder.backward(p.zb, n, p.ge, 0, false, scratch);
    return loss;
  }

  /** Adds the gradient of lambda * mean_s |J_s|_1 of head ti (w.r.t. s_hat) to its weight gradients. */
  private jacobianPenalty(ti: number, n: number, lambda: number): void {
    const { k, dh } = this;
    const p = this.jac!;
    const [l1, l2] = this.heads[ti].layers;
    k.jacobianLayer(0, n, dh, dh, l1.w, l1.dout, l1.pre, l1.out, l1.act, SLOPE, p.j1);
    k.jacobianLayer(p.j1, n, l1.dout, dh, l2.w, l2.dout, l2.pre, l2.out, l2.act, SLOPE, p.j2);
    k.jacobianL1Backward(p.j2, l1.pre, n, dh, l1.dout, l2.dout, l1.w, l2.w, l1.act, SLOPE, lambda, l1.gw, l2.gw, p.jscratch);
  }

  /** Group soft-threshold of every head's input rows; rows outside `allowed` are set to zero. */
  private proximal(tau: number[], rowWeights?: Float32Array[]): void {
    const { k, mem, p, dh } = this;
    this.heads.forEach((head, ti) => {
      const taus = mem.view(p.taus, dh);
      const allowed = this.allowed[ti];
      let any = false;
      for (let j = 0; j < dh; j++) {
        taus[j] = allowed[j] ? tau[ti] * (rowWeights ? rowWeights[ti][j] : 1) : REMOVED;
        any ||= taus[j] > 0;
      }
      if (any) k.groupSoftThreshold(head.layers[0].w, dh, head.layers[0].dout, p.taus, p.norms);
    });
  }

  /** Norms of each head's input rows (one per s_hat coordinate). */
  rowNorms(): Float32Array[] {
    return this.heads.map((head) => {
      const l = head.layers[0];
      const w = this.mem.view(l.w, l.din * l.dout);
      return Float32Array.from({ length: l.din }, (_, j) => Math.hypot(...w.subarray(j * l.dout, (j + 1) * l.dout)));
    });
  }

  /** Batch-norm statistics over the given rows, by default every training row (inference uses these, not running averages). */
  computePopulationStats(over: Int32Array = this.train): void {
    const { k, mem, p, dh } = this;
    const { d, z } = this.data;
    const sum = new Float64Array(dh), sq = new Float64Array(dh);
    for (let start = 0; start < over.length; start += this.B) {
      const rows = over.subarray(start, start + this.B);
      const zb = mem.view(p.zb, rows.length * d);
      rows.forEach((r, i) => zb.set(z.subarray(r * d, (r + 1) * d), i * d));
      const e = mem.view(this.encoder.forward(p.zb, rows.length), rows.length * dh);
      for (let q = 0; q < e.length; q++) {
        sum[q % dh] += e[q];
        sq[q % dh] += e[q] * e[q];
      }
    }
    const n = over.length;
    this.popMean = Float32Array.from(sum, (s) => s / n);
    this.popInvStd = Float32Array.from(sq, (s, c) => 1 / Math.sqrt(Math.max(0, s / n - (sum[c] / n) ** 2) + BN_EPS));
  }

  /** s_hat [rows, latentDims] of the given rows in inference mode (call computePopulationStats first). */
  encodeRows(rows: Int32Array): Float32Array {
    const { k, mem, p, dh } = this;
    const { d, z } = this.data;
    const out = new Float32Array(rows.length * dh);
    mem.view(p.popMean, dh).set(this.popMean);
    mem.view(p.popInvStd, dh).set(this.popInvStd);
    for (let start = 0; start < rows.length; start += this.B) {
      const chunk = rows.subarray(start, start + this.B);
      const zb = mem.view(p.zb, chunk.length * d);
      chunk.forEach((r, i) => zb.set(z.subarray(r * d, (r + 1) * d), i * d));
      k.batchNormForward(this.encoder.forward(p.zb, chunk.length), chunk.length, dh, BN_EPS, 0, p.popMean, p.popInvStd, p.s);
      out.set(mem.view(p.s, chunk.length * dh), start * dh);
    }
    return out;
  }

  /** Losses on the given rows in inference mode (call computePopulationStats first). */
  evaluate(rows: Int32Array): Losses {
    const { k, mem, p, dh } = this;
    const { d, tasks } = this.data;
    mem.view(p.popMean, dh).set(this.popMean);
    mem.view(p.popInvStd, dh).set(this.popInvStd);
    let recon = 0;
    const sse = tasks.map(() => 0), counts = tasks.map(() => 0), missed = tasks.map(() => 0);
    for (let start = 0; start < rows.length; start += this.B) {
      const chunk = rows.subarray(start, start + this.B);
      const n = chunk.length;
      this.gather(chunk);
      const e = this.encoder.forward(p.zb, n);
      k.batchNormForward(e, n, dh, BN_EPS, 0, p.popMean, p.popInvStd, p.s);
      const zr = mem.view(this.decoder.forward(p.s, n), n * d), zb = mem.view(p.zb, n * d);
      for (let q = 0; q < n * d; q++) recon += (zr[q] - zb[q]) ** 2;
      tasks.forEach((t, ti) => {
        const y = mem.view(this.heads[ti].forward(p.s, n), n * t.dy), yb = mem.view(this.yb[ti], n * t.dy);
        for (let i = 0; i < n; i++) {
          if (!t.member[chunk[i]]) continue;
          counts[ti]++;
          for (let j = 0; j < t.dy; j++) sse[ti] += (y[i * t.dy + j] - yb[i * t.dy + j]) ** 2;
          const readout = this.cfg.classes[ti];
          if (readout && classOf(y, i, t.dy, readout) !== classOf(yb, i, t.dy, readout)) missed[ti]++;
        }
      });
    }
    return {
      reconstruction: recon / (rows.length * d),
      tasks: sse.map((s, ti) => (counts[ti] ? s / (counts[ti] * tasks[ti].dy) : 0)),
      classErrors: missed.map((m, ti) => (this.cfg.classes[ti] ? m / Math.max(1, counts[ti]) : null)),
    };
  }

  /**
   * Mean |d y_o / d s_hat_j| per task over the given rows (inference mode), summed over outputs:
   * one value per s_hat coordinate.
   */
  meanAbsJacobian(rows: Int32Array): Float32Array[] {
    const { k, mem, p, dh } = this;
    const { tasks } = this.data;
    const h = this.cfg.headWidth;
    const totals = tasks.map(() => new Float64Array(dh));
    const counts = tasks.map(() => 0);
    const chunkRows = Math.min(this.B, rows.length);
    const widestTask = Math.max(...tasks.map((t) => t.dy));
    mem.temporary(() => {
      const { j1, j2, mean } = mem.buffers({ j1: chunkRows * h * dh, j2: chunkRows * widestTask * dh, mean: widestTask * dh });
      mem.view(p.popMean, dh).set(this.popMean);
      mem.view(p.popInvStd, dh).set(this.popInvStd);
      for (let start = 0; start < rows.length; start += chunkRows) {
        const chunk = rows.subarray(start, start + chunkRows);
        const n = chunk.length;
        this.gather(chunk);
        const e = this.encoder.forward(p.zb, n);
        k.batchNormForward(e, n, dh, BN_EPS, 0, p.popMean, p.popInvStd, p.s);
        tasks.forEach((t, ti) => {
          const head = this.heads[ti];
          head.forward(p.s, n);
          const [l1, l2] = head.layers;
          k.jacobianLayer(0, n, dh, dh, l1.w, l1.dout, l1.pre, l1.out, l1.act, SLOPE, j1);
          k.jacobianLayer(j1, n, l1.dout, dh, l2.w, l2.dout, l2.pre, l2.out, l2.act, SLOPE, j2);
          k.meanAbsRows(j2, n, t.dy * dh, mean);
          const m = mem.view(mean, t.dy * dh);
          for (let o = 0; o < t.dy; o++) for (let j = 0; j < dh; j++) totals[ti][j] += m[o * dh + j] * n;
          counts[ti] += n;
        });
      }
    });
    return totals.map((tot, ti) => Float32Array.from(tot, (v) => v / Math.max(1, counts[ti])));
  }

  /** The parameters; with `optimiser`, also the Adam state, so that restoring resumes training exactly. */
  snapshot(optimiser = false): Snapshot {
    const nets = [this.encoder, this.decoder, ...this.heads];
    return {
      encoder: this.encoder.read(),
      decoder: this.decoder.read(),
      heads: this.heads.map((h) => h.read()),
      ...(optimiser ? { optimiser: { moments: nets.map((m) => m.readMoments()), step: this.adamStep } } : {}),
    };
  }

  /** Restores parameters, and the Adam state when the snapshot has it (else the moments restart from zero). */
  restore(s: Snapshot): void {
    this.encoder.write(s.encoder);
    this.decoder.write(s.decoder);
    this.heads.forEach((h, i) => h.write(s.heads[i]));
    const nets = [this.encoder, this.decoder, ...this.heads];
    if (s.optimiser) {
      nets.forEach((m, i) => m.writeMoments(s.optimiser!.moments[i]));
      this.adamStep = s.optimiser.step;
    } else {
      for (const m of nets) m.resetMoments();
      this.adamStep = 0;
    }
  }
}
