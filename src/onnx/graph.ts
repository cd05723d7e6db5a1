// Reading and editing an ONNX model at the protobuf level: list the graph's inputs, outputs and
// every tensor that nodes produce, and expose an internal tensor as an extra graph output
// (optionally mean-pooled over axes) before a session is created.
import { SpecialistError } from '../core/errors.ts';
import { DEFAULT_OPSET, writeNode } from './builder.ts';
import { ProtoWriter, fieldString, payload, scanFields, varint, type ProtoField } from './protobuf.ts';

/**
 * One input or output of an ONNX graph: its name, element type (ONNX's TensorProto code) and
 * shape.
 */
export interface GraphValue {
  name: string;
  elemType: number;
  /** Fixed sizes as numbers, dynamic axes as their names (or '?' when unnamed); undefined when unknown. */
  shape?: (number | string)[];
}

/**
 * What readGraphInfo reads from an ONNX model: its opset, inputs, outputs and every tensor a node
 * produces.
 */
export interface GraphInfo {
  opset: number;
  inputs: GraphValue[];
  outputs: GraphValue[];
  /** Names of every tensor a node produces, in node order. */
  nodeOutputs: string[];
  nodes: { op: string; inputs: string[]; outputs: string[] }[];
  initializers: string[];
}

function sub(fields: ProtoField[], field: number): ProtoField[] {
  return fields.filter((f) => f.field === field);
}

/** The fields of a nested message; INVALID_FILE when the field is not one. */
function message(f: ProtoField, what = 'ONNX model'): ProtoField[] {
  return scanFields(payload(f, what), what);
}

/** ONNX dims are int64; a size beyond 2^31 (or a negative one, stored as 2^64 - x) is damage. */
const MAX_DIM = 2 ** 31 - 1;

function readDim(dim: ProtoField): number | string {
  const df = message(dim);
  const fixed = sub(df, 1)[0];
  if (fixed) {
    const size = varint(fixed);
    if (size > BigInt(MAX_DIM)) throw new SpecialistError('INVALID_FILE', `ONNX model: a tensor dimension of ${BigInt.asIntN(64, size)} is out of range`, { offset: fixed.start });
    return Number(size);
  }
  const param = sub(df, 2)[0];
  return param ? fieldString(param) : '?';
}

function readValueInfo(f: ProtoField): GraphValue {
  const fields = message(f);
  const nameField = sub(fields, 1)[0];
  const value: GraphValue = { name: nameField ? fieldString(nameField) : '', elemType: 0 };
  const type = sub(fields, 2)[0];
  const tensor = type && sub(message(type), 1)[0];
  if (tensor) {
    const tf = message(tensor);
    const elemType = sub(tf, 1)[0];
    value.elemType = elemType ? Number(BigInt.asIntN(32, varint(elemType))) : 0;
    const shape = sub(tf, 2)[0];
    if (shape) value.shape = sub(message(shape), 1).map(readDim);
  }
  return value;
}

function graphField(model: Uint8Array): { fields: ProtoField[]; graph: ProtoField } {
  if (!(model instanceof Uint8Array)) throw new SpecialistError('INVALID_ARGUMENT', 'An ONNX model must be given as bytes (Uint8Array or ArrayBuffer)');
  const fields = scanFields(model);
  const graphs = sub(fields, 7);
  if (graphs.length !== 1 || graphs[0].wire !== 2) {
    throw new SpecialistError('INVALID_FILE', 'Not an ONNX model: no graph found', { graphs: graphs.length });
  }
  return { fields, graph: graphs[0] };
}

/**
 * Reads an ONNX model's opset, inputs, outputs and internal tensor names without running it;
 * damaged bytes are INVALID_FILE.
 */
export function readGraphInfo(model: Uint8Array): GraphInfo {
  const { fields, graph } = graphField(model);
  const g = message(graph, 'ONNX graph');
  const opsets = sub(fields, 8).map((f) => {
    const of = message(f);
    const domain = sub(of, 1)[0];
    const version = sub(of, 2)[0];
    return { domain: domain ? fieldString(domain) : '', version: version ? Number(BigInt.asIntN(64, varint(version))) : 0 };
  });
  const initializers = sub(g, 5).map((t) => {
    const name = sub(message(t), 8)[0];
    return name ? fieldString(name) : '';
  });
  const initSet = new Set(initializers);
  const nodes = sub(g, 1).map((n) => {
    const nf = message(n);
    return { op: sub(nf, 4).map(fieldString)[0] ?? '', inputs: sub(nf, 1).map(fieldString), outputs: sub(nf, 2).map(fieldString) };
  });
  return {
    opset: opsets.find((o) => o.domain === '' || o.domain === 'ai.onnx')?.version ?? DEFAULT_OPSET,
    inputs: sub(g, 11).map(readValueInfo).filter((v) => !initSet.has(v.name)),
    outputs: sub(g, 12).map(readValueInfo),
    nodeOutputs: nodes.flatMap((n) => n.outputs),
    nodes,
    initializers,
  };
}

export interface ExposeOptions {
  /** Mean-pool the tensor over these axes (keepdims off), e.g. spatial axes [2, 3] of NCHW. */
  poolAxes?: number[];
}

/**
 * Returns a copy of `model` whose graph has one more output: the internal tensor `tensor`
 * (pooled when asked). The new output's name is returned with it.
 */
export function exposeTensor(model: Uint8Array, tensor: string, options: ExposeOptions = {}): { model: Uint8Array; output: string } {
  const info = readGraphInfo(model);
  const known = new Set([...info.nodeOutputs, ...info.inputs.map((i) => i.name)]);
  if (!known.has(tensor)) {
    const sample = info.nodeOutputs.slice(0, 12).join(', ');
    throw new SpecialistError('INVALID_ARGUMENT', `The model has no tensor named "${tensor}"; tensors include: ${sample}${info.nodeOutputs.length > 12 ? ', ...' : ''}`, {
      tensor,
      available: info.nodeOutputs.length,
    });
  }
  const { graph } = graphField(model);
  const extra = new ProtoWriter();
  let output = tensor;
  const axes = options.poolAxes ?? [];
  if (!Array.isArray(axes) || axes.some((a) => !Number.isInteger(a) || Math.abs(a) > 64)) {
    throw new SpecialistError('INVALID_ARGUMENT', `poolAxes must list integer axes of the tensor (negative counts from the end), got ${JSON.stringify(options.poolAxes)}`, { argument: 'poolAxes' });
  }
  if (axes.length > 0) {
    output = `${tensor}::pooled`;
    if (info.opset >= 18) {
      // From opset 18 ReduceMean takes its axes as an input tensor.
      const axesName = `${output}::axes`;
      extra.message(5, (t) => t.packedInts(1, [axes.length]).int(2, 7).string(8, axesName).bytes(9, new Uint8Array(BigInt64Array.from(axes, BigInt).buffer)));
      extra.message(1, (n) => writeNode(n, { op: 'ReduceMean', inputs: [tensor, axesName], outputs: [output], attributes: { keepdims: { int: 0 } } }));
    } else {
      extra.message(1, (n) => writeNode(n, { op: 'ReduceMean', inputs: [tensor], outputs: [output], attributes: { axes: { ints: axes }, keepdims: { int: 0 } } }));
    }
  }
  if (!info.outputs.some((o) => o.name === output)) {
    extra.message(12, (vi) => vi.string(1, output).message(2, (type) => type.message(1, (t) => t.int(1, 1))));
  }
  const newGraph = new ProtoWriter().raw(payload(graph)).raw(extra.finish()).finish();
  const rebuilt = new ProtoWriter()
    .raw(model.subarray(0, graph.start))
    .bytes(7, newGraph)
    .raw(model.subarray(graph.end))
    .finish();
  return { model: rebuilt, output };
}
