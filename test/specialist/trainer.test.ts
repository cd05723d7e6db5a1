// The trainer's minibatch gradient (two ghost batches, each on its own batch-norm statistics,
// averaged) against central finite differences of its loss, for encoder, decoder and head
// parameters, with membership masking a task's rows.
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { createRng } from '../../src/core/random.ts';
import { KernelRuntime, residentScope } from '../../src/kernels/runtime.ts';
import type { FitData } from '../../src/specialist/data.ts';
import { Trainer } from '../../src/specialist/trainer.ts';

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
