// The third thing a deployer might use instead of a specialist head: a linear probe, ridge
// regression from all of the generalist's latents to the targets (what "linear evaluation" of a
// representation means). The ridge is chosen on a fifth of the training rows, then refitted on all.
import type { Tensor } from '../src/core/tensor.ts';
import { choleskyInPlace, solveCholesky } from '../src/stats/cholesky.ts';

export interface LinearProbe {
  predict(x: Tensor<Float32Array>): Tensor<Float32Array>;
  ridge: number;
}

const RIDGES = [1e-3, 1e-2, 1e-1, 1, 10, 100, 1000];

function fit(x: Float32Array, y: Float32Array, rows: number[], d: number, dy: number, ridge: number) {
  // Standardised inputs, centred outputs; a ridge relative to the row count.
  const mean = new Float64Array(d), sd = new Float64Array(d), yMean = new Float64Array(dy);
  for (const r of rows) {
    for (let j = 0; j < d; j++) mean[j] += x[r * d + j] / rows.length;
    for (let q = 0; q < dy; q++) yMean[q] += y[r * dy + q] / rows.length;
  }
  for (const r of rows) for (let j = 0; j < d; j++) sd[j] += (x[r * d + j] - mean[j]) ** 2 / rows.length;
  for (let j = 0; j < d; j++) sd[j] = Math.sqrt(sd[j]) || 1;
  const gram = new Float64Array(d * d), xty = new Float64Array(d * dy);
  const row = new Float64Array(d);
  for (const r of rows) {
    for (let j = 0; j < d; j++) row[j] = (x[r * d + j] - mean[j]) / sd[j];
    for (let a = 0; a < d; a++) {
      for (let b = 0; b <= a; b++) gram[a * d + b] += row[a] * row[b];
      for (let q = 0; q < dy; q++) xty[a * dy + q] += row[a] * (y[r * dy + q] - yMean[q]);
    }
  }
  for (let a = 0; a < d; a++) {
    for (let b = 0; b < a; b++) gram[b * d + a] = gram[a * d + b];
    gram[a * d + a] += ridge * rows.length;
  }
  if (choleskyInPlace(gram, d) >= 0) throw new Error('linear probe: the Gram matrix is singular');
  const w = new Float64Array(d * dy);
  for (let q = 0; q < dy; q++) {
    const sol = solveCholesky(gram, d, Float64Array.from({ length: d }, (_, a) => xty[a * dy + q]));
    for (let a = 0; a < d; a++) w[a * dy + q] = sol[a];
  }
  return (input: Tensor<Float32Array>): Tensor<Float32Array> => {
    const n = input.shape[0];
    const out = new Float32Array(n * dy);
    for (let r = 0; r < n; r++) {
      for (let q = 0; q < dy; q++) {
        let s = yMean[q];
        for (let j = 0; j < d; j++) s += ((input.data[r * d + j] - mean[j]) / sd[j]) * w[j * dy + q];
        out[r * dy + q] = s;
      }
    }
    return { data: out, shape: [n, dy] };
  };
}

/** Ridge from x [rows, d] to y [rows, dy], its ridge picked by the squared error on every fifth row. */
export function linearProbe(x: Tensor<Float32Array>, y: Tensor<Float32Array>): LinearProbe {
  const [n, d] = x.shape;
  const dy = y.shape[1];
  const all = Array.from({ length: n }, (_, r) => r);
  const held = all.filter((r) => r % 5 === 0), kept = all.filter((r) => r % 5 !== 0);
  let best = { ridge: RIDGES[0], error: Infinity };
  for (const ridge of RIDGES) {
    const predict = fit(x.data, y.data, kept, d, dy, ridge);
    const rows = Float32Array.from(held.flatMap((r) => Array.from(x.data.subarray(r * d, (r + 1) * d))));
    const p = predict({ data: rows, shape: [held.length, d] }).data;
    let error = 0;
    held.forEach((r, i) => {
      for (let q = 0; q < dy; q++) error += (p[i * dy + q] - y.data[r * dy + q]) ** 2;
    });
    if (error < best.error) best = { ridge, error };
  }
  return { predict: fit(x.data, y.data, all, d, dy, best.ridge), ridge: best.ridge };
}
