// Registry entries of the kNN-CMI kernels (assembly/cmi.ts): block distance matrices, nearest
// indices per row, and the fused neighbour counts of the Frenzel-Pompe estimator. The CI test in
// structure/ci/cmi-knn/query.ts calls the same exports on data it keeps in kernel memory across permutations.

import { SpecialistError } from '../core/errors.ts';
import { forEachRowChunk, type CallOptions } from '../core/call-options.ts';
import { checkColumns, checkFinite, checkMatrix, toColumnMajor, type Matrix } from '../core/tensor.ts';
import { checkCount } from '../core/validate.ts';
import { scoped, type KernelRuntime } from './runtime.ts';

export interface BlockDistancesInput {
  /** Points are the rows, [n, d]. */
  points: Matrix;
  /** Columns forming the block (max norm over them); default all. */
  columns?: ArrayLike<number>;
  /** Row-major [n, n] distances to take the max with (another block); default zeros. */
  init?: Float32Array;
}

export interface NearestIndicesInput {
  /** A square row-major [n, n] matrix of distances. */
  distances: Matrix;
  /** How many smallest entries per row (ties in index order), 1..n. */
  count: number;
}

export interface CmiCountsInput {
  /** The x block, one [n, dx] matrix per version (x itself, or x permuted). */
  x: Matrix[];
  /** Row-major [n, n] max-norm distances of the (y, z) block, or of y alone when z is empty. */
  dyz: Float32Array;
  /** Row-major [n, n] distances of the z block; absent for a marginal (no z) estimate. */
  dz?: Float32Array;
  /** Which neighbour in the joint space, 1..n-1. */
  k: number;
  /** Optional guess of each row's k-th distance; it changes the speed, never the result. */
  guess?: Float32Array;
}

export interface CmiCountsOutput {
  /** [versions, n]: distance to the k-th nearest other point in the joint (x, y, z) space. */
  eps: Float32Array;
  /** [versions, 3, n]: points strictly within eps in the (x, z), (y, z) and z spaces (self excluded); without z: n_x, n_y, n - 1. */
  counts: Int32Array;
}

// ---------------------------------------------------------------- blockDistances

function validateBlock(input: BlockDistancesInput): void {
  checkMatrix('points', input.points);
  checkColumns('columns', input.columns, input.points.cols);
  if (input.init !== undefined) checkSquare('init', input.init, input.points.rows);
}

function referenceBlock(input: BlockDistancesInput): Float32Array {
  const { data, rows: n, cols: width } = input.points;
  const cols = checkColumns('columns', input.columns, width);
  const out = input.init ? input.init.slice() : new Float32Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      let r = out[i * n + j];
      for (const c of cols) r = Math.max(r, Math.abs(Math.fround(data[j * width + c] - data[i * width + c])));
      out[i * n + j] = r;
    }
  }
  return out;
}

function wasmBlock(kernels: KernelRuntime, input: BlockDistancesInput, options?: CallOptions): Float32Array {
  const { points } = input;
  const n = points.rows;
  const cols = checkColumns('columns', input.columns, points.cols);
  return scoped(kernels, (k, mem) => {
    const data = mem.alloc(points.data.byteLength);
    const colsPtr = mem.alloc(cols.byteLength);
    const out = mem.alloc(n * n * 4);
    toColumnMajor(points, mem.f32(data, points.data.length));
    mem.i32(colsPtr, cols.length).set(cols);
    if (input.init) mem.f32(out, n * n).set(input.init);
    forEachRowChunk(n, n * (cols.length + 1), options, (i0, i1) => k.blockDistances(data, n, colsPtr, cols.length, input.init ? out : 0, out, i0, i1));
    return mem.f32(out, n * n).slice();
  });
}

// ---------------------------------------------------------------- nearestIndices

function validateNearest(input: NearestIndicesInput): void {
  checkMatrix('distances', input.distances);
  if (input.distances.rows !== input.distances.cols) {
    throw new SpecialistError('SHAPE_MISMATCH', `distances must be square, got [${input.distances.rows}, ${input.distances.cols}]`, {
      rows: input.distances.rows,
      cols: input.distances.cols,
    });
  }
  checkCount('count', input.count, 1, input.distances.rows);
}

function referenceNearest(input: NearestIndicesInput): Int32Array {
  const { data, rows: n } = input.distances;
  const s = input.count;
  const out = new Int32Array(n * s);
  const order = Array.from({ length: n }, (_, j) => j);
  for (let i = 0; i < n; i++) {
    const row = data.subarray(i * n, (i + 1) * n);
    const sorted = order.slice().sort((a, b) => row[a] - row[b] || a - b);
    out.set(sorted.slice(0, s), i * s);
  }
  return out;
}

function wasmNearest(kernels: KernelRuntime, input: NearestIndicesInput, options?: CallOptions): Int32Array {
  const n = input.distances.rows;
  const s = input.count;
  return scoped(kernels, (k, mem) => {
    const d = mem.alloc(n * n * 4);
    const vals = mem.alloc(s * 4);
    const out = mem.alloc(n * s * 4);
    mem.f32(d, n * n).set(input.distances.data);
    forEachRowChunk(n, n, options, (i0, i1) => k.nearestIndices(d, n, s, i0, i1, vals, out));
    return mem.i32(out, n * s).slice();
  });
}

// ---------------------------------------------------------------- cmiCounts

function checkSquare(name: string, d: Float32Array, n: number): void {
  if (!(d instanceof Float32Array) || d.length !== n * n) {
    throw new SpecialistError('SHAPE_MISMATCH', `${name} must be a Float32Array of n * n = ${n * n} distances`, { argument: name, expected: n * n, length: d?.length });
  }
  checkFinite(name, d, n);
}

/** Distances must be >= 0 with a zero diagonal (every point is at distance 0 from itself). */
function checkDistances(name: string, d: Float32Array, n: number): void {
  checkSquare(name, d, n);
  for (let i = 0; i < d.length; i++) {
    if (d[i] < 0) throw new SpecialistError('INVALID_ARGUMENT', `${name} holds a negative distance at row ${Math.floor(i / n)}, column ${i % n}`, { argument: name, index: i });
  }
  for (let i = 0; i < n; i++) {
    if (d[i * n + i] !== 0) throw new SpecialistError('INVALID_ARGUMENT', `${name}[${i}, ${i}] must be 0 (a point's distance to itself)`, { argument: name, row: i });
  }
}

function validateCounts(input: CmiCountsInput): void {
  if (!Array.isArray(input.x) || input.x.length === 0) {
    throw new SpecialistError('INVALID_ARGUMENT', 'x must be a non-empty array of [n, dx] matrices', { argument: 'x' });
  }
  input.x.forEach((m, i) => checkMatrix(`x[${i}]`, m, 2));
  const { rows: n, cols: dx } = input.x[0];
  input.x.forEach((m, i) => {
    if (m.rows !== n || m.cols !== dx) {
      throw new SpecialistError('SHAPE_MISMATCH', `x[${i}] is [${m.rows}, ${m.cols}] but x[0] is [${n}, ${dx}]`, { argument: 'x', index: i });
    }
  });
  checkDistances('dyz', input.dyz, n);
  if (input.dz !== undefined) checkDistances('dz', input.dz, n);
  checkCount('k', input.k, 1, n - 1);
  if (input.guess !== undefined) {
    if (!(input.guess instanceof Float32Array) || input.guess.length !== n) {
      throw new SpecialistError('SHAPE_MISMATCH', `guess must be a Float32Array with one entry per point (${n})`, { argument: 'guess', expected: n, length: input.guess?.length });
    }
    checkFinite('guess', input.guess);
  }
}

/** Plain TypeScript, float32 distances like the kernel; sorts each row instead of counting passes. */
function referenceCounts(input: CmiCountsInput): CmiCountsOutput {
  const { rows: n, cols: dx } = input.x[0];
  const { dyz, dz, k } = input;
  const versions = input.x.length;
  const eps = new Float32Array(versions * n);
  const counts = new Int32Array(versions * 3 * n);
  const dxRow = new Float32Array(n);
  const joint = new Float32Array(n);
  input.x.forEach(({ data }, p) => {
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < n; j++) {
        let r = 0;
        for (let c = 0; c < dx; c++) r = Math.max(r, Math.abs(Math.fround(data[j * dx + c] - data[i * dx + c])));
        dxRow[j] = r;
        joint[j] = Math.max(r, dyz[i * n + j]);
      }
      const e = Array.from(joint).filter((_, j) => j !== i).sort((a, b) => a - b)[k - 1];
      let nxz = 0, nyz = 0, nz = 0;
      for (let j = 0; j < n; j++) {
        if (j === i) continue;
        if (dyz[i * n + j] < e) nyz++;
        if (dz) {
          if (Math.max(dxRow[j], dz[i * n + j]) < e) nxz++;
          if (dz[i * n + j] < e) nz++;
        } else if (dxRow[j] < e) nxz++;
      }
      eps[p * n + i] = e;
      counts[(p * 3) * n + i] = nxz;
      counts[(p * 3 + 1) * n + i] = nyz;
      counts[(p * 3 + 2) * n + i] = dz ? nz : n - 1;
    }
  });
  return { eps, counts };
}

/** Kernel memory needed by one cmiCounts call (scratch rows included), in bytes. */
export function cmiCountsScratchBytes(n: number): number {
  return 4 * n * 4;
}

function wasmCounts(kernels: KernelRuntime, input: CmiCountsInput, options?: CallOptions): CmiCountsOutput {
  const { rows: n, cols: dx } = input.x[0];
  const versions = input.x.length;
  return scoped(kernels, (k, mem) => {
    const xs = mem.alloc(versions * dx * n * 4);
    const dyz = mem.alloc(n * n * 4);
    const dz = input.dz ? mem.alloc(n * n * 4) : 0;
    const guess = input.guess ? mem.alloc(n * 4) : 0;
    const scratch = mem.alloc(cmiCountsScratchBytes(n));
    const eps = mem.alloc(versions * n * 4);
    const counts = mem.alloc(versions * 3 * n * 4);
    input.x.forEach((m, p) => toColumnMajor(m, mem.f32(xs + p * dx * n * 4, dx * n)));
    mem.f32(dyz, n * n).set(input.dyz);
    if (input.dz) mem.f32(dz, n * n).set(input.dz);
    if (input.guess) mem.f32(guess, n).set(input.guess);
    forEachRowChunk(n, versions * n * (dx + 4), options, (i0, i1) =>
      k.cmiCounts(xs, dx, n, versions, dyz, dz, input.k, guess, i0, i1, scratch, eps, counts),
    );
    return { eps: mem.f32(eps, versions * n).slice(), counts: mem.i32(counts, versions * 3 * n).slice() };
  });
}

export const blockDistances = {
  name: 'blockDistances',
  summary: 'Dense [n, n] max-norm distances over a block of columns, optionally max-ed with another block.',
  validate: validateBlock,
  reference: referenceBlock,
  wasm: wasmBlock,
} as const;

export const nearestIndices = {
  name: 'nearestIndices',
  summary: 'Per row of a square distance matrix, the indices of its s smallest entries (ties by index).',
  validate: validateNearest,
  reference: referenceNearest,
  wasm: wasmNearest,
} as const;

export const cmiCounts = {
  name: 'cmiCounts',
  summary: 'Frenzel-Pompe neighbour counts: k-th joint distance and strict counts in the (x,z), (y,z), z spaces, per version of x.',
  validate: validateCounts,
  reference: referenceCounts,
  wasm: wasmCounts,
} as const;
