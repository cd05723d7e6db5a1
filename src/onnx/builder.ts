// Builds ONNX models in code (no Python): the synthetic generalist encoder, exported specialist
// heads, and the small graphs the tests need. Field numbers follow onnx.proto (IR version 8).
import { ProtoWriter } from './protobuf.ts';

export type ElemType = 'float32' | 'int64';
const ELEM: Record<ElemType, number> = { float32: 1, int64: 7 };

export type AttributeValue = { float: number } | { int: number } | { floats: number[] } | { ints: number[] } | { string: string };

export interface NodeSpec {
  op: string;
  inputs: string[];
  outputs: string[];
  name?: string;
  attributes?: Record<string, AttributeValue>;
}

export interface ValueSpec {
  name: string;
  elemType?: ElemType;
  /** Numbers are fixed sizes, strings are named dynamic axes; omit for an unknown shape. */
  shape?: (number | string)[];
}

export interface TensorSpec {
  name: string;
  dims: number[];
  data: Float32Array | BigInt64Array;
}

export interface ModelSpec {
  graphName?: string;
  /** Default opset 17 (ReduceMean still takes axes as an attribute there). */
  opset?: number;
  producer?: string;
  inputs: ValueSpec[];
  outputs: ValueSpec[];
  initializers?: TensorSpec[];
  nodes: NodeSpec[];
  metadata?: Record<string, string>;
}

export const DEFAULT_OPSET = 17;
const IR_VERSION = 8;

function writeValueInfo(w: ProtoWriter, v: ValueSpec): void {
  w.string(1, v.name);
  w.message(2, (type) =>
    type.message(1, (tensor) => {
      tensor.int(1, ELEM[v.elemType ?? 'float32']);
      if (v.shape) {
        tensor.message(2, (shape) => {
          for (const d of v.shape!) shape.message(1, (dim) => (typeof d === 'number' ? dim.int(1, d) : dim.string(2, d)));
        });
      }
    }),
  );
}

export function writeTensor(w: ProtoWriter, t: TensorSpec): void {
  w.packedInts(1, t.dims);
  w.int(2, t.data instanceof Float32Array ? ELEM.float32 : ELEM.int64);
  w.string(8, t.name);
  // raw_data is little-endian; typed arrays are little-endian on every platform we run on.
  w.bytes(9, new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength));
}

export function writeNode(w: ProtoWriter, n: NodeSpec): void {
  for (const i of n.inputs) w.string(1, i);
  for (const o of n.outputs) w.string(2, o);
  if (n.name) w.string(3, n.name);
  w.string(4, n.op);
  for (const [name, value] of Object.entries(n.attributes ?? {})) {
    w.message(5, (a) => {
      a.string(1, name);
      if ('float' in value) a.float(2, value.float).int(20, 1);
      else if ('int' in value) a.int(3, value.int).int(20, 2);
      else if ('string' in value) a.string(4, value.string).int(20, 3);
      else if ('floats' in value) {
        for (const f of value.floats) a.float(7, f);
        a.int(20, 6);
      } else {
        a.packedInts(8, value.ints);
        a.int(20, 7);
      }
    });
  }
}

export function buildOnnxModel(spec: ModelSpec): Uint8Array {
  const w = new ProtoWriter();
  w.int(1, IR_VERSION);
  w.string(2, spec.producer ?? 'specialist');
  w.message(7, (g) => {
    for (const n of spec.nodes) g.message(1, (node) => writeNode(node, n));
    g.string(2, spec.graphName ?? 'graph');
    for (const t of spec.initializers ?? []) g.message(5, (tensor) => writeTensor(tensor, t));
    for (const v of spec.inputs) g.message(11, (vi) => writeValueInfo(vi, v));
    for (const v of spec.outputs) g.message(12, (vi) => writeValueInfo(vi, v));
  });
  w.message(8, (op) => op.string(1, '').int(2, spec.opset ?? DEFAULT_OPSET));
  for (const [key, value] of Object.entries(spec.metadata ?? {})) w.message(14, (m) => m.string(1, key).string(2, value));
  return w.finish();
}

/** Appends `x W + b` (and an activation) to a node list; returns the output name. */
export function denseLayer(
  nodes: NodeSpec[],
  initializers: TensorSpec[],
  input: string,
  prefix: string,
  weight: Float32Array,
  bias: Float32Array,
  inDim: number,
  outDim: number,
  activation: { op: 'LeakyRelu'; alpha: number } | { op: 'Tanh' } | null,
): string {
  initializers.push({ name: `${prefix}.W`, dims: [inDim, outDim], data: weight }, { name: `${prefix}.b`, dims: [outDim], data: bias });
  nodes.push({ op: 'MatMul', inputs: [input, `${prefix}.W`], outputs: [`${prefix}.xw`] });
  nodes.push({ op: 'Add', inputs: [`${prefix}.xw`, `${prefix}.b`], outputs: [`${prefix}.z`] });
  if (!activation) return `${prefix}.z`;
  nodes.push({
    op: activation.op,
    inputs: [`${prefix}.z`],
    outputs: [`${prefix}.a`],
    attributes: activation.op === 'LeakyRelu' ? { alpha: { float: activation.alpha } } : undefined,
  });
  return `${prefix}.a`;
}
