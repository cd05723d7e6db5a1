// onnxruntime-node, when installed (an optional dev dependency: its postinstall is disabled by
// "allowScripts" in package.json, the native binary ships in the package): Generalist in Node with
// device 'auto' runs on it, 'wasm' stays on onnxruntime-web, and both give the same latents (1e-5).
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { wideEncoder } from '../../bench/wide-encoder.ts';
import { Generalist } from '../../src/generalist/generalist.ts';
import { loadOrtNode } from '../../src/generalist/ort.ts';
import { generalistWorld } from '../../src/synthetic/generalist-world.ts';
import { assertClose, createRng } from '../helpers.ts';

const native = await loadOrtNode();
const skip = native ? false : 'onnxruntime-node is not installed (npm install --no-save onnxruntime-node@1.30.0 to run this test)';

async function both(model: Uint8Array, data: Float32Array, shape: number[]) {
  const auto = await Generalist.load(model, { device: 'auto' });
  const wasm = await Generalist.load(model, { device: 'wasm' });
  try {
    return { auto: auto.device, wasm: wasm.device, a: await auto.encode({ data, shape }), b: await wasm.encode({ data, shape }) };
  } finally {
    await auto.dispose();
    await wasm.dispose();
  }
}

it("device 'auto' chooses onnxruntime-node and equals onnxruntime-web on the default world's encoder", { skip }, async () => {
  const world = generalistWorld({ episodes: 40, seed: 3 });
  const r = await both(world.encoderOnnx, world.observations, world.shapes.observations);
  assert.deepEqual(r.auto, { device: 'cpu', backend: 'onnxruntime-node', reason: 'Node: onnxruntime-node is installed (native CPU)' });
  assert.equal(r.wasm.backend, 'onnxruntime-web');
  assert.deepEqual(r.a.shape, r.b.shape);
  assertClose(r.a.data, r.b.data, { abs: 1e-5, rel: 1e-5 }, 'onnxruntime-node vs onnxruntime-web');
});

it('onnxruntime-node equals onnxruntime-web on a wider encoder (64 -> 256 -> 256 -> 64)', { skip }, async () => {
  const wide = wideEncoder();
  const rng = createRng(5);
  const x = Float32Array.from({ length: 700 * wide.inputDim }, () => rng.normal());
  const r = await both(wide.model, x, [700, wide.inputDim]);
  assert.equal(r.auto.backend, 'onnxruntime-node');
  assert.deepEqual(r.a.shape, [700, wide.outputDim]);
  assertClose(r.a.data, r.b.data, { abs: 1e-5, rel: 1e-5 }, 'wide encoder');
});
