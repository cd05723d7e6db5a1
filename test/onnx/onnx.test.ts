// ONNX models built in code run in onnxruntime-web (Node, wasm EP) with the expected numbers; the
// graph reader sees their inputs, outputs and internal tensors; exposing an internal tensor works
// for opsets before and after ReduceMean's axes became an input; damaged bytes are INVALID_FILE.
import assert from 'node:assert/strict';
import { it } from 'node:test';
import * as ort from 'onnxruntime-web';
import { exposeTensor, readGraphInfo } from '../../src/onnx/graph.ts';
import { assertClose, expectCode } from '../helpers.ts';
import { twoLayerModel } from './models.ts';

const X = [[0.5, -1, 2], [1, 1, 1], [-2, 0.25, 0]];
const input = () => ({ obs: new ort.Tensor('float32', Float32Array.from(X.flat()), [3, 3]) });

it('a model built in code runs in onnxruntime-web with the expected outputs', async () => {
  const { model, forward } = twoLayerModel(17);
  const session = await ort.InferenceSession.create(model);
  const out = await session.run(input());
  assert.deepEqual(out.latent.dims, [3, 2]);
  assertClose(out.latent.data as Float32Array, X.flatMap((x) => forward(x).latent), { abs: 1e-5 }, 'latent');
});

it('reads inputs, outputs, dynamic axes and internal tensors', () => {
  const info = readGraphInfo(twoLayerModel(17).model);
  assert.equal(info.opset, 17);
  assert.deepEqual(info.inputs, [{ name: 'obs', elemType: 1, shape: ['batch', 3] }]);
  assert.deepEqual(info.outputs, [{ name: 'latent', elemType: 1, shape: ['batch', 2] }]);
  assert.deepEqual(info.nodeOutputs, ['l0.xw', 'l0.z', 'l0.a', 'l1.xw', 'l1.z', 'latent']);
  assert.deepEqual(info.initializers, ['l0.W', 'l0.b', 'l1.W', 'l1.b']);
  assert.deepEqual(info.nodes[2], { op: 'LeakyRelu', inputs: ['l0.z'], outputs: ['l0.a'] });
});

for (const opset of [17, 18]) {
  it(`exposes an internal tensor, raw and mean-pooled (opset ${opset})`, async () => {
    const { model, forward } = twoLayerModel(opset);
    const raw = exposeTensor(model, 'l0.a');
    assert.equal(raw.output, 'l0.a');
    const rawOut = await (await ort.InferenceSession.create(raw.model)).run(input());
    assertClose(rawOut['l0.a'].data as Float32Array, X.flatMap((x) => forward(x).hidden), { abs: 1e-5 }, 'hidden');
    const pooled = exposeTensor(model, 'l0.a', { poolAxes: [0] });
    const session = await ort.InferenceSession.create(pooled.model);
    assert.ok(session.outputNames.includes(pooled.output));
    const out = await session.run(input());
    const mean = [0, 1, 2, 3].map((j) => X.reduce((s, x) => s + forward(x).hidden[j], 0) / X.length);
    assertClose(out[pooled.output].data as Float32Array, mean, { abs: 1e-5 }, 'pooled');
    assertClose(out.latent.data as Float32Array, X.flatMap((x) => forward(x).latent), { abs: 1e-5 }, 'original output kept');
  });
}

it('an unknown tensor name and damaged bytes are typed errors', async () => {
  const { model } = twoLayerModel(17);
  await expectCode(() => exposeTensor(model, 'l9.a'), 'INVALID_ARGUMENT', 'no tensor named "l9.a"');
  await expectCode(() => readGraphInfo(model.subarray(0, model.length - 7)), 'INVALID_FILE');
  await expectCode(() => readGraphInfo(new TextEncoder().encode('definitely not onnx')), 'INVALID_FILE');
});
