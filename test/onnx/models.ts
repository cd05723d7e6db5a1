// Small ONNX models built in code for the tests, each with its plain TypeScript twin.
import { buildOnnxModel, denseLayer, type NodeSpec, type TensorSpec, type ValueSpec } from '../../src/onnx/builder.ts';
import { Generalist } from '../../src/generalist/generalist.ts';
import { createRng } from '../helpers.ts';

/** obs [batch, 3] -> LeakyRelu(0.2) hidden [batch, 4] -> latent [batch, 2]. */
export function twoLayerModel(opset: number) {
  const rng = createRng(31);
  const rand = (n: number) => Float32Array.from({ length: n }, () => rng.normal());
  const [w0, b0, w1, b1] = [rand(12), rand(4), rand(8), rand(2)];
  const nodes: NodeSpec[] = [];
  const inits: TensorSpec[] = [];
  const h = denseLayer(nodes, inits, 'obs', 'l0', w0, b0, 3, 4, { op: 'LeakyRelu', alpha: 0.2 });
  const z = denseLayer(nodes, inits, h, 'l1', w1, b1, 4, 2, null);
  nodes.push({ op: 'Identity', inputs: [z], outputs: ['latent'] });
  const model = buildOnnxModel({ opset, inputs: [{ name: 'obs', shape: ['batch', 3] }], outputs: [{ name: 'latent', shape: ['batch', 2] }], initializers: inits, nodes });
  // The same network in plain TypeScript.
  const forward = (x: number[]) => {
    const hidden = [0, 1, 2, 3].map((j) => {
      const v = x.reduce((s, xi, i) => s + xi * w0[i * 4 + j], b0[j]);
      return v > 0 ? v : 0.2 * v;
    });
    return { hidden, latent: [0, 1].map((j) => hidden.reduce((s, hi, i) => s + hi * w1[i * 2 + j], b1[j])) };
  };
  return { model, forward };
}

/** A one-input, one-output model from `nodes` (input "obs" [batch, 3], output "out"). */
export function opModel(nodes: NodeSpec[], output: ValueSpec = { name: 'out' }, input: ValueSpec = { name: 'obs', shape: ['batch', 3] }, initializers: TensorSpec[] = []): Uint8Array {
  return buildOnnxModel({ inputs: [input], outputs: [output], nodes, initializers });
}

/** `rows` observations of 3 values: (i % 7) - 3 unless `fill` says otherwise. */
export const observations = (rows: number, fill = (i: number) => (i % 7) - 3) => ({ data: Float32Array.from({ length: rows * 3 }, (_, i) => fill(i)), shape: [rows, 3] });

/** Loads `model`, encodes `rows` observations, releases the session. */
export async function encodeWith(model: Uint8Array, rows: number, fill?: (i: number) => number) {
  const g = await Generalist.load(model);
  try {
    return await g.encode(observations(rows, fill));
  } finally {
    await g.dispose();
  }
}
