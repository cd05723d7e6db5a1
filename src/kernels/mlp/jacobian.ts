// Per-sample input Jacobians of an MLP, and the gradient of the Jacobian l1 penalty.
// Registry entries (validate, float64 TypeScript reference, wasm binding) beside their code;
// the trainer calls the same exports on resident buffers.
import { SpecialistError, throwIfAborted } from '../../core/errors.ts';
import type { CallOptions } from '../../core/call-options.ts';
import { checkMatrix, type Matrix } from '../../core/tensor.ts';
import { scoped, type KernelRuntime } from '../runtime.ts';
import { referenceDenseForward } from './dense.ts';
import { ACTIVATION_CODES, type DenseLayer, DEFAULT_SLOPE, checkLayer, act64, dact64, mat } from './layer.ts';

export interface JacobianInput {
  x: Matrix;
  /** The MLP, first layer first; layer l's w has as many rows as layer l-1 has outputs. */
  layers: DenseLayer[];
}
export interface JacobianOutput {
  /** [n, dy, din] row-major: d y_o / d x_i for each sample. */
  jacobian: Float32Array;
  /** [dy, din]: mean over samples of |J|. */
  meanAbs: Matrix;
  dy: number;
  din: number;
}

function validateMlp(x: Matrix, layers: DenseLayer[]): void {
  checkMatrix('x', x);
  if (!Array.isArray(layers) || layers.length === 0) throw new SpecialistError('INVALID_ARGUMENT', 'layers must list at least one layer');
  let width = x.cols;
  layers.forEach((layer, i) => {
    checkLayer(`layers[${i}]`, layer, width);
    width = layer.w.cols;
  });
}

function validateJacobian(input: JacobianInput): void {
  validateMlp(input.x, input.layers);
}

function referenceJacobian({ x, layers }: JacobianInput): JacobianOutput {
  const n = x.rows, din = x.cols;
  const dy = layers[layers.length - 1].w.cols;
  const jacobian = new Float32Array(n * dy * din);
  for (let s = 0; s < n; s++) {
    let h: number[] = Array.from(x.data.subarray(s * din, (s + 1) * din));
    let j: number[][] = Array.from({ length: din }, (_, i) => Array.from({ length: din }, (_, q) => (i === q ? 1 : 0)));
    for (const layer of layers) {
      const act = layer.activation ?? 'identity', slope = layer.slope ?? DEFAULT_SLOPE;
      const { w, b } = layer;
      const next: number[] = [];
      const jn: number[][] = [];
      for (let o = 0; o < w.cols; o++) {
        let pre = b[o];
        for (let p = 0; p < w.rows; p++) pre += h[p] * w.data[p * w.cols + o];
        const out = act64(pre, act, slope);
        const dv = dact64(pre, out, act, slope);
        next.push(out);
        jn.push(Array.from({ length: din }, (_, i) => {
          let v = 0;
          for (let p = 0; p < w.rows; p++) v += w.data[p * w.cols + o] * j[p][i];
          return dv * v;
        }));
      }
      h = next;
      j = jn;
    }
    for (let o = 0; o < dy; o++) for (let i = 0; i < din; i++) jacobian[(s * dy + o) * din + i] = j[o][i];
  }
  const meanAbs = new Float32Array(dy * din);
  for (let s = 0; s < n; s++) for (let q = 0; q < dy * din; q++) meanAbs[q] += Math.abs(jacobian[s * dy * din + q]) / n;
  return { jacobian, meanAbs: mat(meanAbs, dy, din), dy, din };
}

function wasmJacobian(kernels: KernelRuntime, { x, layers }: JacobianInput, options?: CallOptions): JacobianOutput {
  const n = x.rows, din = x.cols;
  const dy = layers[layers.length - 1].w.cols;
  return scoped(kernels, (k, mem) => {
    const put = (a: Float32Array) => {
      const p = mem.alloc(a.byteLength);
      mem.f32(p, a.length).set(a);
      return p;
    };
    let ph = put(x.data);
    let pj = 0;
    let width = din;
    for (const layer of layers) {
      const dout = layer.w.cols;
      const act = ACTIVATION_CODES[layer.activation ?? 'identity'], slope = layer.slope ?? DEFAULT_SLOPE;
      const pw = put(layer.w.data), pb = put(layer.b);
      const pp = mem.alloc(n * dout * 4), po = mem.alloc(n * dout * 4), pjn = mem.alloc(n * dout * din * 4);
      k.denseForward(ph, n, width, pw, dout, pb, act, slope, pp, po);
      k.jacobianLayer(pj, n, width, din, pw, dout, pp, po, act, slope, pjn);
      ph = po;
      pj = pjn;
      width = dout;
      throwIfAborted(options?.signal);
    }
    const pm = mem.alloc(dy * din * 4);
    k.meanAbsRows(pj, n, dy * din, pm);
    return { jacobian: mem.f32(pj, n * dy * din).slice(), meanAbs: mat(mem.f32(pm, dy * din).slice(), dy, din), dy, din };
  });
}


export interface JacobianL1GradInput {
  x: Matrix;
  /** [hidden (leakyRelu or identity), output (identity)]. */
  layers: [DenseLayer, DenseLayer];
  /** Penalty weight. Default 1. */
  weight?: number;
}
export interface JacobianL1GradOutput {
  /** Value of weight * mean_s sum |J_s|. */
  penalty: number;
  gradW1: Matrix;
  gradW2: Matrix;
}

function validateJacobianL1Grad(input: JacobianL1GradInput): void {
  validateMlp(input.x, input.layers);
  if (input.layers.length !== 2) throw new SpecialistError('INVALID_ARGUMENT', 'the Jacobian penalty needs a head with exactly one hidden layer');
  if (input.layers[0].activation === 'tanh') throw new SpecialistError('INVALID_ARGUMENT', 'the Jacobian penalty needs a piecewise-linear hidden activation (leakyRelu or identity)');
  if ((input.layers[1].activation ?? 'identity') !== 'identity') throw new SpecialistError('INVALID_ARGUMENT', 'the Jacobian penalty needs an identity output layer');
  if (!Number.isFinite(input.weight ?? 1)) throw new SpecialistError('NON_FINITE', `weight must be finite, got ${input.weight}`);
}

function referenceJacobianL1Grad(input: JacobianL1GradInput): JacobianL1GradOutput {
  const { x, layers } = input;
  const [l1, l2] = layers;
  const weight = input.weight ?? 1;
  const n = x.rows, din = x.cols, h = l1.w.cols, dy = l2.w.cols;
  const { jacobian } = referenceJacobian({ x, layers });
  const hidden = referenceDenseForward({ x, ...l1 });
  const act = l1.activation ?? 'identity', slope = l1.slope ?? DEFAULT_SLOPE;
  const g1 = new Float64Array(din * h), g2 = new Float64Array(h * dy);
  let penalty = 0;
  for (let s = 0; s < n; s++) {
    for (let o = 0; o < dy; o++) {
      for (let i = 0; i < din; i++) {
        const jv = jacobian[(s * dy + o) * din + i];
        penalty += (weight * Math.abs(jv)) / n;
        if (jv === 0) continue;
        const sg = Math.sign(jv);
        for (let q = 0; q < h; q++) {
          const d = (dact64(hidden.pre.data[s * h + q], 0, act, slope) * sg * weight) / n;
          g1[i * h + q] += d * l2.w.data[q * dy + o];
          g2[q * dy + o] += d * l1.w.data[i * h + q];
        }
      }
    }
  }
  return { penalty, gradW1: mat(Float32Array.from(g1), din, h), gradW2: mat(Float32Array.from(g2), h, dy) };
}

function wasmJacobianL1Grad(kernels: KernelRuntime, input: JacobianL1GradInput): JacobianL1GradOutput {
  const { x, layers } = input;
  const [l1, l2] = layers;
  const weight = input.weight ?? 1;
  const n = x.rows, din = x.cols, h = l1.w.cols, dy = l2.w.cols;
  return scoped(kernels, (k, mem) => {
    const put = (a: Float32Array) => {
      const p = mem.alloc(a.byteLength);
      mem.f32(p, a.length).set(a);
      return p;
    };
    const a1 = ACTIVATION_CODES[l1.activation ?? 'identity'], s1 = l1.slope ?? DEFAULT_SLOPE;
    const px = put(x.data), pw1 = put(l1.w.data), pb1 = put(l1.b), pw2 = put(l2.w.data), pb2 = put(l2.b);
    const pp1 = mem.alloc(n * h * 4), po1 = mem.alloc(n * h * 4), pp2 = mem.alloc(n * dy * 4);
    const pj1 = mem.alloc(n * h * din * 4), pj2 = mem.alloc(n * dy * din * 4);
    const pg1 = mem.alloc(din * h * 4), pg2 = mem.alloc(h * dy * 4), pscratch = mem.alloc(h * (1 + 2 * dy) * 4);
    k.denseForward(px, n, din, pw1, h, pb1, a1, s1, pp1, po1);
    k.denseForward(po1, n, h, pw2, dy, pb2, 0, 0, pp2, pp2);
    k.jacobianLayer(0, n, din, din, pw1, h, pp1, po1, a1, s1, pj1);
    k.jacobianLayer(pj1, n, h, din, pw2, dy, pp2, pp2, 0, 0, pj2);
    mem.f32(pg1, din * h).fill(0);
    mem.f32(pg2, h * dy).fill(0);
    k.jacobianL1Backward(pj2, pp1, n, din, h, dy, pw1, pw2, a1, s1, weight, pg1, pg2, pscratch);
    const j = mem.f32(pj2, n * dy * din);
    let penalty = 0;
    for (let q = 0; q < j.length; q++) penalty += Math.abs(j[q]);
    return { penalty: (penalty * weight) / n, gradW1: mat(mem.f32(pg1, din * h).slice(), din, h), gradW2: mat(mem.f32(pg2, h * dy).slice(), h, dy) };
  });
}


export const mlpJacobian = {
  name: 'mlpJacobian',
  summary: 'Per-sample Jacobians of an MLP with respect to its input, and their mean absolute value.',
  validate: validateJacobian,
  reference: referenceJacobian,
  wasm: wasmJacobian,
} as const;

export const jacobianL1Grad = {
  name: 'jacobianL1Grad',
  summary: 'Gradient of the l1 norm of a one-hidden-layer head\'s input Jacobian with respect to its weights.',
  validate: validateJacobianL1Grad,
  reference: referenceJacobianL1Grad,
  wasm: wasmJacobianL1Grad,
} as const;
