// Whitened task targets: each head learns its task's signal in principal coordinates scaled to unit
// variance, so every independent direction of the signal counts alike in the loss.
//
// Why: the support is about which s_hat coordinates the task map depends on at all (Theorem 2),
// not about how much variance each output carries. With a plain mean squared error a direction of
// the signal holding 0.1% of its variance is invisible: in generalistWorld with blocks of 8, the
// weakest two of a task's 8 signal directions hold 0.0-1.4% of the variance (the random 8 x 9 map
// from actions to the task variable is badly conditioned), so a head that drops the coordinates
// behind them loses under 1.5% of its loss, and blocks of 8 came out as 6. Whitened, each of the 8
// directions is 1/8 of the loss and dropping one costs about 1/8 of what the task explains.
import { SpecialistError } from '../core/errors.ts';
import { symmetricEigen } from '../stats/symmetric-eigen.ts';
import type { LayerWeights } from './layers.ts';

/**
 * Directions whose variance is below this fraction of the largest are left out (not predicted):
 * the null directions of a rank-deficient signal (33 outputs driven by 32 coordinates), which
 * float32 targets put at about 1e-15 (2.7e-15 to 3.2e-15 on every generalistWorld task of the
 * benchmarks, covariance in float64). Anything above it is signal the block has to explain.
 *
 * Why not higher (it was 1e-4): a random 32 x 33 map from a task's actions to its variable has
 * directions as weak as 7.5e-5 of the largest; at 1e-4 whitening dropped that direction, the task
 * then had 31 outputs, and 31 coordinates sufficed to predict them, so its block came out one short
 * (generalistWorld d = 256 seed 11 task 2 and seed 13 task 0, d = 128 seed 2 task 3: the three tasks
 * of the benchmarks with a direction between 1e-8 and 1e-4, and three of their misses).
 */
export const WHITEN_FLOOR = 1e-9;

export interface Whitening {
  /** Whitened targets [N, kept]. */
  y: Float32Array;
  kept: number;
  /** Maps a whitened prediction back to the standardised targets: y = y_w S, S [kept, dy]. */
  unwhiten: Float64Array;
}

/**
 * Whitens standardised targets y [N, dy] over the rows where `member` is 1: y_w = y V L^-1/2 for
 * the eigenvectors V and eigenvalues L of their covariance, keeping directions above
 * WHITEN_FLOOR x the largest. Rows outside `member` are whitened too (they are never scored).
 */
export function whiten(y: Float32Array, dy: number, member: Uint8Array): Whitening {
  const rows = member.length;
  const cov = new Float64Array(dy * dy);
  let count = 0;
  for (let r = 0; r < rows; r++) {
    if (!member[r]) continue;
    count++;
    for (let a = 0; a < dy; a++) {
      const ya = y[r * dy + a];
      for (let b = a; b < dy; b++) cov[a * dy + b] += ya * y[r * dy + b];
    }
  }
  for (let a = 0; a < dy; a++) for (let b = a; b < dy; b++) cov[b * dy + a] = cov[a * dy + b] /= Math.max(1, count);
  const { values, vectors } = symmetricEigen(cov, dy);
  const largest = values[0];
  let kept = 0;
  while (kept < dy && largest > 0 && values[kept] > WHITEN_FLOOR * largest) kept++;
  // A constant target (every column constant) has no direction: keep one zero column so the head has an output.
  const directions = Math.max(1, kept);
  const project = new Float64Array(dy * directions);
  const unwhiten = new Float64Array(directions * dy);
  for (let j = 0; j < kept; j++) {
    const scale = Math.sqrt(values[j]);
    for (let a = 0; a < dy; a++) {
      project[a * directions + j] = vectors[a * dy + j] / scale;
      unwhiten[j * dy + a] = vectors[a * dy + j] * scale;
    }
  }
  const out = new Float32Array(rows * directions);
  for (let r = 0; r < rows; r++) {
    for (let j = 0; j < kept; j++) {
      let s = 0;
      for (let a = 0; a < dy; a++) s += y[r * dy + a] * project[a * directions + j];
      out[r * directions + j] = s;
    }
  }
  return { y: out, kept: directions, unwhiten };
}

/** Folds the unwhitening map into a head's last (linear) layer, so the head predicts the standardised targets again. */
export function unwhitenHead(head: LayerWeights[], map: Float64Array, dy: number): LayerWeights[] {
  const last = head[head.length - 1];
  if (last.activation !== 'identity' || map.length !== last.dout * dy) throw new SpecialistError('INTERNAL', 'unwhitenHead: the head does not end in the whitened outputs');
  const w = new Float32Array(last.din * dy);
  const b = new Float32Array(dy);
  for (let a = 0; a < dy; a++) {
    for (let j = 0; j < last.dout; j++) {
      const s = map[j * dy + a];
      b[a] += last.b[j] * s;
      for (let i = 0; i < last.din; i++) w[i * dy + a] += last.w[i * last.dout + j] * s;
    }
  }
  return [...head.slice(0, -1), { ...last, dout: dy, w, b }];
}
