// The trainer's minibatch gradient (two ghost batches, each on its own batch-norm statistics,
// averaged) against central finite differences of its loss, for encoder, decoder and head
// parameters, with membership masking a task's rows; its evaluation (squared error and class
// errors) against a plain forward pass.
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { createRng } from '../../src/core/random.ts';
import { KernelRuntime, residentScope } from '../../src/kernels/runtime.ts';
import type { FitData } from '../../src/specialist/data.ts';
import { Trainer } from '../../src/specialist/trainer.ts';
import { whitenClasses } from '../../src/specialist/class-targets.ts';

function tinyData(rows: number, seed: number): FitData {
  const rng = createRng(seed);
  const d = 3;
  const z = Float32Array.from({ length: rows * d }, () => rng.normal());
  const task = (dy: number, member: (r: number) => number) => ({
    y: Float32Array.from({ length: rows * dy }, () => rng.normal()),
    dy,
    mean: new Float32Array(dy),
    std: new Float32Array(dy).fill(1),
    member: Uint8Array.from({ length: rows }, (_, r) => member(r)),
  });
  return { n: rows, d, z, zMean: new Float32Array(d), zStd: new Float32Array(d).fill(1), tasks: [task(2, () => 1), task(1, (r) => (r % 3 ? 1 : 0))] };
}

it('batchGradient matches central differences of the ghost-batch loss (float64 reference via float32 steps)', async () => {
  const kernels = await KernelRuntime.create({ build: 'scalar' });
  const data = tinyData(12, 7);
  const rows = Int32Array.from({ length: 12 }, (_, i) => i);
  const scope = residentScope(kernels);
  try {
    const trainer = new Trainer(scope, data, rows, { latentDims: 3, encoderWidths: [5], headWidth: 4, headActivation: 'leakyRelu', classes: [null, null], batchSize: 12, learningRate: 1e-3, reconstructionWeight: 0.7, penalty: 'group' });
    trainer.init(createRng(3));
    const zero = [0, 0];
    trainer.batchGradient(rows, zero);
    const layers = [trainer.encoder.layers[0], trainer.decoder.layers[1], trainer.heads[0].layers[0], trainer.heads[1].layers[1]];
    const analytic = layers.map((l) => ({ w: scope.view(l.gw, l.din * l.dout).slice(), b: scope.view(l.gb, l.dout).slice() }));
    const rng = createRng(11);
    layers.forEach((l, li) => {
      for (let trial = 0; trial < 4; trial++) {
        const onBias = trial === 3;
        const index = rng.int(onBias ? l.dout : l.din * l.dout);
        const params = scope.view(onBias ? l.b : l.w, onBias ? l.dout : l.din * l.dout);
        const keep = params[index];
        const h = 2e-3;
        params[index] = keep + h;
        const up = trainer.batchGradient(rows, zero);
        params[index] = keep - h;
        const down = trainer.batchGradient(rows, zero);
        params[index] = keep;
        const numeric = (up - down) / (2 * h);
        const got = (onBias ? analytic[li].b : analytic[li].w)[index];
        assert.ok(Math.abs(got - numeric) <= 2e-3 + 2e-2 * Math.abs(numeric), `layer ${li} ${onBias ? 'bias' : 'weight'} ${index}: analytic ${got}, numeric ${numeric}`);
      }
    });
  } finally {
    scope.release();
  }
});

it('evaluate counts class errors as the largest class score reads them, and linear heads are linear (a plain forward pass as reference)', async () => {
  const kernels = await KernelRuntime.create({ build: 'scalar' });
  const rows = 60, d = 3;
  const rng = createRng(8);
  const z = Float32Array.from({ length: rows * d }, () => rng.normal());
  const labels = Array.from({ length: rows }, (_, r) => (z[r * d] > 0.3 ? 0 : z[r * d + 1] > 0 ? 1 : 2));
  const member = new Uint8Array(rows).fill(1);
  const codes = [[2, 0], [0, 2], [-1, -1]];
  const raw = Float32Array.from(labels.flatMap((c) => codes[c]));
  const w = whitenClasses(raw, 2, member)!;
  const data: FitData = { n: rows, d, z, zMean: new Float32Array(d), zStd: new Float32Array(d).fill(1), tasks: [{ y: w.y, dy: w.kept, mean: new Float32Array(w.kept), std: new Float32Array(w.kept).fill(1), member }] };
  const all = Int32Array.from({ length: rows }, (_, i) => i);
  const scope = residentScope(kernels);
  try {
    const trainer = new Trainer(scope, data, all, { latentDims: 3, encoderWidths: [], headWidth: 4, headActivation: 'identity', classes: [w.classes], batchSize: 20, learningRate: 1e-2, reconstructionWeight: 1, penalty: 'group' });
    trainer.init(createRng(2));
    for (let e = 0; e < 5; e++) trainer.epoch(createRng(e), () => [0]);
    trainer.computePopulationStats(all);
    const losses = trainer.evaluate(all);
    // Reference: s_hat from the trainer, then the head's layers in float64, identity activations.
    const s = trainer.encodeRows(all);
    const head = trainer.snapshot().heads[0];
    assert.ok(head.every((l) => l.activation === 'identity'));
    const K = w.classes.classes, dy = w.kept;
    const classOf = (y: ArrayLike<number>) => {
      const scores = Array.from({ length: K }, (_, c) => w.classes.share[c] + Array.from({ length: dy }, (_, j) => y[j] * w.classes.toScores[j * K + c]).reduce((a, b) => a + b, 0));
      return scores.indexOf(Math.max(...scores));
    };
    let missed = 0, sse = 0;
    for (let r = 0; r < rows; r++) {
      let h = Array.from(s.subarray(r * 3, r * 3 + 3));
      for (const l of head) h = Array.from({ length: l.dout }, (_, o) => l.b[o] + h.reduce((a, v, p) => a + v * l.w[p * l.dout + o], 0));
      const target = w.y.subarray(r * dy, (r + 1) * dy);
      if (classOf(h) !== classOf(target)) missed++;
      sse += h.reduce((a, v, j) => a + (v - target[j]) ** 2, 0);
    }
    assert.ok(missed > 0 && missed < rows, `a head after 5 epochs misses some rows, not all (${missed})`);
    assert.equal(losses.classErrors[0], missed / rows);
    assert.ok(Math.abs(losses.tasks[0] - sse / (rows * dy)) < 1e-4, `${losses.tasks[0]} against ${sse / (rows * dy)}`);
  } finally {
    scope.release();
  }
});
