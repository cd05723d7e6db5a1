// Batch normalisation without affine parameters: forward and backward.
// Registry entries (validate, float64 TypeScript reference, wasm binding) beside their code;
// the trainer calls the same exports on resident buffers.
import { SpecialistError } from '../../core/errors.ts';
import { checkFinite, checkMatrix, type Matrix } from '../../core/tensor.ts';
import { scoped, type KernelRuntime } from '../runtime.ts';
import { checkSame, mat } from './layer.ts';

export interface BatchNormForwardInput {
  x: Matrix;
  /** Default 1e-5. */
  eps?: number;
  /** Inference mode: use these statistics (both or neither) instead of the batch's. */
  mean?: Float32Array;
  invStd?: Float32Array;
}
export interface BatchNormForwardOutput {
  out: Matrix;
  mean: Float32Array;
  invStd: Float32Array;
}

function validateBatchNormForward(input: BatchNormForwardInput): void {
  checkMatrix('x', input.x);
  const eps = input.eps ?? 1e-5;
  if (!(eps > 0 && Number.isFinite(eps))) throw new SpecialistError('INVALID_ARGUMENT', `eps must be positive and finite, got ${eps}`);
  if ((input.mean === undefined) !== (input.invStd === undefined)) throw new SpecialistError('INVALID_ARGUMENT', 'give both mean and invStd, or neither');
  for (const name of ['mean', 'invStd'] as const) {
    const v = input[name];
    if (v === undefined) continue;
    if (!(v instanceof Float32Array) || v.length !== input.x.cols) throw new SpecialistError('SHAPE_MISMATCH', `${name} must be a Float32Array of length ${input.x.cols}`, { argument: name });
    checkFinite(name, v);
  }
  if (input.mean === undefined && input.x.rows < 2) throw new SpecialistError('SHAPE_MISMATCH', 'batch statistics need at least 2 rows', { rows: input.x.rows });
}

function referenceBatchNormForward(input: BatchNormForwardInput): BatchNormForwardOutput {
  const { x } = input;
  const n = x.rows, d = x.cols;
  let mean = input.mean, invStd = input.invStd;
  if (!mean || !invStd) {
    mean = new Float32Array(d);
    invStd = new Float32Array(d);
    for (let c = 0; c < d; c++) {
      let s = 0;
      for (let r = 0; r < n; r++) s += x.data[r * d + c];
      const m = s / n;
      let v = 0;
      for (let r = 0; r < n; r++) v += (x.data[r * d + c] - m) ** 2;
      mean[c] = m;
      invStd[c] = 1 / Math.sqrt(v / n + (input.eps ?? 1e-5));
    }
  }
  const out = new Float32Array(n * d);
  for (let q = 0; q < n * d; q++) out[q] = (x.data[q] - mean[q % d]) * invStd[q % d];
  return { out: mat(out, n, d), mean, invStd };
}

function wasmBatchNormForward(kernels: KernelRuntime, input: BatchNormForwardInput): BatchNormForwardOutput {
  const { x } = input;
  const n = x.rows, d = x.cols;
  return scoped(kernels, (k, mem) => {
    const px = mem.alloc(x.data.byteLength), pm = mem.alloc(d * 4), ps = mem.alloc(d * 4), po = mem.alloc(x.data.byteLength);
    mem.f32(px, x.data.length).set(x.data);
    const training = input.mean === undefined;
    if (!training) {
      mem.f32(pm, d).set(input.mean!);
      mem.f32(ps, d).set(input.invStd!);
    }
    k.batchNormForward(px, n, d, input.eps ?? 1e-5, training ? 1 : 0, pm, ps, po);
    return { out: mat(mem.f32(po, n * d).slice(), n, d), mean: mem.f32(pm, d).slice(), invStd: mem.f32(ps, d).slice() };
  });
}

export interface BatchNormBackwardInput {
  /** The normalised output of the training-mode forward pass. */
  xhat: Matrix;
  gradOut: Matrix;
  invStd: Float32Array;
}

function validateBatchNormBackward(input: BatchNormBackwardInput): void {
  checkMatrix('xhat', input.xhat);
  checkSame('gradOut', input.gradOut, input.xhat.rows, input.xhat.cols);
  if (!(input.invStd instanceof Float32Array) || input.invStd.length !== input.xhat.cols) throw new SpecialistError('SHAPE_MISMATCH', `invStd must be a Float32Array of length ${input.xhat.cols}`);
  checkFinite('invStd', input.invStd);
}

function referenceBatchNormBackward(input: BatchNormBackwardInput): Matrix {
  const { xhat, gradOut, invStd } = input;
  const n = xhat.rows, d = xhat.cols;
  const out = new Float32Array(n * d);
  for (let c = 0; c < d; c++) {
    let sg = 0, sgx = 0;
    for (let r = 0; r < n; r++) {
      sg += gradOut.data[r * d + c];
      sgx += gradOut.data[r * d + c] * xhat.data[r * d + c];
    }
    for (let r = 0; r < n; r++) out[r * d + c] = invStd[c] * (gradOut.data[r * d + c] - sg / n - (xhat.data[r * d + c] * sgx) / n);
  }
  return mat(out, n, d);
}

function wasmBatchNormBackward(kernels: KernelRuntime, input: BatchNormBackwardInput): Matrix {
  const { xhat, gradOut, invStd } = input;
  const n = xhat.rows, d = xhat.cols;
  return scoped(kernels, (k, mem) => {
    const px = mem.alloc(xhat.data.byteLength), pg = mem.alloc(xhat.data.byteLength), ps = mem.alloc(d * 4), psum = mem.alloc(d * 8), po = mem.alloc(xhat.data.byteLength);
    mem.f32(px, n * d).set(xhat.data);
    mem.f32(pg, n * d).set(gradOut.data);
    mem.f32(ps, d).set(invStd);
    k.batchNormBackward(px, pg, n, d, ps, psum, po);
    return mat(mem.f32(po, n * d).slice(), n, d);
  });
}


export const batchNormForward = {
  name: 'batchNormForward',
  summary: 'Batch normalisation without affine parameters (batch or given statistics).',
  validate: validateBatchNormForward,
  reference: referenceBatchNormForward,
  wasm: wasmBatchNormForward,
} as const;

export const batchNormBackward = {
  name: 'batchNormBackward',
  summary: 'Backward pass of training-mode batch normalisation without affine parameters.',
  validate: validateBatchNormBackward,
  reference: referenceBatchNormBackward,
  wasm: wasmBatchNormBackward,
} as const;
