// SpecialistOptions.architecture: 'auto' trains the network's and a linear dense fit and goes on with
// the linear one only where it reads the validation rows better and the network had stopped
// improving. On latents that are a linear mix of the state it keeps the linear fit (an affine
// s_hat, linear heads), which reads held-out rows better than the network; on a nonlinear mix, and
// where the network was cut off by its epoch cap, it keeps the network, bit for bit as architecture
// 'nonlinear'. On wide latents a kept linear fit reads the weak principal components the network's
// front end leaves out. The linear model survives its file, the ONNX export and two workers;
// progress counts both candidates; bad options get typed errors.
import assert from 'node:assert/strict';
import { before, it } from 'node:test';
import * as ort from 'onnxruntime-web';
import { createRng } from '../../src/core/random.ts';
import type { FitProgress } from '../../src/specialist/fit-call.ts';
import { exportSpecialistOnnx } from '../../src/specialist/export-onnx.ts';
import { fitSpecialists } from '../../src/specialist/fit.ts';
import { Specialists } from '../../src/specialist/model.ts';
import { resolveOptions } from '../../src/specialist/options.ts';
import { chooseForm } from '../../src/specialist/architecture.ts';
import { orthonormalise } from '../../src/stats/leading-eigen.ts';
import { blocksWorld } from '../../src/synthetic/blocks-world.ts';
import { WorkerPool } from '../../src/worker/pool.ts';
import { assertClose, expectCode } from '../helpers.ts';

// A linear generalist: latents z = A s (d = 24) of a state s whose first four coordinates are one of
// five class centres plus noise (the classes' own block: their four independent directions need all
// four coordinates), the rest standard normal. Task 0: the class; task 1: a linear value of s_4, s_5.
const d = 24, n = 3000, trainRows = 2700;
const rng = createRng(21);
const mix = Float64Array.from({ length: d * d }, () => rng.normal() / Math.sqrt(d));
const centres = Float64Array.from({ length: 5 * 4 }, () => 1.5 * rng.normal());
const label = Array.from({ length: n }, () => rng.int(5));
const s = Float64Array.from({ length: n * d }, (_, q) => (q % d < 4 ? centres[label[Math.floor(q / d)] * 4 + (q % d)] + 0.4 * rng.normal() : rng.normal()));
const z = new Float32Array(n * d);
for (let r = 0; r < n; r++) for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) z[r * d + i] += mix[i * d + j] * s[r * d + j];
/** Task 1's target of row r. */
function value(r: number): number {
  return s[r * d + 4] + 0.5 * s[r * d + 5];
}
const targets = [
  { data: Float32Array.from(label.slice(0, trainRows)), shape: [trainRows, 1] },
  { data: Float32Array.from({ length: trainRows }, (_, r) => value(r)), shape: [trainRows, 1] },
];
const train = { data: z.subarray(0, trainRows * d), shape: [trainRows, d] };
const held = { data: z.subarray(trainRows * d), shape: [n - trainRows, d] };
const options = { seed: 4 };
let auto: Specialists, network: Specialists;
const progress: FitProgress[] = [];

/** Share of the held-out rows whose class task 0's head reads right. */
function accuracy(model: Specialists): number {
  const read = model.classify(held, 0).codes.data;
  return label.slice(trainRows).filter((c, r) => read[r] === c).length / (n - trainRows);
}

before(async () => {
  auto = await fitSpecialists(train, targets, options, { onProgress: (p) => progress.push(p) });
  network = await fitSpecialists(train, targets, { ...options, architecture: 'nonlinear' });
});

it('on a linear mix, auto keeps the linear fit: it reads held-out rows better than the network, and a linear value from one coordinate', () => {
  assert.equal(auto.architecture, 'linear');
  assert.equal(network.architecture, 'nonlinear');
  assert.deepEqual(auto.state.encoderWidths, []);
  const linear = accuracy(auto), nonlinear = accuracy(network);
  assert.ok(linear >= 0.95, `held-out class accuracy linear ${linear} (network ${nonlinear})`);
  const error = (model: Specialists) => {
    const p = model.predict(held, 1).data;
    return p.reduce((a, v, r) => a + (v - value(trainRows + r)) ** 2, 0) / p.length;
  };
  assert.ok(error(auto) < error(network), `held-out squared error of task 1: linear ${error(auto)}, network ${error(network)}`);
  // s_4 + 0.5 s_5 is one direction of the state: a linear s_hat holds it in one coordinate.
  assert.equal(auto.supports[1].length, 1, `task 1 reads ${auto.supports[1]}`);
});

it('a linear fit is affine: s_hat of the mean of two rows is the mean of their s_hat', () => {
  const a = held.data.subarray(0, d), b = held.data.subarray(d, 2 * d);
  const mid = { data: Float32Array.from(a, (v, i) => (v + b[i]) / 2), shape: [1, d] };
  const both = auto.transform({ data: Float32Array.from([...a, ...b]), shape: [2, d] }).data;
  const w = auto.latentDims;
  assertClose(auto.transform(mid).data, Float32Array.from({ length: w }, (_, i) => (both[i] + both[w + i]) / 2), { abs: 1e-4, rel: 1e-4 }, 's_hat');
  const heads = auto.predict({ data: Float32Array.from([...a, ...b, ...mid.data]), shape: [3, d] }, 1).data;
  assert.ok(Math.abs(heads[2] - (heads[0] + heads[1]) / 2) < 1e-4, 'the continuous head is affine too');
});

it('the linear model survives its file and its ONNX export', async () => {
  const loaded = Specialists.deserialise(auto.serialise());
  assert.equal(loaded.architecture, 'linear');
  assert.deepEqual(loaded.predict(held, 1).data, auto.predict(held, 1).data);
  assert.deepEqual(loaded.classify(held, 0).index, auto.classify(held, 0).index);
  const session = await ort.InferenceSession.create(exportSpecialistOnnx(auto, 0));
  const out = await session.run({ latents: new ort.Tensor('float32', held.data.slice(), held.shape) });
  assertClose(out.prediction.data as Float32Array, auto.predict(held, 0).data, { abs: 1e-5, rel: 1e-5 }, 'prediction');
  assertClose(out.classScores.data as Float32Array, auto.classify(held, 0).scores.data, { abs: 1e-5, rel: 1e-5 }, 'class scores');
});

it('progress counts both dense fits and the rest once: done grows by one each epoch, never past total', () => {
  assert.deepEqual(progress.map((p) => p.done), progress.map((_, i) => i + 1));
  const over = progress.find((p) => p.done > p.total);
  assert.equal(over, undefined, `done past total: ${JSON.stringify(over)}`);
  const denseEpochs = progress.filter((p) => p.phase === 'dense').length;
  const kept = auto.lossCurves.validation.find((v) => v.phase === 'dense')!.epoch;
  assert.equal(denseEpochs, kept + network.lossCurves.validation.find((v) => v.phase === 'dense')!.epoch, 'the dense epochs of both fits');
  assert.equal(progress.length - denseEpochs + kept, auto.lossCurves.train.length);
});

it('two workers give the same linear fit, bit for bit', async () => {
  const pool = await WorkerPool.create({ size: 2 });
  try {
    const there = await fitSpecialists(train, targets, options, { pool });
    assert.equal(there.architecture, 'linear');
    assert.deepEqual(there.transform(held).data, auto.transform(held).data);
    assert.deepEqual(there.predict(held, 1).data, auto.predict(held, 1).data);
    assert.deepEqual(there.supports, auto.supports);
  } finally {
    await pool.close();
  }
});

it('on a nonlinear mix, auto keeps the network: the same model, bit for bit, as architecture nonlinear', async () => {
  const world = blocksWorld({ n: 1200, seed: 5 });
  const latents = { data: world.z, shape: [world.n, world.dims] };
  const y = { data: world.y, shape: [world.n, 3, world.signalDims] };
  const kept = await fitSpecialists(latents, y, { seed: 2, epochs: 40 });
  assert.equal(kept.architecture, 'nonlinear');
  assert.deepEqual(kept.serialise(), (await fitSpecialists(latents, y, { seed: 2, epochs: 40, architecture: 'nonlinear' })).serialise());
});

it('a network cut off by its epoch cap is kept: the linear fit only wins against a network that stopped improving', async () => {
  // 40 epochs of 5 steps: the network is still improving when the cap stops its dense fit.
  const few = { data: train.data.subarray(0, 600 * d), shape: [600, d] };
  const fewTargets = targets.map((t) => ({ data: t.data.subarray(0, 600), shape: [600, 1] }));
  const capped = await fitSpecialists(few, fewTargets, { seed: 4, epochs: 40 });
  assert.equal(capped.architecture, 'nonlinear');
  assert.deepEqual(capped.serialise(), (await fitSpecialists(few, fewTargets, { seed: 4, epochs: 40, architecture: 'nonlinear' })).serialise());
});

it('wide latents: a linear fit that auto keeps reads the principal components down to 0.2% of the largest, where the network reads those above 1%', async () => {
  // 160 latents, an orthonormal mix of 20 strong state coordinates (variance about 1), 10 weak ones
  // (about 0.5% of it) and noise (1e-6). Four classes: centres in three strong coordinates, buried
  // in their noise, and well apart in three weak ones.
  const W = 160, rows = 3000, fitRows = 2600, strong = 20, weak = 10;
  const r = createRng(31);
  const q = Float64Array.from({ length: W * W }, () => r.normal());
  orthonormalise(q, W, W);
  const classes = Array.from({ length: rows }, () => r.int(4));
  const centres = Float64Array.from({ length: 12 }, () => r.normal()), weakCentres = Float64Array.from({ length: 12 }, () => 2 * r.normal());
  const latents = new Float32Array(rows * W);
  for (let row = 0; row < rows; row++) {
    const state = Float64Array.from({ length: W }, (_, i) => {
      if (i < strong) return (i < 3 ? centres[classes[row] * 3 + i] : 0) + r.normal();
      if (i < strong + weak) return Math.sqrt(0.005) * ((i - strong < 3 ? weakCentres[classes[row] * 3 + i - strong] : 0) + 0.3 * r.normal());
      return 1e-3 * r.normal();
    });
    for (let c = 0; c < W; c++) latents[row * W + c] = state.reduce((a, v, i) => a + q[c * W + i] * v, 0);
  }
  const fitOn = { data: latents.subarray(0, fitRows * W), shape: [fitRows, W] };
  const test = { data: latents.subarray(fitRows * W), shape: [rows - fitRows, W] };
  const y = [{ data: Float32Array.from(classes.slice(0, fitRows)), shape: [fitRows, 1] }];
  const read = (model: Specialists) => classes.slice(fitRows).filter((c, row) => model.classify(test, 0).codes.data[row] === c).length / (rows - fitRows);
  const steps: FitProgress[] = [];
  const wide = await fitSpecialists(fitOn, y, { seed: 3 }, { onProgress: (p) => steps.push(p) });
  const narrow = await fitSpecialists(fitOn, y, { seed: 3, architecture: 'linear', inputRank: strong });
  assert.equal(wide.architecture, 'linear');
  assert.ok(wide.latentDims > strong, `the kept linear fit reads ${wide.latentDims} components`);
  assert.equal((await fitSpecialists(fitOn, y, { seed: 3, architecture: 'nonlinear' })).latentDims, strong, 'the network reads the 20 above 1%');
  assert.ok(read(wide) >= 0.9 && read(wide) > read(narrow) + 0.2, `held-out accuracy from the weak components ${read(wide)}, from the strong ones only ${read(narrow)}`);
  assert.deepEqual(steps.map((p) => p.done), steps.map((_, i) => i + 1), 'progress runs on through the second fit');
  assert.ok(steps.every((p) => p.done <= p.total));
});

it('chooseForm: the linear form only with the lower risk against a network on its plateau, and trained only then; a tie keeps the network', async () => {
  const choose = async (network: { risk: number; plateau: boolean }, linearRisk: number) => {
    let trained = false;
    const form = await chooseForm(network, async () => ((trained = true), { risk: linearRisk, plateau: true }));
    return { form, trained };
  };
  assert.deepEqual(await choose({ risk: 0.3, plateau: true }, 0.2), { form: 'linear', trained: true });
  assert.deepEqual(await choose({ risk: 0.3, plateau: false }, 0.2), { form: 'nonlinear', trained: false });
  assert.deepEqual(await choose({ risk: 0.2, plateau: true }, 0.2), { form: 'nonlinear', trained: true });
  assert.deepEqual(await choose({ risk: 0.2, plateau: true }, 0.3), { form: 'nonlinear', trained: true });
  assert.deepEqual(await choose({ risk: 0.2, plateau: true }, NaN), { form: 'nonlinear', trained: true });
});

it('architecture is checked, and given encoder widths or a fixed lambda leave nothing to compare', async () => {
  await expectCode(() => fitSpecialists(train, targets, { architecture: 'deep' as never }), 'INVALID_ARGUMENT', 'architecture');
  await expectCode(() => fitSpecialists(train, targets, { architecture: 'linear', encoderWidths: [8] }), 'INVALID_ARGUMENT', 'encoderWidths');
  assert.equal(resolveOptions({}, d).architecture, 'auto');
  assert.equal(resolveOptions({ encoderWidths: [8] }, d).architecture, 'nonlinear');
  assert.equal(resolveOptions({ lambda: 0.5 }, d).architecture, 'nonlinear');
  assert.equal(resolveOptions({ lambda: 0.5, penalty: 'none' }, d).architecture, 'auto');
  assert.equal(resolveOptions({ architecture: 'linear', lambda: 0.5 }, d).architecture, 'linear');
});
