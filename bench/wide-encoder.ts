// A wider synthetic encoder than the default world's (9 -> 9), for throughput numbers that are not
// all per-call overhead and for EP comparisons where summation order shows: 64 -> 256 -> 256 -> 64
// (LeakyRelu, Tanh, identity), built in code with appendStages. Shared by bench/encoder.ts, the
// Node test of onnxruntime-node and the browser tests.
import { buildOnnxModel, type NodeSpec, type TensorSpec } from '../src/onnx/builder.ts';
import { appendStages } from '../src/onnx/export-network.ts';
import { createRng, type NetworkStage } from 'specialist-sdk/lab';

export interface WideEncoder {
  model: Uint8Array;
  stages: NetworkStage[];
  inputDim: number;
  outputDim: number;
}

export function wideEncoder(seed = 64, widths: number[] = [64, 256, 256, 64]): WideEncoder {
  const rng = createRng(seed);
  const activations = ['leakyRelu', 'tanh', 'identity'] as const;
  const stages: NetworkStage[] = widths.slice(1).map((dout, i) => {
    const din = widths[i];
    const scale = 1 / Math.sqrt(din);
    return {
      kind: 'dense',
      din,
      dout,
      w: Float32Array.from({ length: din * dout }, () => rng.normal() * scale),
      b: Float32Array.from({ length: dout }, () => 0.1 * rng.normal()),
      activation: activations[Math.min(i, activations.length - 1)],
      slope: 0.1,
    };
  });
  const nodes: NodeSpec[] = [];
  const initializers: TensorSpec[] = [];
  const z = appendStages(nodes, initializers, 'observation', 'wide', stages);
  nodes.push({ op: 'Identity', inputs: [z], outputs: ['latent'] });
  const inputDim = widths[0];
  const outputDim = widths[widths.length - 1];
  const model = buildOnnxModel({
    graphName: 'wide-encoder',
    inputs: [{ name: 'observation', shape: ['batch', inputDim] }],
    outputs: [{ name: 'latent', shape: ['batch', outputDim] }],
    initializers,
    nodes,
  });
  return { model, stages, inputDim, outputDim };
}
