// Bad inputs where an ONNX encoder is loaded or run.
import { join } from 'node:path';
import { writeFileSync } from 'node:fs';
import { Generalist } from '../../src/generalist/generalist.ts';
import { writeNpyFile } from '../../src/node/npy-file.ts';
import { buildOnnxModel } from '../../src/onnx/builder.ts';
import { readGraphInfo } from '../../src/onnx/graph.ts';
import { exportSpecialistOnnx } from '../../src/specialist/export-onnx.ts';
import { ProtoWriter } from '../../src/onnx/protobuf.ts';
import { encodeWith, opModel as onnxModel } from '../onnx/models.ts';
import type { Case } from './context.ts';

const ENC = 'ONNX encoders';
const neg = () => onnxModel([{ op: 'Neg', inputs: ['obs'], outputs: ['out'] }]);

export const encoderCases: Case[] = [
  { area: ENC, input: 'bytes that are not ONNX', entry: 'Generalist.load', expect: 'INVALID_FILE', run: () => Generalist.load(new TextEncoder().encode('{"not": "onnx"}')) },
  { area: ENC, input: 'truncated model', entry: 'Generalist.load', expect: 'INVALID_FILE', run: (c) => Generalist.load(c.encoder.subarray(0, c.encoder.length >> 1)) },
  {
    area: ENC, input: 'a graph field with the wrong wire type (fuzzed file)', entry: 'readGraphInfo', expect: 'INVALID_FILE',
    // The graph's value info given as a varint where a message belongs.
    run: async () => readGraphInfo(new ProtoWriter().message(7, (g) => g.int(11, 5)).finish()),
  },
  { area: ENC, input: 'ONNX file with no graph', entry: 'CLI encode --model', expect: 'INVALID_FILE', run: async (c) => { writeFileSync(join(c.dir, 'empty.onnx'), new ProtoWriter().int(1, 8).finish()); return c.cli('encode', '--model', join(c.dir, 'empty.onnx'), '--input', c.files.observations, '--out', join(c.dir, 'z.npy')); } },
  { area: ENC, input: 'model input of type int64 (token ids)', entry: 'Generalist.load', expect: 'INVALID_ARGUMENT', run: () => Generalist.load(onnxModel([{ op: 'Cast', inputs: ['obs'], outputs: ['out'], attributes: { to: { int: 1 } } }], { name: 'out' }, { name: 'obs', elemType: 'int64', shape: ['batch', 3] })) },
  { area: ENC, input: 'output laid out [features, batch]', entry: 'Generalist.encode', expect: 'SHAPE_MISMATCH', run: () => encodeWith(onnxModel([{ op: 'Transpose', inputs: ['obs'], outputs: ['out'], attributes: { perm: { ints: [1, 0] } } }]), 5) },
  { area: ENC, input: 'output [features, batch] with features = batch', entry: 'Generalist.encode', expect: 'SHAPE_MISMATCH', run: () => encodeWith(onnxModel([{ op: 'Transpose', inputs: ['obs'], outputs: ['out'], attributes: { perm: { ints: [1, 0] } } }]), 3) },
  { area: ENC, input: 'output that drops the batch axis', entry: 'Generalist.encode', expect: 'SHAPE_MISMATCH', run: () => encodeWith(onnxModel([{ op: 'ReduceMean', inputs: ['obs'], outputs: ['out'], attributes: { axes: { ints: [0] }, keepdims: { int: 0 } } }]), 200) },
  {
    area: ENC, input: 'output rows that mix the batch (x - batch mean)', entry: 'Generalist.encode', expect: 'SHAPE_MISMATCH',
    run: () => encodeWith(onnxModel([{ op: 'ReduceMean', inputs: ['obs'], outputs: ['m'], attributes: { axes: { ints: [0] }, keepdims: { int: 1 } } }, { op: 'Sub', inputs: ['obs', 'm'], outputs: ['out'] }]), 6),
  },
  { area: ENC, input: 'output holding NaN', entry: 'Generalist.encode', expect: 'NON_FINITE', run: () => encodeWith(onnxModel([{ op: 'Log', inputs: ['obs'], outputs: ['out'] }]), 4) },
  { area: ENC, input: 'output of type int64 (ArgMax)', entry: 'Generalist.encode', expect: 'INVALID_ARGUMENT', run: () => encodeWith(onnxModel([{ op: 'ArgMax', inputs: ['obs'], outputs: ['out'], attributes: { axis: { int: 1 } } }], { name: 'out', elemType: 'int64' }), 4) },
  { area: ENC, input: 'zero observations', entry: 'CLI encode --input', expect: 'INVALID_ARGUMENT', run: async (c) => { await writeNpyFile(join(c.dir, 'none.npy'), { shape: [0, c.observationDims], data: new Float32Array(0) }); return c.cli('encode', '--model', c.files.encoder, '--input', join(c.dir, 'none.npy'), '--out', join(c.dir, 'z0.npy')); } },
  { area: ENC, input: 'NaN in the observations', entry: 'Generalist.encode', expect: 'NON_FINITE', run: () => encodeWith(neg(), 4, (i) => (i === 5 ? NaN : i)) },
  { area: ENC, input: 'observation of the wrong size', entry: 'Generalist.encode', expect: 'SHAPE_MISMATCH', run: async () => { const g = await Generalist.load(neg()); try { return await g.encode({ data: new Float32Array(8), shape: [2, 4] }); } finally { await g.dispose(); } } },
  { area: ENC, input: 'negative sizes in the shape', entry: 'Generalist.encode', expect: 'SHAPE_MISMATCH', run: async () => { const g = await Generalist.load(neg()); try { return await g.encode({ data: new Float32Array(6), shape: [-2, -3] }); } finally { await g.dispose(); } } },
  { area: ENC, input: 'dynamic axis the weights reject (onnxruntime fails)', entry: 'Generalist.encode', expect: 'INVALID_ARGUMENT', run: async () => { const g = await Generalist.load(onnxModel([{ op: 'MatMul', inputs: ['obs', 'W'], outputs: ['out'] }], { name: 'out' }, { name: 'obs', shape: ['batch', 'f'] }, [{ name: 'W', dims: [3, 2], data: new Float32Array(6) }])); try { return await g.encode({ data: new Float32Array(10), shape: [2, 5] }); } finally { await g.dispose(); } } },
  { area: ENC, input: 'output name that is no tensor of the model', entry: 'Generalist.load', expect: 'INVALID_ARGUMENT', run: (c) => Generalist.load(c.encoder, { output: 'nope' }) },
  { area: ENC, input: 'a model input left without a value', entry: 'Generalist.load', expect: 'INVALID_ARGUMENT', run: () => Generalist.load(twoInputs()) },
  { area: ENC, input: 'batchSize 0', entry: 'Generalist.load', expect: 'INVALID_ARGUMENT', run: (c) => Generalist.load(c.encoder, { batchSize: 0 }) },
  { area: ENC, input: 'batchSize other than the model\'s fixed batch', entry: 'Generalist.load', expect: 'INVALID_ARGUMENT', run: () => Generalist.load(onnxModel([{ op: 'Neg', inputs: ['obs'], outputs: ['out'] }], { name: 'out' }, { name: 'obs', shape: [4, 3] }), { batchSize: 8 }) },
  {
    area: ENC, input: 'an exported head with one flipped byte', entry: 'Generalist.load', expect: 'INVALID_FILE',
    run: (c) => {
      const head = exportSpecialistOnnx(c.model, 0);
      head[head.length >> 2] ^= 0x20;
      return Generalist.load(head);
    },
  },
  {
    area: ENC, input: 'an exported head with one flipped byte', entry: 'CLI run --encoder', expect: 'INVALID_FILE',
    run: async (c) => {
      const head = exportSpecialistOnnx(c.model, 0);
      head[head.length - 30] ^= 0x01;
      writeFileSync(join(c.dir, 'flipped-head.onnx'), head);
      return c.cli('run', '--encoder', join(c.dir, 'flipped-head.onnx'), '--head', c.files.model, '--input', c.files.latents, '--out', join(c.dir, 'y-flipped.npy'), '--allow-encoder-mismatch');
    },
  },
  { area: ENC, input: 'poolAxes not integers', entry: 'Generalist.load', expect: 'INVALID_ARGUMENT', run: (c) => Generalist.load(c.encoder, { poolAxes: [1.5] }) },
  { area: ENC, input: 'unknown option (typo)', entry: 'Generalist.load', expect: 'INVALID_ARGUMENT', run: (c) => Generalist.load(c.encoder, { batchsize: 8 } as never) },
  { area: ENC, input: "device 'webgpu' in Node", entry: 'Generalist.load', expect: 'UNSUPPORTED_BUILD', run: (c) => Generalist.load(c.encoder, { device: 'webgpu' }) },
  { area: ENC, input: 'a file path where a URL is expected', entry: 'Generalist.load', expect: 'INVALID_ARGUMENT', run: () => Generalist.load('models/encoder.onnx') },
];

/** obs [batch, 3] + mask [batch, 3]: the second input needs fixedInputs. */
function twoInputs(): Uint8Array {
  return buildOnnxModel({ inputs: [{ name: 'obs', shape: ['batch', 3] }, { name: 'mask', shape: ['batch', 3] }], outputs: [{ name: 'out' }], nodes: [{ op: 'Add', inputs: ['obs', 'mask'], outputs: ['out'] }] });
}
