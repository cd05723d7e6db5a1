// Head-only refits of a task on subsets of the s_hat coordinates, on s_hat as the training left it
// (computed once per check): the drop check of a lambda path stage, and the backward elimination
// that ends the path. Both compare two supports of one task on one representation, row by row on
// the validation rows, with the rule of path-rules.ts.
import { createRng, type Rng } from '../core/random.ts';
import type { ResidentScope } from '../kernels/resident.ts';
import type { FitData } from './data.ts';
import { refitHeadErrors, type FixedRows } from './debias.ts';
import type { LayerWeights } from './layers.ts';
import { judgeDrop, type Verdict } from './path-rules.ts';
import type { Trainer } from './trainer.ts';

/** Steps of each head-only refit (the learning rate falls linearly to 0 over them). */
export const REFIT_STEPS = 300;

export interface CheckSettings {
  latentDims: number;
  batchSize: number;
  learningRate: number;
  tolerance: number;
}

function gatherRows(data: Float32Array, cols: number, rows: ArrayLike<number>): Float32Array {
  const out = new Float32Array(rows.length * cols);
  for (let i = 0; i < rows.length; i++) out.set(data.subarray(rows[i] * cols, (rows[i] + 1) * cols), i * cols);
  return out;
}

export class SupportChecks {
  private readonly rows: { train: FixedRows; validation: FixedRows }[] = [];

  /** Encodes `trainRows` and `validation` once (population statistics must be current). */
  constructor(
    private readonly scope: ResidentScope,
    trainer: Trainer,
    data: FitData,
    trainRows: Int32Array,
    validation: Int32Array,
    private readonly settings: CheckSettings,
  ) {
    const dh = settings.latentDims;
    const sTrain = trainer.encodeRows(trainRows), sVal = trainer.encodeRows(validation);
    const fixed = (all: Int32Array, s: Float32Array, member: Uint8Array, y: Float32Array, dy: number): FixedRows => {
      const at = all.reduce<number[]>((list, r, i) => (member[r] ? (list.push(i), list) : list), []);
      return { s: gatherRows(s, dh, at), y: gatherRows(y, dy, at.map((i) => all[i])), rows: at.length };
    };
    for (const t of data.tasks) this.rows.push({ train: fixed(trainRows, sTrain, t.member, t.y, t.dy), validation: fixed(validation, sVal, t.member, t.y, t.dy) });
  }

  /** Validation row errors of task k's head refitted on `support`, starting from `head`; batches drawn from `seed`. */
  errors(k: number, head: LayerWeights[], support: number[], seed: number): Float32Array {
    const { train, validation } = this.rows[k];
    const { batchSize, learningRate, latentDims } = this.settings;
    const batches = Math.max(1, Math.floor(train.rows / batchSize));
    const refit = { epochs: Math.max(1, Math.ceil(REFIT_STEPS / batches)), batchSize, learningRate };
    return refitHeadErrors(this.scope, head, support, latentDims, train, validation, refit, createRng(seed));
  }

  /** The stage's verdict for task k: its head on `now` against its head on `before` (same batches). */
  compare(k: number, head: LayerWeights[], now: number[], before: number[], rng: Rng): Verdict {
    const seed = rng.int(2 ** 31);
    return judgeDrop(this.errors(k, head, now, seed), this.errors(k, head, before, seed), now.length, this.settings.tolerance, before.length - now.length);
  }

  /**
   * Backward elimination: while dropping one coordinate of task k's support passes the drop rule,
   * drop the cheapest. The lambda path ends where a stage drops a needed coordinate; when the last
   * spare coordinate would only have gone in that same stage, the path leaves it in (measured at
   * d = 128, blocks of 16: 2 of 4 tasks ended with 17), and this removes it. One coordinate at a
   * time, since two that carry the same information can each go but not both.
   */
  eliminate(k: number, head: LayerWeights[], support: number[], rng: Rng): number[] {
    let kept = support;
    while (kept.length > 0) {
      const seed = rng.int(2 ** 31);
      const base = this.errors(k, head, kept, seed);
      let best: { j: number; rise: number } | undefined;
      for (const j of kept) {
        const without = kept.filter((c) => c !== j);
        const verdict = judgeDrop(this.errors(k, head, without, seed), base, without.length, this.settings.tolerance);
        if (verdict.pass && (!best || verdict.rise < best.rise)) best = { j, rise: verdict.rise };
      }
      if (!best) break;
      kept = kept.filter((c) => c !== best!.j);
    }
    return kept;
  }
}
