// Whitened task targets: whitened columns with unit covariance, rank-deficient targets losing only
// their null direction, and a head whose unwhitened last layer predicts exactly what the whitened
// head predicted, mapped back. (The eigensolver itself: test/stats/symmetric-eigen.test.ts.)
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { createRng } from '../../src/core/random.ts';
import { activate, type LayerWeights } from '../../src/specialist/layers.ts';
import { unwhitenHead, whiten } from '../../src/specialist/whiten.ts';
import { symmetricEigen } from '../../src/stats/symmetric-eigen.ts';

/** Rows of y = x diag(scales) Q for x standard normal [rows, k] and Q [k, dy] with orthonormal rows: a signal of rank k in dy outputs. */
function mixed(rows: number, k: number, dy: number, scales: number[], seed: number): Float32Array {
  const rng = createRng(seed);
  const g = Float64Array.from({ length: dy * dy }, () => rng.normal());
  const sym = Float64Array.from(g, (_, q) => g[q] + g[(q % dy) * dy + Math.floor(q / dy)]);
  const q = symmetricEigen(sym, dy).vectors; // columns orthonormal: use its first k columns as rows of Q
  const y = new Float32Array(rows * dy);
  for (let r = 0; r < rows; r++) {
    const x = scales.map((s) => s * rng.normal());
    for (let j = 0; j < dy; j++) for (let i = 0; i < k; i++) y[r * dy + j] += x[i] * q[j * dy + i];
  }
  return y;
}

it('whiten: unit covariance over member rows, even for a direction with about 0.03% of the largest variance', () => {
  const rows = 4000, dy = 5;
  const y = mixed(rows, 5, dy, [3, 1, 0.5, 0.1, 0.05], 1);
  const member = Uint8Array.from({ length: rows }, (_, r) => (r % 3 ? 1 : 0));
  const w = whiten(y, dy, member);
  assert.equal(w.kept, 5);
  let count = 0;
  const cov = new Float64Array(25);
  for (let r = 0; r < rows; r++) {
    if (!member[r]) continue;
    count++;
    for (let a = 0; a < 5; a++) for (let b = 0; b < 5; b++) cov[a * 5 + b] += w.y[r * 5 + a] * w.y[r * 5 + b];
  }
  cov.forEach((v, q) => assert.ok(Math.abs(v / count - (q % 6 === 0 ? 1 : 0)) < 1e-3, `cov[${q}] = ${v / count}`));
  // y_w S gives y back.
  for (let r = 0; r < 50; r++) {
    for (let a = 0; a < dy; a++) {
      let back = 0;
      for (let j = 0; j < w.kept; j++) back += w.y[r * w.kept + j] * w.unwhiten[j * dy + a];
      assert.ok(Math.abs(back - y[r * dy + a]) < 1e-3 * (1 + Math.abs(y[r * dy + a])));
    }
  }
});

it('whiten: a rank-3 signal in 6 outputs keeps 3 directions; a constant target keeps one zero column', () => {
  const y = mixed(1000, 3, 6, [1, 1, 1], 2);
  assert.equal(whiten(y, 6, new Uint8Array(1000).fill(1)).kept, 3);
  const constant = whiten(new Float32Array(200).fill(0), 2, new Uint8Array(100).fill(1));
  assert.equal(constant.kept, 1);
  assert.ok(constant.y.every((v) => v === 0) && constant.unwhiten.every((v) => v === 0));
});

it('whiten: a direction with 2.5e-5 of the largest variance is signal and kept; the null directions of a rank-3 signal in 6 outputs are not', () => {
  // A random map from 32 actions to 33 outputs has directions this weak (7.5e-5 measured); with the
  // earlier floor of 1e-4 whitening dropped them, and with them a coordinate the block needs.
  const y = mixed(2000, 3, 6, [1, 1, 0.005], 4);
  const w = whiten(y, 6, new Uint8Array(2000).fill(1));
  assert.equal(w.kept, 3);
  // The weak direction comes back with unit variance.
  let sq = 0;
  for (let r = 0; r < 2000; r++) sq += w.y[r * 3 + 2] ** 2;
  assert.ok(Math.abs(sq / 2000 - 1) < 1e-2, `variance ${sq / 2000}`);
});

it('unwhitenHead: the folded head predicts the whitened prediction mapped back', () => {
  const rng = createRng(3);
  const layer = (din: number, dout: number, activation: LayerWeights['activation']): LayerWeights => ({
    din, dout, activation, w: Float32Array.from({ length: din * dout }, () => rng.normal()), b: Float32Array.from({ length: dout }, () => rng.normal()),
  });
  const head = [layer(4, 6, 'leakyRelu'), layer(6, 3, 'identity')];
  const dy = 5;
  const map = Float64Array.from({ length: 3 * dy }, () => rng.normal());
  const folded = unwhitenHead(head, map, dy);
  const forward = (layers: LayerWeights[], x: number[]) => layers.reduce((h, l) => Array.from({ length: l.dout }, (_, o) => activate(l.b[o] + h.reduce((s, v, i) => s + v * l.w[i * l.dout + o], 0), l.activation)), x);
  for (let r = 0; r < 10; r++) {
    const x = [0, 1, 2, 3].map(() => rng.normal());
    const yw = forward(head, x);
    const expected = Array.from({ length: dy }, (_, a) => yw.reduce((s, v, j) => s + v * map[j * dy + a], 0));
    forward(folded, x).forEach((v, a) => assert.ok(Math.abs(v - expected[a]) < 1e-4 * (1 + Math.abs(expected[a]))));
  }
});
