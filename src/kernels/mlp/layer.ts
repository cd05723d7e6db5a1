// What the MLP kernels share: activations (codes as the wasm side reads them), the dense layer
// type, its checks, and float64 activations for the references.
import type { Activation } from '../../core/activation.ts';
import { SpecialistError } from '../../core/errors.ts';
import { checkFinite, checkMatrix, type Matrix } from '../../core/tensor.ts';

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

export function checkSame(name: string, m: Matrix, rows: number, cols: number): void {
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

export const mat = (data: Float32Array, rows: number, cols: number): Matrix => ({ data, rows, cols });
