// Networks exported to ONNX compute in onnxruntime what their TypeScript twin computes (1e-5).
import assert from 'node:assert/strict';
import { it } from 'node:test';
import * as ort from 'onnxruntime-web';
import { buildOnnxModel, type NodeSpec, type TensorSpec } from '../../src/onnx/builder.ts';
import { appendStages, runStages, type NetworkStage } from '../../src/onnx/export-network.ts';
import { assertClose, createRng } from '../helpers.ts';

it('dense (all activations), standardise and select stages match their TypeScript twin', async () => {
  const rng = createRng(51);
  const rand = (n: number, s = 1) => Float32Array.from({ length: n }, () => rng.normal() * s);
  const stages: NetworkStage[] = [
    { kind: 'dense', din: 6, dout: 8, w: rand(48, 0.5), b: rand(8), activation: 'leakyRelu', slope: 0.1 },
    { kind: 'standardise', mean: rand(8), invStd: Float32Array.from(rand(8), (v) => 0.5 + Math.abs(v)) },
    { kind: 'select', columns: [7, 2, 5] },
    { kind: 'dense', din: 3, dout: 4, w: rand(12), b: rand(4), activation: 'tanh' },
    { kind: 'dense', din: 4, dout: 2, w: rand(8), b: rand(2), activation: 'identity' },
  ];
  const nodes: NodeSpec[] = [];
  const inits: TensorSpec[] = [];
  const block = appendStages(nodes, inits, 'latents', 'enc', stages.slice(0, 3));
  const prediction = appendStages(nodes, inits, block, 'head', stages.slice(3));
  nodes.push({ op: 'Identity', inputs: [block], outputs: ['block'] }, { op: 'Identity', inputs: [prediction], outputs: ['prediction'] });
  const model = buildOnnxModel({ inputs: [{ name: 'latents', shape: ['n', 6] }], outputs: [{ name: 'block', shape: ['n', 3] }, { name: 'prediction', shape: ['n', 2] }], initializers: inits, nodes });
  const rows = 37;
  const x = rand(rows * 6, 2);
  const out = await (await ort.InferenceSession.create(model)).run({ latents: new ort.Tensor('float32', x, [rows, 6]) });
  const wantBlock = runStages(x, rows, stages.slice(0, 3));
  const wantPrediction = runStages(x, rows, stages);
  assert.equal(wantBlock.cols, 3);
  assertClose(out.block.data as Float32Array, wantBlock.data, { abs: 1e-5, rel: 1e-5 }, 'block');
  assertClose(out.prediction.data as Float32Array, wantPrediction.data, { abs: 1e-5, rel: 1e-5 }, 'prediction');
});
