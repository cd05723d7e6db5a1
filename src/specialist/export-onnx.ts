// A fitted task head as a standalone ONNX model: generalist latents in, the task's specialist block
// and its prediction out, so any onnxruntime (web, node, python, mobile) can run it without this SDK.
import { SpecialistError } from '../core/errors.ts';
import { buildOnnxModel, type NodeSpec, type TensorSpec } from '../onnx/builder.ts';
import { appendStages, type NetworkStage } from '../onnx/export-network.ts';
import { VERSION } from '../core/version.ts';
import { sealOnnx } from '../io/onnx-seal.ts';
import type { Specialists } from './model.ts';
import { SLOPE, type LayerWeights } from './layers.ts';

function dense(layers: LayerWeights[]): NetworkStage[] {
  return layers.map((l) => ({ kind: 'dense', din: l.din, dout: l.dout, w: l.w, b: l.b, activation: l.activation, slope: SLOPE }));
}

/**
 * The stages of s_hat (standardise z, encoder, batch-norm statistics), of the task's head (its
 * hidden layers, then its last layer to the prediction) and for a class-coded task the class layer
 * (from the same hidden layers to the class scores).
 */
export function specialistStages(model: Specialists, task: number): { sHat: NetworkStage[]; block: NetworkStage[]; hidden: NetworkStage[]; prediction: NetworkStage[]; classScores: NetworkStage[] | null } {
  if (!Number.isInteger(task) || task < 0 || task >= model.tasks) {
    throw new SpecialistError('INVALID_ARGUMENT', `task must be an integer in [0, ${model.tasks - 1}], got ${task}`, { task });
  }
  const s = model.state;
  const sHat: NetworkStage[] = [
    { kind: 'standardise', mean: s.zMean, invStd: Float32Array.from(s.zStd, (v) => 1 / v) },
    ...dense(s.encoder),
    { kind: 'standardise', mean: s.bnMean, invStd: s.bnInvStd },
  ];
  // y * std + mean, written as a standardisation with mean' = -mean / std and invStd' = std.
  const unscale: NetworkStage = { kind: 'standardise', mean: Float32Array.from(s.yMean[task], (m, i) => -m / s.yStd[task][i]), invStd: s.yStd[task] };
  const map = s.classes?.[task];
  const head = s.heads[task];
  return {
    sHat,
    block: [{ kind: 'select', columns: s.supports[task] }],
    hidden: dense(head.slice(0, -1)),
    prediction: [...dense(head.slice(-1)), unscale],
    classScores: map ? dense([map.scores]) : null,
  };
}

/** Options of exportSpecialistOnnx. */
export interface ExportOnnxOptions {
  /** SHA-256 of the generalist encoder, recorded in the model's metadata. */
  encoderSha256?: string;
}

/**
 * ONNX bytes with input "latents" [n, d] and outputs "block" [n, |I_k|] and "prediction" [n, dy],
 * and for a class-coded task (Specialists.classCodes) "classScores" [n, classes], whose largest
 * entry is the class (Specialists.classify), with the class codes in the metadata field `classCodes`
 * (JSON, [classes][dy]). Sealed with a SHA-256 in its metadata (io/onnx-seal.ts) that every load
 * through the SDK checks.
 */
export function exportSpecialistOnnx(model: Specialists, task: number, options: ExportOnnxOptions = {}): Uint8Array {
  const { sHat, block, hidden, prediction, classScores } = specialistStages(model, task);
  const nodes: NodeSpec[] = [];
  const initializers: TensorSpec[] = [];
  const s = appendStages(nodes, initializers, 'latents', 'shat', sHat);
  const b = appendStages(nodes, initializers, s, 'block', block);
  const h = appendStages(nodes, initializers, s, `head${task}.hidden`, hidden);
  const y = appendStages(nodes, initializers, h, `head${task}`, prediction);
  nodes.push({ op: 'Identity', inputs: [b], outputs: ['block'] }, { op: 'Identity', inputs: [y], outputs: ['prediction'] });
  const codes = model.classCodes(task);
  if (classScores && codes) {
    const c = appendStages(nodes, initializers, h, `head${task}.classes`, classScores);
    nodes.push({ op: 'Identity', inputs: [c], outputs: ['classScores'] });
  }
  const dy = model.state.taskDims[task];
  return sealOnnx(buildOnnxModel({
    graphName: `specialist-task-${task}`,
    inputs: [{ name: 'latents', shape: ['n', model.state.d] }],
    outputs: [
      { name: 'block', shape: ['n', model.state.supports[task].length] },
      { name: 'prediction', shape: ['n', dy] },
      ...(codes ? [{ name: 'classScores', shape: ['n', codes.shape[0]] }] : []),
    ],
    initializers,
    nodes,
    metadata: {
      producer: `specialist ${VERSION}`,
      task: String(task),
      support: JSON.stringify(model.state.supports[task]),
      ...(codes ? { classCodes: JSON.stringify(Array.from({ length: codes.shape[0] }, (_, c) => Array.from(codes.data.subarray(c * dy, (c + 1) * dy)))) } : {}),
      ...(options.encoderSha256 ? { encoderSha256: options.encoderSha256 } : {}),
    },
  }));
}
