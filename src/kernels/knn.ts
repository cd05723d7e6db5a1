import { SpecialistError } from '../core/errors.ts';
import { forEachRowChunk, type CallOptions } from '../core/call-options.ts';
import { checkColumns, checkFinite, checkMatrix, toColumnMajor, type Matrix } from '../core/tensor.ts';
import { checkCount } from '../core/validate.ts';
import type { KernelMemory } from './memory.ts';
import { scoped, type KernelRuntime } from './runtime.ts';

/** Points are the rows of `points`; distances use the max norm over `columns` (default all). */
export interface KnnInput {
  points: Matrix;
  columns?: ArrayLike<number>;
  /** Which neighbour: 1 is the nearest other point. Needs k < rows. */
  k: number;
}

/**
 * The input of the countWithinRadius kernel: points, the columns to measure on, and one radius per
 * point.
 */
export interface RadiusCountInput {
  points: Matrix;
  columns?: ArrayLike<number>;
  /** One radius per point; a neighbour counts when its distance is strictly below it. */
  radius: Float32Array;
}

function maxNormRow(points: Matrix, cols: Int32Array, i: number, row: Float32Array): void {
  const { data, cols: width } = points;
  for (let j = 0; j < points.rows; j++) {
    let r = 0;
    for (const c of cols) r = Math.max(r, Math.abs(Math.fround(data[j * width + c] - data[i * width + c])));
    row[j] = r;
  }
}

function validateKnn(input: KnnInput): void {
  checkMatrix('points', input.points);
  checkColumns('columns', input.columns, input.points.cols);
  if (input.points.rows < 2) throw new SpecialistError('SHAPE_MISMATCH', 'kNN needs at least 2 points', { rows: input.points.rows });
  checkCount('k', input.k, 1, input.points.rows - 1);
}

function referenceKnn(input: KnnInput): Float32Array {
  const cols = checkColumns('columns', input.columns, input.points.cols);
  const n = input.points.rows;
  const out = new Float32Array(n);
  const row = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    maxNormRow(input.points, cols, i, row);
    const others = Array.from(row).filter((_, j) => j !== i).sort((x, y) => x - y);
    out[i] = others[input.k - 1];
  }
  return out;
}

/** Copies the points column-major into kernel memory with the column list; returns pointers. */
function stagePoints(mem: KernelMemory, points: Matrix, cols: Int32Array) {
  const data = mem.alloc(points.data.byteLength);
  const colsPtr = mem.alloc(cols.byteLength);
  const scratch = mem.alloc(points.rows * 4);
  return { data, colsPtr, scratch };
}

function wasmKnn(kernels: KernelRuntime, input: KnnInput, options?: CallOptions): Float32Array {
  const cols = checkColumns('columns', input.columns, input.points.cols);
  const n = input.points.rows;
  return scoped(kernels, (k, mem) => {
    const p = stagePoints(mem, input.points, cols);
    const out = mem.alloc(n * 4);
    toColumnMajor(input.points, mem.f32(p.data, input.points.data.length));
    mem.i32(p.colsPtr, cols.length).set(cols);
    forEachRowChunk(n, n * (cols.length + 2), options, (i0, i1) => k.knnDistance(p.data, n, p.colsPtr, cols.length, input.k, i0, i1, p.scratch, out));
    return mem.f32(out, n).slice();
  });
}

function validateCount(input: RadiusCountInput): void {
  checkMatrix('points', input.points);
  checkColumns('columns', input.columns, input.points.cols);
  if (!(input.radius instanceof Float32Array) || input.radius.length !== input.points.rows) {
    throw new SpecialistError('SHAPE_MISMATCH', `radius must be a Float32Array with one entry per point (${input.points.rows})`, {
      expected: input.points.rows,
      length: input.radius?.length,
    });
  }
  checkFinite('radius', input.radius);
}

function referenceCount(input: RadiusCountInput): Int32Array {
  const cols = checkColumns('columns', input.columns, input.points.cols);
  const n = input.points.rows;
  const out = new Int32Array(n);
  const row = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    maxNormRow(input.points, cols, i, row);
    let count = 0;
    for (let j = 0; j < n; j++) if (j !== i && row[j] < input.radius[i]) count++;
    out[i] = count;
  }
  return out;
}

function wasmCount(kernels: KernelRuntime, input: RadiusCountInput, options?: CallOptions): Int32Array {
  const cols = checkColumns('columns', input.columns, input.points.cols);
  const n = input.points.rows;
  return scoped(kernels, (k, mem) => {
    const p = stagePoints(mem, input.points, cols);
    const radius = mem.alloc(n * 4);
    const out = mem.alloc(n * 4);
    toColumnMajor(input.points, mem.f32(p.data, input.points.data.length));
    mem.i32(p.colsPtr, cols.length).set(cols);
    mem.f32(radius, n).set(input.radius);
    forEachRowChunk(n, n * (cols.length + 1), options, (i0, i1) => k.countWithinRadius(p.data, n, p.colsPtr, cols.length, radius, i0, i1, p.scratch, out));
    return mem.i32(out, n).slice();
  });
}

export const knnDistance = {
  name: 'knnDistance',
  summary: 'Max-norm distance from each point to its k-th nearest other point, over a subset of columns.',
  validate: validateKnn,
  reference: referenceKnn,
  wasm: wasmKnn,
} as const;

export const countWithinRadius = {
  name: 'countWithinRadius',
  summary: 'Per point, how many other points lie strictly within its radius (max norm, subset of columns).',
  validate: validateCount,
  reference: referenceCount,
  wasm: wasmCount,
} as const;
