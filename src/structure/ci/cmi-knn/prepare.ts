// Preparing a data set once for many kNN-CMI queries: each column rank-transformed (or kept), with
// seeded tie-breaking noise; and checking a query against the prepared columns.
import { SpecialistError } from '../../../core/errors.ts';
import { createRng } from '../../../core/random.ts';
import { checkMatrix, type Matrix } from '../../../core/tensor.ts';
import { digammaTable } from '../../../stats/digamma.ts';
import type { CiQuery } from '../../ci-test.ts';
import { duplicateRows } from '../duplicates.ts';
import { mix32, resolveK, type Resolved } from './options.ts';

/** Mid-ranks of a column (ties share the mean of their positions), centred on 0. */
function midRanks(values: Float32Array): Float32Array {
  const n = values.length;
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => values[a] - values[b]);
  const out = new Float32Array(n);
  for (let start = 0; start < n; ) {
    let end = start + 1;
    while (end < n && values[order[end]] === values[order[start]]) end++;
    const rank = (start + end - 1) / 2 - (n - 1) / 2; // a multiple of 0.5: exact in float32
    for (let t = start; t < end; t++) out[order[t]] = rank;
    start = end;
  }
  return out;
}

function standardDeviation(v: Float32Array): number {
  let mean = 0;
  for (const x of v) mean += x;
  mean /= v.length;
  let ss = 0;
  for (const x of v) ss += (x - mean) ** 2;
  return Math.sqrt(ss / v.length);
}

export interface PreparedData {
  n: number;
  k: number;
  /** Transformed (and jittered) columns, each n float32 values. */
  columns: Float32Array[];
  /** Columns that were constant before the jitter: no test may use them. */
  constant: boolean[];
  /** The transformed columns before the jitter, where duplicated rows are still equal. */
  exact: Float32Array[];
  psi: Float64Array;
}

export function prepareData(data: Matrix, options: Resolved, seed: number): PreparedData {
  checkMatrix('data', data);
  const n = data.rows;
  const k = resolveK(options.knn, n);
  if (n < k + 1) {
    throw new SpecialistError('INVALID_ARGUMENT', `n = ${n} rows is too small for knn = ${k}: the kNN-CMI test needs at least k + 1 rows`, {
      argument: 'knn',
      rows: n,
      knn: k,
    });
  }
  const noiseRng = createRng(mix32(seed >>> 0) ^ 0x6e6f6973);
  const columns: Float32Array[] = [];
  const constant: boolean[] = [];
  const exact: Float32Array[] = [];
  for (let c = 0; c < data.cols; c++) {
    const raw = new Float32Array(n);
    for (let r = 0; r < n; r++) raw[r] = data.data[r * data.cols + c];
    const column = options.transform === 'rank' ? midRanks(raw) : raw;
    const sd = standardDeviation(column);
    constant.push(!(sd > 0));
    exact.push(column.slice());
    const scale = options.noise * sd;
    // Draw for every column, so a column's noise does not depend on whether others are constant.
    for (let r = 0; r < n; r++) {
      const e = noiseRng.normal();
      if (scale > 0) column[r] = Math.fround(column[r] + scale * e);
    }
    columns.push(column);
  }
  return { n, k, columns, constant, exact, psi: digammaTable(n) };
}

/** Checks a query against the prepared columns; returns its blocks sorted. */
export function checkQuery(query: CiQuery, prepared: PreparedData): { x: number[]; y: number[]; z: number[] } {
  if (!query || !Array.isArray(query.x) || !Array.isArray(query.y) || !Array.isArray(query.z)) {
    throw new SpecialistError('INVALID_ARGUMENT', 'a CI query must be { x: number[], y: number[], z: number[] }', { argument: 'query' });
  }
  const width = prepared.columns.length;
  const seen = new Set<number>();
  const blocks = { x: [...query.x], y: [...query.y], z: [...query.z] };
  for (const [name, block] of Object.entries(blocks)) {
    if (name !== 'z' && block.length === 0) throw new SpecialistError('INVALID_ARGUMENT', `query.${name} must list at least one column`, { argument: `query.${name}` });
    for (const c of block) {
      if (!Number.isInteger(c) || c < 0 || c >= width) {
        throw new SpecialistError('INVALID_ARGUMENT', `query.${name} holds ${c}, which is not a column of the ${width}-column data`, { argument: `query.${name}`, column: c, width });
      }
      if (seen.has(c)) throw new SpecialistError('INVALID_ARGUMENT', `column ${c} appears more than once in the query`, { argument: 'query', column: c });
      seen.add(c);
      if (prepared.constant[c]) {
        throw new SpecialistError('INVALID_ARGUMENT', `column ${c} (in query.${name}) is constant: the kNN-CMI test needs variation in every column`, {
          argument: `query.${name}`,
          column: c,
          reason: 'constant',
        });
      }
    }
    block.sort((a, b) => a - b);
  }
  checkDuplicates(prepared, [...blocks.x, ...blocks.y, ...blocks.z]);
  return blocks;
}

/**
 * Most rows that may repeat another row on a query's columns: 1%. Measured (n = 300 + duplicates,
 * x, y independent given z, 40 data sets each): 5% duplicated rows leave the rejection rate at 0.05
 * where it was (1 / 40), 20% raise it to 6 / 40, all rows duplicated to 9 / 40.
 */
export const MAX_DUPLICATE_SHARE = 0.01;

/** Refuses a query whose rows repeat each other beyond MAX_DUPLICATE_SHARE (see duplicates.ts). */
function checkDuplicates(prepared: PreparedData, columns: number[]): void {
  const { count, first } = duplicateRows(columns.map((c) => prepared.exact[c]), prepared.n);
  if (count > MAX_DUPLICATE_SHARE * prepared.n) {
    throw new SpecialistError(
      'INVALID_ARGUMENT',
      `${count} of ${prepared.n} rows repeat another row exactly on columns [${columns.join(', ')}] (first: rows ${first![0]} and ${first![1]}); ` +
        'kNN-CMI assumes distinct, independent rows and its permutation null over-rejects on duplicates: remove the duplicated rows, or use rcot or fisherz',
      { argument: 'data', reason: 'duplicate-rows', duplicates: count, rows: prepared.n, columns, first },
    );
  }
}
