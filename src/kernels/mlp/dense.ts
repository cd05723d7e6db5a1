// Dense layers: forward (act(x W + b), keeping pre-activations) and backward.
// Registry entries (validate, float64 TypeScript reference, wasm binding) beside their code;
// the trainer calls the same exports on resident buffers.
import { checkMatrix, type Matrix } from '../../core/tensor.ts';
import { scoped, type KernelRuntime } from '../runtime.ts';
import { ACTIVATION_CODES, type DenseLayer, DEFAULT_SLOPE, checkLayer, checkSame, act64, dact64, mat } from './layer.ts';

export interface DenseForwardInput extends DenseLayer {
  x: Matrix;
}
export interface DenseForwardOutput {
  pre: Matrix;
  out: Matrix;
}

function validateDenseForward(input: DenseForwardInput): void {
  checkMatrix('x', input.x);
  checkLayer('layer', input, input.x.cols);
}

export function referenceDenseForward(input: DenseForwardInput): DenseForwardOutput {
  const { x, w, b } = input;
  const act = input.activation ?? 'identity';
  const slope = input.slope ?? DEFAULT_SLOPE;
  const pre = new Float32Array(x.rows * w.cols);
  const out = new Float32Array(x.rows * w.cols);
  for (let r = 0; r < x.rows; r++) {
    for (let j = 0; j < w.cols; j++) {
      let s = b[j];
      for (let p = 0; p < w.rows; p++) s += x.data[r * x.cols + p] * w.data[p * w.cols + j];
      pre[r * w.cols + j] = s;
      out[r * w.cols + j] = act64(s, act, slope);
    }
  }
  return { pre: mat(pre, x.rows, w.cols), out: mat(out, x.rows, w.cols) };
}

function wasmDenseForward(kernels: KernelRuntime, input: DenseForwardInput): DenseForwardOutput {
  const { x, w, b } = input;
  const n = x.rows, din = x.cols, dout = w.cols;
  return scoped(kernels, (k, mem) => {
    const px = mem.alloc(x.data.byteLength), pw = mem.alloc(w.data.byteLength), pb = mem.alloc(b.byteLength);
    const pp = mem.alloc(n * dout * 4), po = mem.alloc(n * dout * 4);
    mem.f32(px, x.data.length).set(x.data);
    mem.f32(pw, w.data.length).set(w.data);
    mem.f32(pb, b.length).set(b);
    k.denseForward(px, n, din, pw, dout, pb, ACTIVATION_CODES[input.activation ?? 'identity'], input.slope ?? DEFAULT_SLOPE, pp, po);
    return { pre: mat(mem.f32(pp, n * dout).slice(), n, dout), out: mat(mem.f32(po, n * dout).slice(), n, dout) };
  });
}


export interface DenseBackwardInput extends DenseLayer {
  x: Matrix;
  /** Pre-activations and outputs of the forward pass. */
  pre: Matrix;
  out: Matrix;
  /** dL/d out. */
  gradOut: Matrix;
}
export interface DenseBackwardOutput {
  gradW: Matrix;
  gradB: Float32Array;
  gradX: Matrix;
}

function validateDenseBackward(input: DenseBackwardInput): void {
  validateDenseForward(input);
  for (const name of ['pre', 'out', 'gradOut'] as const) checkSame(name, input[name], input.x.rows, input.w.cols);
}

function referenceDenseBackward(input: DenseBackwardInput): DenseBackwardOutput {
  const { x, w, pre, out, gradOut } = input;
  const act = input.activation ?? 'identity';
  const slope = input.slope ?? DEFAULT_SLOPE;
  const n = x.rows, din = x.cols, dout = w.cols;
  const gp = new Float64Array(n * dout);
  for (let q = 0; q < n * dout; q++) gp[q] = gradOut.data[q] * dact64(pre.data[q], out.data[q], act, slope);
  const gradW = new Float32Array(din * dout), gradB = new Float32Array(dout), gradX = new Float32Array(n * din);
  for (let p = 0; p < din; p++) {
    for (let j = 0; j < dout; j++) {
      let s = 0;
      for (let r = 0; r < n; r++) s += x.data[r * din + p] * gp[r * dout + j];
      gradW[p * dout + j] = s;
    }
  }
  for (let j = 0; j < dout; j++) {
    let s = 0;
    for (let r = 0; r < n; r++) s += gp[r * dout + j];
    gradB[j] = s;
  }
  for (let r = 0; r < n; r++) {
    for (let p = 0; p < din; p++) {
      let s = 0;
      for (let j = 0; j < dout; j++) s += gp[r * dout + j] * w.data[p * dout + j];
      gradX[r * din + p] = s;
    }
  }
  return { gradW: mat(gradW, din, dout), gradB, gradX: mat(gradX, n, din) };
}

function wasmDenseBackward(kernels: KernelRuntime, input: DenseBackwardInput): DenseBackwardOutput {
  const { x, w, pre, out, gradOut } = input;
  const n = x.rows, din = x.cols, dout = w.cols;
  return scoped(kernels, (k, mem) => {
    const put = (a: Float32Array) => {
      const p = mem.alloc(a.byteLength);
      mem.f32(p, a.length).set(a);
      return p;
    };
    const px = put(x.data), pw = put(w.data), pp = put(pre.data), po = put(out.data), pg = put(gradOut.data);
    const pgp = mem.alloc(n * dout * 4), pgw = mem.alloc(din * dout * 4), pgb = mem.alloc(dout * 4), pgx = mem.alloc(n * din * 4);
    k.denseBackward(px, n, din, pw, dout, pp, po, pg, ACTIVATION_CODES[input.activation ?? 'identity'], input.slope ?? DEFAULT_SLOPE, pgp, pgw, pgb, pgx, 0);
    return { gradW: mat(mem.f32(pgw, din * dout).slice(), din, dout), gradB: mem.f32(pgb, dout).slice(), gradX: mat(mem.f32(pgx, n * din).slice(), n, din) };
  });
}


export const denseForward = {
  name: 'denseForward',
  summary: 'Dense layer forward pass act(x W + b) (identity, leaky ReLU or tanh), keeping pre-activations.',
  validate: validateDenseForward,
  reference: referenceDenseForward,
  wasm: wasmDenseForward,
} as const;

export const denseBackward = {
  name: 'denseBackward',
  summary: 'Dense layer backward pass: gradients of W, b and the input.',
  validate: validateDenseBackward,
  reference: referenceDenseBackward,
  wasm: wasmDenseBackward,
} as const;
