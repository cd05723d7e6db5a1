// One task's head refitted without penalty on a subset of the s_hat coordinates, s_hat held fixed
// (computed once per check), then scored row by row on the validation rows: the unit of the drop
// checks (support-checks.ts).
//
// Why the encoder is held fixed: a check asks what a support costs on the representation the
// training produced. Training only the head removes the shrinkage the penalty put on the rows it
// kept, without letting the encoder drift (which would add noise of its own to the comparison);
// and it is cheap: the head's first layer reads only the |S| live coordinates (the dead rows are
// screened out, they cannot come back), and no encoder or decoder pass is needed.
import type { Rng } from '../core/random.ts';
import type { ResidentScope } from '../kernels/resident.ts';
import { shuffle } from './data.ts';
import { ResidentMlp, type LayerWeights } from './network.ts';

/** Rows of one task with s_hat fixed: inputs [rows, dh] and whitened targets [rows, dy]. */
export interface FixedRows {
  s: Float32Array;
  y: Float32Array;
  rows: number;
}

export interface HeadRefitOptions {
  epochs: number;
  batchSize: number;
  learningRate: number;
}

/** Gathers the support's columns of s [rows, dh] into [rows, |support|]. */
function columns(s: Float32Array, rows: number, dh: number, support: number[]): Float32Array {
  const out = new Float32Array(rows * support.length);
  for (let r = 0; r < rows; r++) for (let j = 0; j < support.length; j++) out[r * support.length + j] = s[r * dh + support[j]];
  return out;
}

/**
 * Refits `head` (warm start) on the support's coordinates of `train` and returns each validation
 * row's mean squared error over the outputs. With an empty support the head predicts the training
 * mean. Adam starts from zero moments; the batches are drawn from `rng`.
 */
export function refitHeadErrors(scope: ResidentScope, head: LayerWeights[], support: number[], dh: number, train: FixedRows, validation: FixedRows, options: HeadRefitOptions, rng: Rng): Float32Array {
  const dy = head[head.length - 1].dout;
  const errors = new Float32Array(validation.rows);
  if (support.length === 0) {
    const mean = new Float64Array(dy);
    for (let q = 0; q < train.rows * dy; q++) mean[q % dy] += train.y[q] / train.rows;
    for (let r = 0; r < validation.rows; r++) {
      let e = 0;
      for (let j = 0; j < dy; j++) e += (validation.y[r * dy + j] - mean[j]) ** 2;
      errors[r] = e / dy;
    }
    return errors;
  }
  const width = support.length;
  const xTrain = columns(train.s, train.rows, dh, support);
  const xVal = columns(validation.s, validation.rows, dh, support);
  const B = Math.max(1, Math.min(options.batchSize, train.rows));
  scope.temporary(() => {
    const net = new ResidentMlp(scope, [width, ...head.slice(1).map((l) => l.din), dy], head[0].activation, B);
    const [first, ...rest] = head;
    const w = new Float32Array(width * first.dout);
    support.forEach((c, j) => w.set(first.w.subarray(c * first.dout, (c + 1) * first.dout), j * first.dout));
    net.write([{ ...first, din: width, w }, ...rest]);
    net.resetMoments();
    const widest = Math.max(width, dy, ...head.map((l) => l.dout));
    const p = scope.buffers({ x: B * width, target: B * dy, grad: B * dy, scratchA: B * widest, scratchB: B * widest });
    const order = Int32Array.from({ length: train.rows }, (_, i) => i);
    const batches = Math.max(1, Math.floor(train.rows / B));
    let step = 0;
    const total = options.epochs * batches;
    for (let e = 0; e < options.epochs; e++) {
      shuffle(order, rng);
      for (let b = 0; b < batches; b++) {
        const xb = scope.view(p.x, B * width), yb = scope.view(p.target, B * dy);
        for (let i = 0; i < B; i++) {
          const r = order[b * B + i];
          xb.set(xTrain.subarray(r * width, (r + 1) * width), i * width);
          yb.set(train.y.subarray(r * dy, (r + 1) * dy), i * dy);
        }
        const out = scope.view(net.forward(p.x, B), B * dy);
        const g = scope.view(p.grad, B * dy);
        const scale = 2 / (B * dy);
        for (let q = 0; q < B * dy; q++) g[q] = scale * (out[q] - yb[q]);
        net.backward(p.x, B, p.grad, 0, false, [p.scratchA, p.scratchB]);
        // The rate falls linearly to 0, so the refit ends at a minimum rather than in its noise.
        net.adam(options.learningRate * (1 - step / total), ++step);
      }
    }
    for (let start = 0; start < validation.rows; start += B) {
      const n = Math.min(B, validation.rows - start);
      scope.view(p.x, n * width).set(xVal.subarray(start * width, (start + n) * width));
      const out = scope.view(net.forward(p.x, n), n * dy);
      for (let i = 0; i < n; i++) {
        let e = 0;
        for (let j = 0; j < dy; j++) e += (out[i * dy + j] - validation.y[(start + i) * dy + j]) ** 2;
        errors[start + i] = e / dy;
      }
    }
  });
  return errors;
}
