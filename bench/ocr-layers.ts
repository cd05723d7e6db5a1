// Which inner layer of the PP-OCRv4 recogniser to use as the generalist's embedding: for each
// candidate (mean-pooled over its positions), its width, how well a linear read-out and a kernel
// ridge recover the content (character of each slot) and the style from it on held-out pictures of
// the glyph world. `npm run bench:ocr-layers`; JSON in bench/results/. See docs/real-model.md.
import { readFileSync } from 'node:fs';
import { Generalist } from '../src/generalist/generalist.ts';
import { machine, writeResult } from './util.ts';
import { glyphWorld, kernelRidgeR2, OCR_MODEL_PATH } from 'specialist-sdk/lab';

/** Candidates in graph order: tensor name and the axes averaged away. */
const LAYERS: [string, number[]][] = [
  ['p2o.Add.167', [2, 3]], // backbone, stage before the last (240 channels at H/16)
  ['p2o.AveragePool.1', [2, 3]], // backbone output (480 channels, 1 x W/8)
  ['swish_12.tmp_0', [2, 3]], // neck: first convolution, 120 channels
  ['p2o.Add.275', [1]], // neck: after the SVTR attention block [batch, positions, 120]
  ['swish_15.tmp_0', [2, 3]], // neck: back to 480 channels
  ['swish_16.tmp_0', [2, 3]], // neck: bottleneck after the shortcut concat, 60 channels
  ['swish_17.tmp_0', [2, 3]], // neck output, the CTC head's input, 120 channels
];
const EPISODES = 200;
const STEPS = 8;
const TRAIN = 1100; // of 1600 pictures; the rest is held out

/** Held-out predictions of ridge regression (standardised inputs, intercept) from x [rows, d] to y [rows, k]. */
function ridgePredict(x: Float32Array, d: number, y: Float64Array, k: number, lambda: number): Float64Array {
  const rows = x.length / d;
  const mean = new Float64Array(d);
  const sd = new Float64Array(d);
  for (let r = 0; r < TRAIN; r++) for (let j = 0; j < d; j++) mean[j] += x[r * d + j] / TRAIN;
  for (let r = 0; r < TRAIN; r++) for (let j = 0; j < d; j++) sd[j] += (x[r * d + j] - mean[j]) ** 2 / TRAIN;
  const D = d + 1;
  const row = (r: number) => Float64Array.from({ length: D }, (_, j) => (j === d ? 1 : (x[r * d + j] - mean[j]) / (Math.sqrt(sd[j]) || 1)));
  const a = new Float64Array(D * D);
  const b = new Float64Array(D * k);
  for (let r = 0; r < TRAIN; r++) {
    const v = row(r);
    for (let i = 0; i < D; i++) {
      for (let j = 0; j < D; j++) a[i * D + j] += v[i] * v[j];
      for (let c = 0; c < k; c++) b[i * k + c] += v[i] * y[r * k + c];
    }
  }
  for (let i = 0; i < D; i++) a[i * D + i] += i === d ? 1e-9 : lambda * TRAIN;
  // Cholesky solve a w = b, column by column.
  for (let j = 0; j < D; j++) {
    for (let q = 0; q < j; q++) a[j * D + j] -= a[j * D + q] ** 2;
    a[j * D + j] = Math.sqrt(a[j * D + j]);
    for (let i = j + 1; i < D; i++) {
      for (let q = 0; q < j; q++) a[i * D + j] -= a[i * D + q] * a[j * D + q];
      a[i * D + j] /= a[j * D + j];
    }
  }
  for (let c = 0; c < k; c++) {
    const w = Float64Array.from({ length: D }, (_, i) => b[i * k + c]);
    for (let i = 0; i < D; i++) {
      for (let q = 0; q < i; q++) w[i] -= a[i * D + q] * w[q];
      w[i] /= a[i * D + i];
    }
    for (let i = D - 1; i >= 0; i--) {
      for (let q = i + 1; q < D; q++) w[i] -= a[q * D + i] * w[q];
      w[i] /= a[i * D + i];
    }
    for (let i = 0; i < D; i++) b[i * k + c] = w[i];
  }
  const out = new Float64Array((rows - TRAIN) * k);
  for (let r = TRAIN; r < rows; r++) {
    const v = row(r);
    for (let c = 0; c < k; c++) for (let i = 0; i < D; i++) out[(r - TRAIN) * k + c] += v[i] * b[i * k + c];
  }
  return out;
}

/** Best held-out share of argmax-correct classes over a few ridge strengths. */
function linearAccuracy(x: Float32Array, d: number, labels: ArrayLike<number>, classes: number): number {
  const rows = labels.length;
  const y = new Float64Array(rows * classes);
  for (let r = 0; r < rows; r++) y[r * classes + labels[r]] = 1;
  return Math.max(...[1e-3, 1e-2, 1e-1].map((lambda) => {
    const p = ridgePredict(x, d, y, classes, lambda);
    let right = 0;
    for (let r = 0; r < rows - TRAIN; r++) {
      let best = 0;
      for (let c = 1; c < classes; c++) if (p[r * classes + c] > p[r * classes + best]) best = c;
      if (best === labels[TRAIN + r]) right++;
    }
    return right / (rows - TRAIN);
  }));
}

/** Best held-out mean R^2 over the columns of y, over a few ridge strengths. */
function linearR2(x: Float32Array, d: number, y: Float64Array, k: number): number {
  const rows = y.length / k;
  return Math.max(...[1e-3, 1e-2, 1e-1].map((lambda) => {
    const p = ridgePredict(x, d, y, k, lambda);
    let sum = 0;
    for (let c = 0; c < k; c++) {
      let mean = 0;
      for (let r = TRAIN; r < rows; r++) mean += y[r * k + c] / (rows - TRAIN);
      let sse = 0;
      let sst = 0;
      for (let r = TRAIN; r < rows; r++) {
        sse += (y[r * k + c] - p[(r - TRAIN) * k + c]) ** 2;
        sst += (y[r * k + c] - mean) ** 2;
      }
      sum += 1 - sse / sst;
    }
    return sum / k;
  }));
}

const world = glyphWorld({ episodes: EPISODES, steps: STEPS, seed: 101 });
const rows = EPISODES * STEPS;
const observations = world.observations();
const model = readFileSync(OCR_MODEL_PATH);
const slotLabels = (p: number) => Int32Array.from({ length: rows }, (_, r) => world.truth.content[r * 2 + p]);
const S = world.truth.styleNames.length;
const style = Float64Array.from(world.truth.style);
const oneHot = (labels: Int32Array, k: number) => {
  const data = new Float32Array(labels.length * k);
  labels.forEach((v, r) => (data[r * k + v] = 1));
  return { data, shape: [labels.length, k] };
};
const results = [];
for (const [layer, poolAxes] of LAYERS) {
  const encoder = await Generalist.load(model, { output: layer, poolAxes, batchSize: 64 });
  const t0 = performance.now();
  const z = await encoder.encode({ data: observations.data, shape: [rows, 3, 48, 64] });
  const msPerPicture = (performance.now() - t0) / rows;
  await encoder.dispose();
  const d = z.shape[1];
  const x = { data: z.data, shape: [rows, d] };
  const styleR2 = Array.from({ length: S }, (_, c) => linearR2(z.data, d, Float64Array.from({ length: rows }, (_, r) => style[r * S + c]), 1));
  const result = {
    layer,
    width: d,
    msPerPicture: Math.round(msPerPicture * 10) / 10,
    linearContentAccuracy: [0, 1].map((p) => linearAccuracy(z.data, d, slotLabels(p), 10)),
    linearFontAccuracy: linearAccuracy(z.data, d, world.truth.font, 8),
    linearStyleR2: styleR2.reduce((a, b) => a + b, 0) / S,
    linearStyleR2PerVariable: Object.fromEntries(world.truth.styleNames.map((name, c) => [name, Math.round(styleR2[c] * 100) / 100])),
    kernelContentR2: [0, 1].map((p) => kernelRidgeR2(x, oneHot(slotLabels(p), 10), { trainRows: 1000, testRows: 500 }).mean),
    kernelStyleR2: kernelRidgeR2(x, { data: world.truth.style, shape: [rows, S] }, { trainRows: 1000, testRows: 500 }).mean,
  };
  console.log(JSON.stringify(result));
  results.push(result);
}
console.log(`wrote ${writeResult('ocr-layers', { machine: machine(), episodes: EPISODES, steps: STEPS, results })}`);
