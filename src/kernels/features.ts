// Registry entry of the random-Fourier-feature kernel (assembly/features.ts): the features of a
// block of columns for the kernel CI tests, sqrt(2) cos(phase + x W), the cosine in float32.
import { forEachRowChunk, type CallOptions } from '../core/call-options.ts';
import { SpecialistError } from '../core/errors.ts';
import { checkFinite, checkMatrix, type Matrix } from '../core/tensor.ts';
import { scoped, type KernelRuntime } from './runtime.ts';

export interface FourierFeaturesInput {
  /** Points as rows, [n, b]. */
  x: Matrix;
  /** Frequencies [b, m]: column j is feature j's w. */
  w: Matrix;
  /** Phases, m values. */
  phase: Float32Array;
}

function validate(input: FourierFeaturesInput): void {
  checkMatrix('x', input.x);
  checkMatrix('w', input.w);
  if (input.w.rows !== input.x.cols) {
    throw new SpecialistError('SHAPE_MISMATCH', `w has ${input.w.rows} rows but x has ${input.x.cols} columns`, { xCols: input.x.cols, wRows: input.w.rows });
  }
  if (!(input.phase instanceof Float32Array) || input.phase.length !== input.w.cols) {
    throw new SpecialistError('SHAPE_MISMATCH', `phase must be a Float32Array of ${input.w.cols} values (one per feature)`, { argument: 'phase', features: input.w.cols });
  }
  checkFinite('phase', input.phase);
}

/** Plain TypeScript: the argument in float32 like the kernel's, the cosine in float64. */
function reference({ x, w, phase }: FourierFeaturesInput): Matrix {
  const { rows: n, cols: b } = x;
  const m = w.cols;
  const out = new Float32Array(n * m);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < m; j++) {
      let t = phase[j];
      for (let c = 0; c < b; c++) t = Math.fround(t + Math.fround(x.data[i * b + c] * w.data[c * m + j]));
      out[i * m + j] = Math.SQRT2 * Math.cos(t);
    }
  }
  return { data: out, rows: n, cols: m };
}

function wasm(kernels: KernelRuntime, { x, w, phase }: FourierFeaturesInput, options?: CallOptions): Matrix {
  const { rows: n, cols: b } = x;
  const m = w.cols;
  return scoped(kernels, (k, mem) => {
    const px = mem.alloc(x.data.byteLength);
    const pw = mem.alloc(w.data.byteLength);
    const pp = mem.alloc(phase.byteLength);
    const po = mem.alloc(n * m * 4);
    mem.f32(px, x.data.length).set(x.data);
    mem.f32(pw, w.data.length).set(w.data);
    mem.f32(pp, m).set(phase);
    forEachRowChunk(n, m * (b + 10), options, (i0, i1) => k.fourierFeatures(px, n, b, pw, pp, m, i0, i1, po));
    return { data: mem.f32(po, n * m).slice(), rows: n, cols: m };
  });
}

export const fourierFeatures = {
  name: 'fourierFeatures',
  summary: 'Random Fourier features sqrt(2) cos(phase + x W) of the rows of x (float32 cosine, Taylor series after a 2 pi reduction).',
  validate,
  reference,
  wasm,
} as const;
