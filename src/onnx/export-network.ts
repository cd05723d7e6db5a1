// Turns a feed-forward network (dense layers, standardisation, column selection) into ONNX nodes,
// so trained specialist heads can run in any onnxruntime. Each stage has a TypeScript twin in
// `runStages`, which the tests compare with onnxruntime's output.
import type { Activation } from '../core/activation.ts';
import { SpecialistError } from '../core/errors.ts';
import type { NodeSpec, TensorSpec } from './builder.ts';

/**
 * One stage of a feed-forward network as the ONNX writer and its TypeScript twin read it: dense,
 * standardise or select columns.
 */
export type NetworkStage =
  | { kind: 'dense'; din: number; dout: number; w: Float32Array; b: Float32Array; activation: Activation; slope?: number }
  /** (x - mean) * invStd, per column: a batch norm without affine, with its running statistics. */
  | { kind: 'standardise'; mean: Float32Array; invStd: Float32Array }
  /** Keeps the listed columns, in order (a task's block of coordinates). */
  | { kind: 'select'; columns: number[] };

export function appendStages(nodes: NodeSpec[], initializers: TensorSpec[], input: string, prefix: string, stages: NetworkStage[]): string {
  let x = input;
  stages.forEach((stage, i) => {
    const p = `${prefix}.${i}`;
    if (stage.kind === 'dense') {
      if (stage.w.length !== stage.din * stage.dout || stage.b.length !== stage.dout) {
        throw new SpecialistError('SHAPE_MISMATCH', `stage ${p}: weights do not match [${stage.din}, ${stage.dout}]`);
      }
      initializers.push({ name: `${p}.W`, dims: [stage.din, stage.dout], data: stage.w }, { name: `${p}.b`, dims: [stage.dout], data: stage.b });
      nodes.push({ op: 'MatMul', inputs: [x, `${p}.W`], outputs: [`${p}.xw`] }, { op: 'Add', inputs: [`${p}.xw`, `${p}.b`], outputs: [`${p}.z`] });
      x = `${p}.z`;
      if (stage.activation === 'leakyRelu') {
        nodes.push({ op: 'LeakyRelu', inputs: [x], outputs: [`${p}.a`], attributes: { alpha: { float: stage.slope ?? 0.01 } } });
        x = `${p}.a`;
      } else if (stage.activation === 'tanh') {
        nodes.push({ op: 'Tanh', inputs: [x], outputs: [`${p}.a`] });
        x = `${p}.a`;
      }
    } else if (stage.kind === 'standardise') {
      initializers.push({ name: `${p}.mean`, dims: [stage.mean.length], data: stage.mean }, { name: `${p}.invStd`, dims: [stage.invStd.length], data: stage.invStd });
      nodes.push({ op: 'Sub', inputs: [x, `${p}.mean`], outputs: [`${p}.centred`] }, { op: 'Mul', inputs: [`${p}.centred`, `${p}.invStd`], outputs: [`${p}.std`] });
      x = `${p}.std`;
    } else {
      initializers.push({ name: `${p}.columns`, dims: [stage.columns.length], data: BigInt64Array.from(stage.columns, BigInt) });
      nodes.push({ op: 'Gather', inputs: [x, `${p}.columns`], outputs: [`${p}.sel`], attributes: { axis: { int: 1 } } });
      x = `${p}.sel`;
    }
  });
  return x;
}

/** The same computation in plain TypeScript (float64 accumulation), row by row over [rows, din]. */
export function runStages(input: Float32Array, rows: number, stages: NetworkStage[]): { data: Float32Array; cols: number } {
  let x = Float64Array.from(input);
  let cols = input.length / rows;
  for (const stage of stages) {
    if (stage.kind === 'dense') {
      const out = new Float64Array(rows * stage.dout);
      for (let r = 0; r < rows; r++) {
        for (let j = 0; j < stage.dout; j++) {
          let s = stage.b[j];
          for (let i = 0; i < stage.din; i++) s += x[r * cols + i] * stage.w[i * stage.dout + j];
          out[r * stage.dout + j] = stage.activation === 'leakyRelu' ? (s >= 0 ? s : (stage.slope ?? 0.01) * s) : stage.activation === 'tanh' ? Math.tanh(s) : s;
        }
      }
      x = out;
      cols = stage.dout;
    } else if (stage.kind === 'standardise') {
      x = x.map((v, idx) => (v - stage.mean[idx % cols]) * stage.invStd[idx % cols]);
    } else {
      const out = new Float64Array(rows * stage.columns.length);
      for (let r = 0; r < rows; r++) stage.columns.forEach((c, j) => (out[r * stage.columns.length + j] = x[r * cols + c]));
      x = out;
      cols = stage.columns.length;
    }
  }
  return { data: Float32Array.from(x), cols };
}
