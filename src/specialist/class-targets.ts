// Targets that are class codes (a label given as a one-hot vector or an embedding: few distinct
// vectors over the task's rows) are learnt as their classes, each class one direction of the loss.
//
// Why: with the codes themselves as the target, confusing two classes costs the squared distance
// between their codes, so classes whose codes lie close together are cheap to confuse. The drop
// checks judge a support by that loss, and a coordinate that tells such classes apart looks spare.
// Measured on the glyph world at the PP-OCRv4 recogniser's 120-wide layer (ten characters coded by
// random 4-vectors): the heads' blocks kept R^2 0.81 of the character where the latents hold 0.92,
// and read 0.82 against 0.90 for a dense head (docs/real-model.md). Learnt as classes (whitened
// centred indicators: every class direction weighs the same), every confusion costs alike. The
// fitted head's last layer maps back to the codes, so it predicts the expected code, as before; a
// second last layer maps to the class scores (the estimated share of each class), which
// `Specialists.classify` reads by the largest score. Decided by the nearest code instead, an unsure
// head's mix of two codes can lie nearest a third (measured on the recogniser: 7 points of accuracy
// in distribution, 20 on fonts held out of training; docs/real-model.md).
import type { LayerWeights } from './layers.ts';
import type { SpecialistsState } from './state.ts';
import type { Whitening } from './whiten.ts';
import { whiten } from './whiten.ts';

/** At most this many distinct target vectors over a task's rows make its targets class codes. */
export const MAX_CLASSES = 64;
/** ... and at least this many rows per class on average (else the few values are a coincidence of few rows). */
export const ROWS_PER_CLASS = 10;

export interface ClassCodes {
  /** The distinct target vectors [K, dy], in order of first appearance. */
  codes: Float32Array;
  classes: number;
  /** Each row's class (-1 outside `member`). */
  labels: Int32Array;
}

/** The classes of targets y [N, dy] over the rows where `member` is 1, or null when they are not class codes. */
export function classCodes(y: Float32Array, dy: number, member: Uint8Array): ClassCodes | null {
  const index = new Map<string, number>();
  const labels = new Int32Array(member.length).fill(-1);
  let rows = 0;
  for (let r = 0; r < member.length; r++) {
    if (!member[r]) continue;
    rows++;
    const key = y.subarray(r * dy, (r + 1) * dy).join();
    let c = index.get(key);
    if (c === undefined) {
      if (index.size === MAX_CLASSES) return null;
      index.set(key, (c = index.size));
    }
    labels[r] = c;
  }
  const classes = index.size;
  if (classes < 2 || rows < ROWS_PER_CLASS * classes) return null;
  const codes = new Float32Array(classes * dy);
  const seen = new Uint8Array(classes);
  for (let r = 0; r < member.length; r++) {
    const c = labels[r];
    if (c >= 0 && !seen[c]) {
      seen[c] = 1;
      codes.set(y.subarray(r * dy, (r + 1) * dy), c * dy);
    }
  }
  return { codes, classes, labels };
}

/** How a head trained on whitened classes reads out its classes (Whitening.classes). */
export interface ClassReadout {
  /** The class codes [K, dy] in the targets' own units (as the user gave them), in order of first appearance. */
  codes: Float32Array;
  classes: number;
  /** Whitened prediction -> centred class indicators, [kept, K]. */
  toScores: Float64Array;
  /** Each class's share of the rows: added back to the centred indicators. */
  share: Float64Array;
}

/**
 * Whitening of class-coded targets: the centred class indicators, whitened (K - 1 directions of
 * unit variance), with the map back to the targets y [N, dy] (standardised, so the codes' mean
 * over the rows is 0 and centring the indicators loses nothing), and the map to the class scores.
 * The classes are found on `raw` (the targets as given, [N, dy]) when given, else on y. Null when
 * the targets are not class codes.
 */
export function whitenClasses(y: Float32Array, dy: number, member: Uint8Array, raw: Float32Array = y): (Whitening & { classes: ClassReadout }) | null {
  const found = classCodes(raw, dy, member);
  if (!found) return null;
  const { classes: K, labels } = found;
  // The codes in standardised units (each class's rows share one standardised vector).
  const codes = new Float32Array(K * dy);
  labels.forEach((c, r) => c >= 0 && codes.set(y.subarray(r * dy, (r + 1) * dy), c * dy));
  const share = new Float64Array(K);
  let rows = 0;
  for (const c of labels) if (c >= 0) (share[c]++, rows++);
  for (let c = 0; c < K; c++) share[c] /= rows;
  // Rows outside `member` get the mean (all zeros once centred): they are never scored.
  const centred = new Float32Array(labels.length * K);
  labels.forEach((label, r) => {
    if (label >= 0) for (let c = 0; c < K; c++) centred[r * K + c] = (c === label ? 1 : 0) - share[c];
  });
  const w = whiten(centred, K, member);
  // Whitened -> centred indicators (w.unwhiten, [kept, K]) -> targets (the codes, [K, dy]).
  const unwhiten = new Float64Array(w.kept * dy);
  for (let j = 0; j < w.kept; j++) {
    for (let c = 0; c < K; c++) {
      const s = w.unwhiten[j * K + c];
      for (let a = 0; a < dy; a++) unwhiten[j * dy + a] += s * codes[c * dy + a];
    }
  }
  return { y: w.y, kept: w.kept, unwhiten, classes: { codes: found.codes, classes: K, toScores: w.unwhiten, share } };
}

/** A fitted model's class read-out of one task: the class codes and the layer from the head's hidden units to the class scores. */
export type ClassMap = NonNullable<NonNullable<SpecialistsState['classes']>[number]>;

/**
 * The class read-out of a head trained on whitened classes: its last (whitened, linear) layer
 * mapped to the class scores, whitened x toScores + share.
 */
export function classMapOf(head: LayerWeights[], readout: ClassReadout): ClassMap {
  const last = head[head.length - 1];
  const K = readout.classes;
  const w = new Float32Array(last.din * K);
  const b = new Float32Array(K);
  for (let c = 0; c < K; c++) {
    let bias = readout.share[c];
    for (let j = 0; j < last.dout; j++) {
      const s = readout.toScores[j * K + c];
      bias += last.b[j] * s;
      for (let i = 0; i < last.din; i++) w[i * K + c] += last.w[i * last.dout + j] * s;
    }
    b[c] = bias;
  }
  return { codes: readout.codes, classes: K, scores: { din: last.din, dout: K, activation: 'identity', w, b } };
}
