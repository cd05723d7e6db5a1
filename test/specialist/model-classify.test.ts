// The class read-out of class-coded tasks (Specialists.classify): each row is read as the class with
// the largest score, checked against the world's true classes and against the nearest-code decision;
// the scores are the expected-code prediction's weights; the class map survives the model file, the
// standalone ONNX head and the head runtime; bad input gets typed errors.
import assert from 'node:assert/strict';
import { before, it } from 'node:test';
import * as ort from 'onnxruntime-web';
import { createRng } from '../../src/core/random.ts';
import { HeadRuntime } from '../../src/deploy/head-runtime.ts';
import { readGraphInfo } from '../../src/onnx/graph.ts';
import { exportSpecialistOnnx } from '../../src/specialist/export-onnx.ts';
import { fitSpecialists } from '../../src/specialist/fit.ts';
import { Specialists } from '../../src/specialist/model.ts';
import { WorkerPool } from '../../src/worker/pool.ts';
import { assertClose, expectCode } from '../helpers.ts';
import { rewrite } from './file-edits.ts';

// Four classes from the signs of z0 and z1, coded so that classes 0 and 3 lie 0.14 apart: a head
// unsure between them predicts a mix near both, and reading it by the nearest code confuses them
// far more often than reading it by the largest class score.
const CODES = [[1, 0], [0, 1], [-1, -1], [0.9, 0.1]];
const n = 600, d = 5;
const rng = createRng(11);
const z = Float32Array.from({ length: n * d }, () => rng.normal());
const truth = Array.from({ length: n }, (_, r) => (z[r * d] > 0 ? 1 : 0) + (z[r * d + 1] > 0 ? 2 : 0));
// Task 0: the codes; task 1: a continuous target; task 2: integer labels 0..3 as one column.
const targets = [
  { data: Float32Array.from(truth.flatMap((c) => CODES[c])), shape: [n, 2] },
  { data: Float32Array.from({ length: n }, (_, r) => Math.sin(z[r * d + 2])), shape: [n, 1] },
  { data: Float32Array.from(truth, (c) => [7, 3, 5, 1][c]), shape: [n, 1] },
];
const train = { data: z.subarray(0, 400 * d), shape: [400, d] };
const test = { data: z.subarray(400 * d), shape: [200, d] };
const testTruth = truth.slice(400);
const trainTargets = targets.map((t) => ({ data: t.data.subarray(0, 400 * t.shape[1]), shape: [400, t.shape[1]] }));
let model: Specialists;

before(async () => {
  model = await fitSpecialists(train, trainTargets, { seed: 3, epochs: 60 });
});

/** The index of `code` among task `task`'s class codes. */
function classOf(task: number, code: number[]): number {
  const codes = model.classCodes(task)!;
  const dy = codes.shape[1];
  for (let c = 0; c < codes.shape[0]; c++) if (code.every((v, a) => codes.data[c * dy + a] === Math.fround(v))) return c;
  return -1;
}

it('class-coded targets keep their class map, in the targets own units and order of first appearance; continuous ones have none', () => {
  const codes = model.classCodes(0)!;
  assert.deepEqual(codes.shape, [4, 2]);
  const order = [...new Set(truth.slice(0, 400))];
  assert.deepEqual(Array.from(codes.data), order.flatMap((c) => CODES[c]).map(Math.fround));
  assert.equal(model.classCodes(1), null);
  assert.deepEqual(Array.from(model.classCodes(2)!.data), order.map((c) => [7, 3, 5, 1][c]), 'labels come back as given, not rounded through the standardisation');
});

it('classify reads the true class by the largest score, better than the nearest code to predict; the scores weigh the codes into predict', () => {
  const out = model.classify(test, 0);
  const prediction = model.predict(test, 0).data;
  const codes = model.classCodes(0)!.data;
  let byClass = 0, byNearest = 0;
  testTruth.forEach((c, r) => {
    const scores = Array.from(out.scores.data.subarray(r * 4, r * 4 + 4));
    assert.equal(out.index[r], scores.indexOf(Math.max(...scores)), `row ${r}: the largest score`);
    assert.deepEqual(Array.from(out.codes.data.subarray(r * 2, r * 2 + 2)), Array.from(codes.subarray(out.index[r] * 2, out.index[r] * 2 + 2)));
    assert.ok(Math.abs(scores.reduce((a, b) => a + b, 0) - 1) < 1e-5, `row ${r}: the scores sum to 1`);
    for (let a = 0; a < 2; a++) {
      const expected = scores.reduce((s, w, k) => s + w * codes[k * 2 + a], 0);
      assert.ok(Math.abs(expected - prediction[r * 2 + a]) < 1e-4, `row ${r}: predict is the score-weighted code`);
    }
    if (out.index[r] === classOf(0, CODES[c])) byClass++;
    const distances = CODES.map((v) => (v[0] - prediction[r * 2]) ** 2 + (v[1] - prediction[r * 2 + 1]) ** 2);
    if (distances.indexOf(Math.min(...distances)) === c) byNearest++;
  });
  assert.ok(byClass / 200 >= 0.95, `by class ${byClass / 200}`);
  assert.ok(byClass > byNearest + 10, `by class ${byClass} of 200, by the nearest code ${byNearest}`);
  const labels = model.classify(test, 2);
  assert.ok(testTruth.filter((c, r) => labels.codes.data[r] === [7, 3, 5, 1][c]).length >= 190, 'integer labels read back as the labels');
});

it('the class read-out survives the model file, the ONNX head (classScores and the codes in its metadata) and the head runtime', async () => {
  const expected = model.classify(test, 0);
  const back = Specialists.deserialise(model.serialise());
  assert.deepEqual(back.classify(test, 0), expected);
  assert.equal(back.classCodes(1), null);
  const bytes = exportSpecialistOnnx(model, 0);
  const info = readGraphInfo(bytes);
  assert.deepEqual(info.outputs.map((o) => o.name), ['block', 'prediction', 'classScores']);
  const codesJson = JSON.stringify([0, 1, 2, 3].map((c) => Array.from(model.classCodes(0)!.data.subarray(c * 2, c * 2 + 2))));
  const text = new TextDecoder('latin1').decode(bytes);
  assert.ok(text.includes('classCodes') && text.includes(codesJson), 'the class codes are in the metadata');
  const session = await ort.InferenceSession.create(bytes);
  const out = await session.run({ latents: new ort.Tensor('float32', test.data.slice(), test.shape) });
  assertClose(out.classScores.data as Float32Array, expected.scores.data, { abs: 1e-5, rel: 1e-5 }, 'ONNX class scores');
  assert.deepEqual(readGraphInfo(exportSpecialistOnnx(model, 1)).outputs.map((o) => o.name), ['block', 'prediction'], 'no class scores for a continuous task');
  const runtime = await HeadRuntime.load(model.serialise());
  assert.deepEqual(runtime.run(test, 0).classes, expected);
  assert.equal(runtime.run(test, 1).classes, undefined);
});

it('bad input to classify and classCodes is a typed error; an edited class map in a file is INVALID_FILE', async () => {
  await expectCode(() => model.classify(test, 1), 'INVALID_ARGUMENT', 'task 1 has no class map');
  assert.equal((() => { try { model.classify(test, 1); } catch (e) { return (e as { details: { reason: string } }).details.reason; } })(), 'not-classes');
  await expectCode(() => model.classify(test, 3), 'INVALID_ARGUMENT', 'task must be an integer in [0, 2]');
  await expectCode(() => model.classCodes(-1), 'INVALID_ARGUMENT', 'task must be');
  await expectCode(() => model.classify({ data: new Float32Array(8), shape: [2, 4] }, 0), 'SHAPE_MISMATCH', 'the model was fitted on 5');
  await expectCode(() => model.classify({ data: Float32Array.of(NaN, 0, 0, 0, 0), shape: [1, 5] }, 0), 'NON_FINITE');
  const file = model.serialise();
  const load = (f: Uint8Array) => () => Specialists.deserialise(f);
  await expectCode(load(rewrite(file, (f) => (f.meta.classes = [4, null]))), 'INVALID_FILE', 'meta.classes');
  await expectCode(load(rewrite(file, (f) => (f.meta.classes[0] = 1))), 'INVALID_FILE', 'meta.classes[0]');
  await expectCode(load(rewrite(file, (f) => (f.meta.classes[0] = 5))), 'INVALID_FILE', 'head0.classes.w has shape');
  await expectCode(load(rewrite(file, (f) => delete f.tensors['head0.classCodes'])), 'INVALID_FILE', 'tensor head0.classCodes is missing');
  await expectCode(load(rewrite(file, (f) => (f.meta.classes[0] = null))), 'INVALID_FILE', 'is not part of this model');
  await expectCode(load(rewrite(file, (f) => delete f.meta.classes)), 'INVALID_FILE', 'meta.classes must be present');
});

it('a fit on two workers keeps the same class map, bit for bit; without whitened targets there is none', async () => {
  const options = { seed: 3, epochs: 6 };
  const here = await fitSpecialists(train, trainTargets, options);
  const pool = await WorkerPool.create({ size: 2 });
  try {
    const there = await fitSpecialists(train, trainTargets, options, { pool });
    assert.deepEqual(there.classify(test, 0), here.classify(test, 0));
    assert.deepEqual(there.classCodes(2), here.classCodes(2));
  } finally {
    await pool.close();
  }
  const plain = await fitSpecialists(train, trainTargets, { ...options, whitenTargets: false });
  assert.deepEqual([0, 1, 2].map((k) => plain.classCodes(k)), [null, null, null]);
});
