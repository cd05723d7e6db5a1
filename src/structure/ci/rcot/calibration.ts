// RCoT's scaling fixed in advance: each column's centre and scale and each block's bandwidth, taken
// from a pilot sample (or given) instead of from the data being tested. A test over all rows and
// shards that each see a part of them then compute the very same features for every row, which is
// what lets a sharded run merge RCoT's statistics (src/scale/, docs/scale.md). The features only
// need a sensible scale: a pilot of a few hundred episodes gives one.
import { SpecialistError } from '../../../core/errors.ts';
import type { Matrix } from '../../../core/tensor.ts';
import { transformColumns } from '../columns.ts';
import { Bandwidths } from '../random-features.ts';

/**
 * RCoT's scaling fixed in advance (`RcotOptions.calibration`): each column's centre and scale and
 * each tested block's bandwidth, from a pilot sample (`calibrateShards`) or given, so that shards
 * which each see a part of the rows compute the same features (docs/scale.md).
 */
export interface RcotCalibration {
  /** Per column of the tested matrix: subtracted first... */
  centre: number[];
  /** ...then divided by this (positive). */
  scale: number[];
  /** The bandwidth (median distance on the scaled columns) of every block the run tests, by its sorted columns. */
  bandwidths: { columns: number[]; sigma: number }[];
}

const blockKey = (columns: readonly number[]) => [...columns].sort((a, b) => a - b).join(',');

function invalid(message: string, value?: unknown): SpecialistError {
  return new SpecialistError('INVALID_ARGUMENT', `rcot calibration: ${message}`, { argument: 'calibration', value });
}

/** Refuses a calibration that is not plain finite numbers of the right shape. */
export function checkCalibration(c: RcotCalibration): void {
  if (!c || typeof c !== 'object' || !Array.isArray(c.centre) || !Array.isArray(c.scale) || !Array.isArray(c.bandwidths)) {
    throw invalid('expected { centre: number[], scale: number[], bandwidths: { columns, sigma }[] }');
  }
  if (c.centre.length !== c.scale.length) throw invalid(`centre has ${c.centre.length} columns, scale ${c.scale.length}`);
  if (!c.centre.every(Number.isFinite)) throw invalid('centre holds a value that is not a finite number');
  if (!c.scale.every((s) => Number.isFinite(s) && s > 0)) throw invalid('scale must hold positive finite numbers');
  for (const b of c.bandwidths) {
    if (!b || !Array.isArray(b.columns) || !b.columns.every((col) => Number.isInteger(col) && col >= 0 && col < c.centre.length) || !(Number.isFinite(b.sigma) && b.sigma > 0)) {
      throw invalid(`a bandwidth entry must be { columns: column indices, sigma > 0 }, got ${JSON.stringify(b)}`, b);
    }
  }
}

/** The columns scaled by the calibration (float64, column-major); none counts as constant here. */
export function calibratedColumns(data: Matrix, c: RcotCalibration): { columns: Float64Array[]; constant: boolean[] } {
  if (c.centre.length !== data.cols) throw invalid(`it covers ${c.centre.length} columns, the data have ${data.cols}`);
  const columns = Array.from({ length: data.cols }, (_, j) => {
    const v = new Float64Array(data.rows);
    for (let r = 0; r < data.rows; r++) v[r] = (data.data[r * data.cols + j] - c.centre[j]) / c.scale[j];
    return v;
  });
  return { columns, constant: new Array<boolean>(data.cols).fill(false) };
}

/** Looks a block's bandwidth up; a block the calibration does not cover is a typed error. */
export function givenBandwidths(c: RcotCalibration): (block: readonly number[]) => number {
  const known = new Map(c.bandwidths.map((b) => [blockKey(b.columns), b.sigma]));
  return (block) => {
    const sigma = known.get(blockKey(block));
    if (sigma === undefined) throw invalid(`no bandwidth for the block of columns [${block.join(', ')}]`, [...block]);
    return sigma;
  };
}

/**
 * A calibration from a pilot sample (rows of the same columns): each column's mean and standard
 * deviation, and the median distance of each block on the standardised pilot, as RCoT takes them
 * from its data when no calibration is given.
 */
export function calibrateRcot(pilot: Matrix, blocks: readonly (readonly number[])[]): RcotCalibration {
  const { columns, constant } = transformColumns(pilot, 'standardise');
  const bad = constant.indexOf(true);
  if (bad >= 0) throw invalid(`column ${bad} is constant in the pilot sample: it sets no scale`, bad);
  const centre: number[] = [];
  const scale: number[] = [];
  for (let j = 0; j < pilot.cols; j++) {
    let mean = 0;
    for (let r = 0; r < pilot.rows; r++) mean += pilot.data[r * pilot.cols + j];
    mean /= pilot.rows;
    let ss = 0;
    for (let r = 0; r < pilot.rows; r++) ss += (pilot.data[r * pilot.cols + j] - mean) ** 2;
    centre.push(mean);
    scale.push(Math.sqrt(ss / pilot.rows));
  }
  const median = new Bandwidths(columns, pilot.rows);
  const seen = new Map<string, number[]>();
  for (const b of blocks) if (b.length > 0) seen.set(blockKey(b), [...b].sort((x, y) => x - y));
  return { centre, scale, bandwidths: [...seen.values()].map((cols) => ({ columns: cols, sigma: median.of(cols) })) };
}
