import { SpecialistError } from '../core/errors.ts';
import { forEachRowChunk, type CallOptions } from '../core/call-options.ts';
import { checkMatrix, type Matrix } from '../core/tensor.ts';
import { scoped, type KernelRuntime } from './runtime.ts';

/** The distance of pairwiseDistances: 'max' (Chebyshev, the kNN-CMI norm) or 'sqeuclidean'. */
export type DistanceMetric = 'max' | 'sqeuclidean';

/** The input of the pairwiseDistances kernel: one or two point sets and the metric. */
export interface PairwiseInput {
  /** Rows are points, [na, d]. */
  a: Matrix;
  /** Second point set [nb, d]; default `a` (all pairs within one set). */
  b?: Matrix;
  /** 'max' (Chebyshev, the kNN-CMI norm) or 'sqeuclidean'. */
  metric: DistanceMetric;
}

function validate(input: PairwiseInput): void {
  checkMatrix('a', input.a);
  if (input.b) checkMatrix('b', input.b);
  const b = input.b ?? input.a;
  if (b.cols !== input.a.cols) {
    throw new SpecialistError('SHAPE_MISMATCH', `a has ${input.a.cols} columns but b has ${b.cols}`, { aCols: input.a.cols, bCols: b.cols });
  }
  if (input.metric !== 'max' && input.metric !== 'sqeuclidean') {
    throw new SpecialistError('INVALID_ARGUMENT', `metric must be 'max' or 'sqeuclidean', got ${input.metric}`, { metric: input.metric });
  }
}

/** Plain TypeScript, float32 arithmetic like the kernel. */
function reference(input: PairwiseInput): Matrix {
  const a = input.a;
  const b = input.b ?? a;
  const d = a.cols;
  const out = new Float32Array(a.rows * b.rows);
  const maxNorm = input.metric === 'max';
  for (let i = 0; i < a.rows; i++) {
    const ai = i * d;
    for (let j = 0; j < b.rows; j++) {
      const bj = j * d;
      let r = 0;
      if (maxNorm) {
        for (let c = 0; c < d; c++) r = Math.max(r, Math.abs(Math.fround(a.data[ai + c] - b.data[bj + c])));
      } else {
        for (let c = 0; c < d; c++) {
          const e = Math.fround(a.data[ai + c] - b.data[bj + c]);
          r = Math.fround(r + Math.fround(e * e));
        }
      }
      out[i * b.rows + j] = r;
    }
  }
  return { data: out, rows: a.rows, cols: b.rows };
}

function wasm(kernels: KernelRuntime, input: PairwiseInput, options?: CallOptions): Matrix {
  const a = input.a;
  const b = input.b ?? a;
  return scoped(kernels, (k, mem) => {
    const pa = mem.alloc(a.data.byteLength);
    const pb = b === a ? pa : mem.alloc(b.data.byteLength);
    const po = mem.alloc(a.rows * b.rows * 4);
    mem.f32(pa, a.data.length).set(a.data);
    if (pb !== pa) mem.f32(pb, b.data.length).set(b.data);
    const fn = input.metric === 'max' ? k.pairwiseMaxNorm : k.pairwiseSqEuclidean;
    forEachRowChunk(a.rows, b.rows * a.cols, options, (i0, i1) => fn(pa, pb, a.rows, b.rows, a.cols, i0, i1, po));
    return { data: mem.f32(po, a.rows * b.rows).slice(), rows: a.rows, cols: b.rows };
  });
}

export const pairwiseDistances = {
  name: 'pairwiseDistances',
  summary: 'All pairwise distances between the rows of a and b (max norm or squared Euclidean), tiled.',
  validate,
  reference,
  wasm,
} as const;
