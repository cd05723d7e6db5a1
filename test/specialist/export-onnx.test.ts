// An exported specialist head gives, in onnxruntime, the SDK's own transform and predict (1e-5).
import assert from 'node:assert/strict';
import { it } from 'node:test';
import * as ort from 'onnxruntime-web';
import { fitSpecialists } from '../../src/specialist/fit.ts';
import { exportSpecialistOnnx } from '../../src/specialist/export-onnx.ts';
import { readGraphInfo } from '../../src/onnx/graph.ts';
import { blocksWorld } from '../../src/synthetic/blocks-world.ts';
import { assertClose, expectCode } from '../helpers.ts';

it('each exported task head matches Specialists.transform and predict within 1e-5', async () => {
  const world = blocksWorld({ n: 600, seed: 3 });
  const latents = { data: world.z, shape: [world.n, world.dims] };
  const model = await fitSpecialists(latents, { data: world.y, shape: [world.n, 3, world.signalDims] }, { lambda: 0.5, epochs: 4, seed: 1 });
  const rows = 50;
  const probe = { data: world.z.subarray(0, rows * world.dims), shape: [rows, world.dims] };
  for (let task = 0; task < model.tasks; task++) {
    const bytes = exportSpecialistOnnx(model, task, { encoderSha256: 'ab'.repeat(32) });
    const info = readGraphInfo(bytes);
    assert.deepEqual(info.outputs.map((o) => o.name), ['block', 'prediction']);
    const session = await ort.InferenceSession.create(bytes);
    const out = await session.run({ latents: new ort.Tensor('float32', probe.data.slice(), [rows, world.dims]) });
    const block = model.transform(probe, task);
    const prediction = model.predict(probe, task);
    assert.deepEqual(out.block.dims, block.shape);
    assertClose(out.block.data as Float32Array, block.data, { abs: 1e-5, rel: 1e-5 }, `task ${task} block`);
    assertClose(out.prediction.data as Float32Array, prediction.data, { abs: 1e-5, rel: 1e-5 }, `task ${task} prediction`);
  }
  await expectCode(() => exportSpecialistOnnx(model, 3), 'INVALID_ARGUMENT', 'task must be');
});
