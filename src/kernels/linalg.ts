import { SpecialistError } from '../core/errors.ts';
import { checkpoint, type CallOptions } from '../core/call-options.ts';
import { checkMatrix, type Matrix } from '../core/tensor.ts';
import { checkCount } from '../core/validate.ts';
import { scoped, type KernelRuntime } from './runtime.ts';

/**
 * The input of the gemm kernel, alpha op(a) op(b): the two matrices, which to transpose, the
 * scale.
 */
export interface GemmInput {
  a: Matrix;
  b: Matrix;
  /** Use a's transpose. Default false. */
  transA?: boolean;
  /** Use b's transpose. Default false. */
  transB?: boolean;
  /** Default 1. */
  alpha?: number;
  /** Default 0; with beta != 0, `c` is required and scaled into the result. */
  beta?: number;
  c?: Matrix;
}

function gemmShape(input: GemmInput): { m: number; n: number; k: number } {
  const m = input.transA ? input.a.cols : input.a.rows;
  const k = input.transA ? input.a.rows : input.a.cols;
  const kb = input.transB ? input.b.cols : input.b.rows;
  const n = input.transB ? input.b.rows : input.b.cols;
  if (k !== kb) {
    throw new SpecialistError('SHAPE_MISMATCH', `op(a) is [${m}, ${k}] but op(b) is [${kb}, ${n}]: inner sizes differ`, { m, k, kb, n });
  }
  return { m, n, k };
}

function validateGemm(input: GemmInput): void {
  checkMatrix('a', input.a);
  checkMatrix('b', input.b);
  const { m, n } = gemmShape(input);
  for (const [name, v] of [['alpha', input.alpha ?? 1], ['beta', input.beta ?? 0]] as const) {
    if (!Number.isFinite(v)) throw new SpecialistError('NON_FINITE', `${name} must be finite, got ${v}`, { argument: name });
  }
  if ((input.beta ?? 0) !== 0) {
    if (!input.c) throw new SpecialistError('INVALID_ARGUMENT', 'beta != 0 needs c', { beta: input.beta });
    checkMatrix('c', input.c);
    if (input.c.rows !== m || input.c.cols !== n) {
      throw new SpecialistError('SHAPE_MISMATCH', `c is [${input.c.rows}, ${input.c.cols}], result is [${m}, ${n}]`, { m, n });
    }
  }
}

/** Plain TypeScript in float64, as an accuracy reference. */
function referenceGemm(input: GemmInput): Matrix {
  const { m, n, k } = gemmShape(input);
  const { a, b } = input;
  const alpha = input.alpha ?? 1;
  const beta = input.beta ?? 0;
  const out = new Float32Array(m * n);
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let p = 0; p < k; p++) {
        const av = input.transA ? a.data[p * a.cols + i] : a.data[i * a.cols + p];
        const bv = input.transB ? b.data[j * b.cols + p] : b.data[p * b.cols + j];
        s += av * bv;
      }
      out[i * n + j] = alpha * s + (beta !== 0 ? beta * input.c!.data[i * n + j] : 0);
    }
  }
  return { data: out, rows: m, cols: n };
}

function wasmGemm(kernels: KernelRuntime, input: GemmInput, options?: CallOptions): Matrix {
  const { m, n, k } = gemmShape(input);
  const beta = input.beta ?? 0;
  return scoped(kernels, (kern, mem) => {
    const pa = mem.alloc(input.a.data.byteLength);
    const pb = mem.alloc(input.b.data.byteLength);
    const pc = mem.alloc(m * n * 4);
    mem.f32(pa, input.a.data.length).set(input.a.data);
    mem.f32(pb, input.b.data.length).set(input.b.data);
    if (beta !== 0) mem.f32(pc, m * n).set(input.c!.data);
    checkpoint(options, 0, 1);
    kern.gemm(input.transA ? 1 : 0, input.transB ? 1 : 0, m, n, k, input.alpha ?? 1, pa, pb, beta, pc);
    checkpoint(options, 1, 1);
    return { data: mem.f32(pc, m * n).slice(), rows: m, cols: n };
  });
}

/** The input of the kernels that take one matrix (columnMeans). */
export interface MatrixInput {
  x: Matrix;
}

/** The input of the covariance kernel. */
export interface CovarianceInput {
  x: Matrix;
  /** Divisor is rows - ddof. Default 1 (unbiased). */
  ddof?: number;
}

/** The output of the covariance kernel: column means and the covariance matrix, in float64. */
export interface CovarianceOutput {
  means: Float64Array;
  /** Row-major [cols, cols]. */
  cov: Float64Array;
}

function validateMeans(input: MatrixInput): void {
  checkMatrix('x', input.x);
}

function validateCovariance(input: CovarianceInput): void {
  checkMatrix('x', input.x);
  const ddof = input.ddof ?? 1;
  checkCount('ddof', ddof, 0, input.x.rows - 1);
}

function referenceMeans({ x }: MatrixInput): Float64Array {
  const means = new Float64Array(x.cols);
  for (let r = 0; r < x.rows; r++) for (let c = 0; c < x.cols; c++) means[c] += x.data[r * x.cols + c];
  return means.map((v) => v / x.rows);
}

function referenceCovariance(input: CovarianceInput): CovarianceOutput {
  const { x } = input;
  const means = referenceMeans(input);
  const d = x.cols;
  const cov = new Float64Array(d * d);
  for (let i = 0; i < d; i++) {
    for (let j = 0; j < d; j++) {
      let s = 0;
      for (let r = 0; r < x.rows; r++) s += (x.data[r * d + i] - means[i]) * (x.data[r * d + j] - means[j]);
      cov[i * d + j] = s / (x.rows - (input.ddof ?? 1));
    }
  }
  return { means, cov };
}

function wasmMeans(kernels: KernelRuntime, { x }: MatrixInput): Float64Array {
  return scoped(kernels, (k, mem) => {
    const px = mem.alloc(x.data.byteLength);
    const pm = mem.alloc(x.cols * 8);
    mem.f32(px, x.data.length).set(x.data);
    k.columnMeans(px, x.rows, x.cols, pm);
    return mem.f64(pm, x.cols).slice();
  });
}

function wasmCovariance(kernels: KernelRuntime, input: CovarianceInput, options?: CallOptions): CovarianceOutput {
  const { x } = input;
  const d = x.cols;
  return scoped(kernels, (k, mem) => {
    const px = mem.alloc(x.data.byteLength);
    const pm = mem.alloc(d * 8);
    const pcen = mem.alloc(d * 8);
    const pcov = mem.alloc(d * d * 8);
    mem.f32(px, x.data.length).set(x.data);
    checkpoint(options, 0, 1);
    k.covariance(px, x.rows, d, input.ddof ?? 1, pm, pcen, pcov);
    checkpoint(options, 1, 1);
    return { means: mem.f64(pm, d).slice(), cov: mem.f64(pcov, d * d).slice() };
  });
}

export const gemm = {
  name: 'gemm',
  summary: 'Dense matrix multiply C = alpha op(A) op(B) + beta C with optional transposes.',
  validate: validateGemm,
  reference: referenceGemm,
  wasm: wasmGemm,
} as const;

export const columnMeans = {
  name: 'columnMeans',
  summary: 'Column means of a row-major matrix, accumulated in float64.',
  validate: validateMeans,
  reference: referenceMeans,
  wasm: wasmMeans,
} as const;

export const covariance = {
  name: 'covariance',
  summary: 'Column means and covariance matrix (two-pass, float64 accumulation).',
  validate: validateCovariance,
  reference: referenceCovariance,
  wasm: wasmCovariance,
} as const;
