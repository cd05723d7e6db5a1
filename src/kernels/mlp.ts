// Registry entries of the MLP training kernels (assembly/mlp.ts): each validates, has a plain
// TypeScript reference in float64, and a wasm binding that copies in and out of kernel memory.
// The trainer in src/specialist/ calls the raw exports on resident buffers instead; these entries
// are the tested, user-callable face of the same code.
import { SpecialistError, throwIfAborted } from '../core/errors.ts';
import type { CallOptions } from '../core/call-options.ts';
import { checkFinite, checkMatrix, type Matrix } from '../core/tensor.ts';
import type { KernelRuntime } from './runtime.ts';

export type Activation = 'identity' | 'leakyRelu' | 'tanh';
export const ACTIVATION_CODES: Record<Activation, number> = { identity: 0, leakyRelu: 1, tanh: 2 };

/** One dense layer y = act(x W + b); W is [din, dout] row-major. */
export interface DenseLayer {
  w: Matrix;
  b: Float32Array;
  /** Default 'identity'. */
  activation?: Activation;
  /** Negative-side slope of leakyRelu, in [0, 1). Default 0.01. */
  slope?: number;
}

export const DEFAULT_SLOPE = 0.01;

export function checkLayer(name: string, layer: DenseLayer, din?: number): void {
  checkMatrix(`${name}.w`, layer.w);
  if (!(layer.b instanceof Float32Array) || layer.b.length !== layer.w.cols) {
    throw new SpecialistError('SHAPE_MISMATCH', `${name}.b must be a Float32Array of length ${layer.w.cols}`, { argument: `${name}.b` });
  }
  checkFinite(`${name}.b`, layer.b);
  const act = layer.activation ?? 'identity';
  if (!(act in ACTIVATION_CODES)) throw new SpecialistError('INVALID_ARGUMENT', `${name}.activation must be one of ${Object.keys(ACTIVATION_CODES).join(', ')}, got ${act}`);
  const slope = layer.slope ?? DEFAULT_SLOPE;
  if (!(slope >= 0 && slope < 1)) throw new SpecialistError('INVALID_ARGUMENT', `${name}.slope must be in [0, 1), got ${slope}`, { argument: `${name}.slope` });
  if (din !== undefined && layer.w.rows !== din) {
    throw new SpecialistError('SHAPE_MISMATCH', `${name}.w has ${layer.w.rows} input rows, the input has ${din} columns`, { argument: `${name}.w` });
  }
}

function checkSame(name: string, m: Matrix, rows: number, cols: number): void {
  checkMatrix(name, m);
  if (m.rows !== rows || m.cols !== cols) throw new SpecialistError('SHAPE_MISMATCH', `${name} is [${m.rows}, ${m.cols}], expected [${rows}, ${cols}]`, { argument: name });
}

export function act64(v: number, act: Activation, slope: number): number {
  if (act === 'leakyRelu') return v >= 0 ? v : slope * v;
  if (act === 'tanh') return Math.tanh(v);
  return v;
}

export function dact64(pre: number, out: number, act: Activation, slope: number): number {
  if (act === 'leakyRelu') return pre >= 0 ? 1 : slope;
  if (act === 'tanh') return 1 - out * out;
  return 1;
}

const mat = (data: Float32Array, rows: number, cols: number): Matrix => ({ data, rows, cols });

// ---- dense forward ----------------------------------------------------------------------------

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

function referenceDenseForward(input: DenseForwardInput): DenseForwardOutput {
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

function wasmDenseForward(runtime: KernelRuntime, input: DenseForwardInput): DenseForwardOutput {
  const { x, w, b } = input;
  const n = x.rows, din = x.cols, dout = w.cols;
  return runtime.scoped((k, mem) => {
    const px = mem.alloc(x.data.byteLength), pw = mem.alloc(w.data.byteLength), pb = mem.alloc(b.byteLength);
    const pp = mem.alloc(n * dout * 4), po = mem.alloc(n * dout * 4);
    mem.f32(px, x.data.length).set(x.data);
    mem.f32(pw, w.data.length).set(w.data);
    mem.f32(pb, b.length).set(b);
    k.denseForward(px, n, din, pw, dout, pb, ACTIVATION_CODES[input.activation ?? 'identity'], input.slope ?? DEFAULT_SLOPE, pp, po);
    return { pre: mat(mem.f32(pp, n * dout).slice(), n, dout), out: mat(mem.f32(po, n * dout).slice(), n, dout) };
  });
}

// ---- dense backward ---------------------------------------------------------------------------

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

function wasmDenseBackward(runtime: KernelRuntime, input: DenseBackwardInput): DenseBackwardOutput {
  const { x, w, pre, out, gradOut } = input;
  const n = x.rows, din = x.cols, dout = w.cols;
  return runtime.scoped((k, mem) => {
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

// ---- batch normalisation without affine parameters ----------------------------------------------

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

function wasmBatchNormForward(runtime: KernelRuntime, input: BatchNormForwardInput): BatchNormForwardOutput {
  const { x } = input;
  const n = x.rows, d = x.cols;
  return runtime.scoped((k, mem) => {
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

function wasmBatchNormBackward(runtime: KernelRuntime, input: BatchNormBackwardInput): Matrix {
  const { xhat, gradOut, invStd } = input;
  const n = xhat.rows, d = xhat.cols;
  return runtime.scoped((k, mem) => {
    const px = mem.alloc(xhat.data.byteLength), pg = mem.alloc(xhat.data.byteLength), ps = mem.alloc(d * 4), psum = mem.alloc(d * 8), po = mem.alloc(xhat.data.byteLength);
    mem.f32(px, n * d).set(xhat.data);
    mem.f32(pg, n * d).set(gradOut.data);
    mem.f32(ps, d).set(invStd);
    k.batchNormBackward(px, pg, n, d, ps, psum, po);
    return mat(mem.f32(po, n * d).slice(), n, d);
  });
}

// ---- Adam -------------------------------------------------------------------------------------

export interface AdamInput {
  param: Float32Array;
  grad: Float32Array;
  m: Float32Array;
  v: Float32Array;
  /** 1-based step count, for the bias corrections. */
  step: number;
  lr: number;
  /** Defaults 0.9, 0.999, 1e-8. */
  beta1?: number;
  beta2?: number;
  eps?: number;
}
export interface AdamOutput {
  param: Float32Array;
  m: Float32Array;
  v: Float32Array;
}

function validateAdam(input: AdamInput): void {
  const len = input.param?.length;
  for (const name of ['param', 'grad', 'm', 'v'] as const) {
    const a = input[name];
    if (!(a instanceof Float32Array) || a.length !== len) throw new SpecialistError('SHAPE_MISMATCH', `${name} must be a Float32Array of length ${len}`, { argument: name });
    checkFinite(name, a);
  }
  if (!Number.isInteger(input.step) || input.step < 1) throw new SpecialistError('INVALID_ARGUMENT', `step must be a positive integer, got ${input.step}`);
  if (!(input.lr > 0 && Number.isFinite(input.lr))) throw new SpecialistError('INVALID_ARGUMENT', `lr must be positive and finite, got ${input.lr}`);
  for (const [name, v] of [['beta1', input.beta1 ?? 0.9], ['beta2', input.beta2 ?? 0.999]] as const) {
    if (!(v >= 0 && v < 1)) throw new SpecialistError('INVALID_ARGUMENT', `${name} must be in [0, 1), got ${v}`);
  }
  if (!((input.eps ?? 1e-8) > 0)) throw new SpecialistError('INVALID_ARGUMENT', `eps must be positive, got ${input.eps}`);
}

function adamConstants(input: AdamInput) {
  const beta1 = input.beta1 ?? 0.9, beta2 = input.beta2 ?? 0.999;
  return { beta1, beta2, eps: input.eps ?? 1e-8, bc1: 1 - beta1 ** input.step, bc2: 1 - beta2 ** input.step };
}

function referenceAdam(input: AdamInput): AdamOutput {
  const { beta1, beta2, eps, bc1, bc2 } = adamConstants(input);
  const param = input.param.slice(), m = input.m.slice(), v = input.v.slice();
  for (let i = 0; i < param.length; i++) {
    const g = input.grad[i];
    m[i] = beta1 * input.m[i] + (1 - beta1) * g;
    v[i] = beta2 * input.v[i] + (1 - beta2) * g * g;
    param[i] = input.param[i] - (input.lr * (m[i] / bc1)) / (Math.sqrt(v[i] / bc2) + eps);
  }
  return { param, m, v };
}

function wasmAdam(runtime: KernelRuntime, input: AdamInput): AdamOutput {
  const { beta1, beta2, eps, bc1, bc2 } = adamConstants(input);
  const len = input.param.length;
  return runtime.scoped((k, mem) => {
    const [pp, pg, pm, pv] = [0, 1, 2, 3].map(() => mem.alloc(len * 4));
    mem.f32(pp, len).set(input.param);
    mem.f32(pg, len).set(input.grad);
    mem.f32(pm, len).set(input.m);
    mem.f32(pv, len).set(input.v);
    k.adamStep(pp, pg, pm, pv, len, input.lr, beta1, beta2, eps, bc1, bc2);
    return { param: mem.f32(pp, len).slice(), m: mem.f32(pm, len).slice(), v: mem.f32(pv, len).slice() };
  });
}

// ---- proximal group soft-threshold ------------------------------------------------------------

export interface GroupThresholdInput {
  /** Groups are the rows of w (for a head's first layer: one row per input coordinate). */
  w: Matrix;
  /** One threshold per row, >= 0. */
  taus: Float32Array;
}
export interface GroupThresholdOutput {
  w: Matrix;
  /** Row norms after the step. */
  norms: Float32Array;
}

function validateGroupThreshold(input: GroupThresholdInput): void {
  checkMatrix('w', input.w);
  if (!(input.taus instanceof Float32Array) || input.taus.length !== input.w.rows) throw new SpecialistError('SHAPE_MISMATCH', `taus must be a Float32Array of length ${input.w.rows}`);
  checkFinite('taus', input.taus);
  if (input.taus.some((t) => t < 0)) throw new SpecialistError('INVALID_ARGUMENT', 'taus must be non-negative');
}

function referenceGroupThreshold({ w, taus }: GroupThresholdInput): GroupThresholdOutput {
  const out = w.data.slice();
  const norms = new Float32Array(w.rows);
  for (let r = 0; r < w.rows; r++) {
    let s = 0;
    for (let c = 0; c < w.cols; c++) s += w.data[r * w.cols + c] ** 2;
    const norm = Math.sqrt(s);
    const scale = norm > taus[r] ? 1 - taus[r] / norm : 0;
    for (let c = 0; c < w.cols; c++) out[r * w.cols + c] = w.data[r * w.cols + c] * scale;
    norms[r] = norm * scale;
  }
  return { w: mat(out, w.rows, w.cols), norms };
}

function wasmGroupThreshold(runtime: KernelRuntime, { w, taus }: GroupThresholdInput): GroupThresholdOutput {
  return runtime.scoped((k, mem) => {
    const pw = mem.alloc(w.data.byteLength), pt = mem.alloc(taus.byteLength), pn = mem.alloc(w.rows * 4);
    mem.f32(pw, w.data.length).set(w.data);
    mem.f32(pt, taus.length).set(taus);
    k.groupSoftThreshold(pw, w.rows, w.cols, pt, pn);
    return { w: mat(mem.f32(pw, w.data.length).slice(), w.rows, w.cols), norms: mem.f32(pn, w.rows).slice() };
  });
}

// ---- per-sample input Jacobians of an MLP -----------------------------------------------------

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

function wasmJacobian(runtime: KernelRuntime, { x, layers }: JacobianInput, options?: CallOptions): JacobianOutput {
  const n = x.rows, din = x.cols;
  const dy = layers[layers.length - 1].w.cols;
  return runtime.scoped((k, mem) => {
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

// ---- gradient of the Jacobian l1 penalty of a one-hidden-layer head ----------------------------

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

function wasmJacobianL1Grad(runtime: KernelRuntime, input: JacobianL1GradInput): JacobianL1GradOutput {
  const { x, layers } = input;
  const [l1, l2] = layers;
  const weight = input.weight ?? 1;
  const n = x.rows, din = x.cols, h = l1.w.cols, dy = l2.w.cols;
  return runtime.scoped((k, mem) => {
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

export const adamStep = {
  name: 'adamStep',
  summary: 'One bias-corrected Adam update of a parameter vector.',
  validate: validateAdam,
  reference: referenceAdam,
  wasm: wasmAdam,
} as const;

export const groupSoftThreshold = {
  name: 'groupSoftThreshold',
  summary: 'Proximal step of a row-group l2 penalty: shrinks each row norm by its threshold, zeroing small rows.',
  validate: validateGroupThreshold,
  reference: referenceGroupThreshold,
  wasm: wasmGroupThreshold,
} as const;

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
