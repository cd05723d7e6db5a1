// Preparing a data set once for many kNN-CMI queries: each column rank-transformed (or kept), with
// seeded tie-breaking noise; and checking a query against the prepared columns.
import { SpecialistError } from '../../../core/errors.ts';
import { createRng } from '../../../core/random.ts';
import { checkMatrix, type Matrix } from '../../../core/tensor.ts';
import { digammaTable } from '../../../stats/digamma.ts';
import type { CiQuery } from '../../ci-test.ts';
import { midRanks } from '../../../stats/ranks.ts';
import { duplicateRows } from '../duplicates.ts';
import { checkQueryColumns } from '../query.ts';
import { mix32, resolveK, type Resolved } from './options.ts';

/** Mid-ranks of a column, centred on 0 (multiples of 0.5: exact in float32). */
function centredRanks(values: Float32Array): Float32Array {
  const centre = (values.length - 1) / 2;
  return Float32Array.from(midRanks(values), (rank) => rank - centre);
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
    const column = options.transform === 'rank' ? centredRanks(raw) : raw;
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

/** Checks a query against the prepared columns (constant columns and duplicated rows included); returns its blocks sorted. */
export function checkQuery(query: CiQuery, prepared: PreparedData): { x: number[]; y: number[]; z: number[] } {
  const blocks = checkQueryColumns(query, prepared.columns.length);
  for (const [name, block] of Object.entries(blocks)) {
    for (const c of block) {
      if (prepared.constant[c]) {
        throw new SpecialistError('INVALID_ARGUMENT', `column ${c} (in query.${name}) is constant: the kNN-CMI test needs variation in every column`, {
          argument: `query.${name}`,
          column: c,
          reason: 'constant',
        });
      }
    }
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
