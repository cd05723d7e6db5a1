// Agreement of an estimated segment-task relation with the truth.

import { SpecialistError } from '../core/errors.ts';

/** A 0/1 relation: nested rows (N x M), or flat row-major data with its shape. */
export type RelationInput = ArrayLike<ArrayLike<number>> | { data: ArrayLike<number>; shape: readonly [number, number] | readonly number[] };

/**
 * How an estimated segment-task relation agrees with the truth: accuracy, Matthews correlation and
 * the four cell counts.
 */
export interface StructureMetrics {
  /** Share of cells that agree. */
  accuracy: number;
  /**
   * Matthews correlation of the cells, in [-1, 1]. Defined as 0 when any of the four marginals
   * (estimated positives or negatives, true positives or negatives) is empty, where the formula
   * has 0 / 0: a constant estimate, or a truth of one class, carries no correlation.
   */
  mcc: number;
  truePositives: number;
  trueNegatives: number;
  falsePositives: number;
  falseNegatives: number;
}

function flatten(name: string, input: RelationInput): { data: ArrayLike<number>; rows: number; cols: number } {
  if ('shape' in input && 'data' in input) {
    const [rows, cols] = input.shape;
    if (input.shape.length !== 2 || input.data.length !== rows * cols) {
      throw new SpecialistError('SHAPE_MISMATCH', `${name} declares shape [${input.shape.join(', ')}] but holds ${input.data.length} values`, { argument: name, shape: [...input.shape], length: input.data.length });
    }
    return { data: input.data, rows, cols };
  }
  const rows = input.length;
  const cols = rows > 0 ? input[0].length : 0;
  const data = new Float64Array(rows * cols);
  for (let r = 0; r < rows; r++) {
    if (input[r].length !== cols) {
      throw new SpecialistError('SHAPE_MISMATCH', `${name} row ${r} has ${input[r].length} entries, row 0 has ${cols}`, { argument: name, row: r });
    }
    for (let c = 0; c < cols; c++) data[r * cols + c] = input[r][c];
  }
  return { data, rows, cols };
}

/** Accuracy and MCC of `estimated` against `truth` (both N x M, nonzero meaning "serves"). */
export function structureMetrics(estimated: RelationInput, truth: RelationInput): StructureMetrics {
  const e = flatten('estimated', estimated);
  const t = flatten('truth', truth);
  if (e.rows !== t.rows || e.cols !== t.cols) {
    throw new SpecialistError('SHAPE_MISMATCH', `estimated is ${e.rows} x ${e.cols} but truth is ${t.rows} x ${t.cols}`, { estimated: [e.rows, e.cols], truth: [t.rows, t.cols] });
  }
  if (e.data.length === 0) throw new SpecialistError('INVALID_ARGUMENT', 'relations are empty', { argument: 'truth' });
  let tp = 0, tn = 0, fp = 0, fn = 0;
  for (let i = 0; i < e.data.length; i++) {
    const p = e.data[i] !== 0;
    const q = t.data[i] !== 0;
    if (p && q) tp++;
    else if (p) fp++;
    else if (q) fn++;
    else tn++;
  }
  const denominator = (tp + fp) * (tp + fn) * (tn + fp) * (tn + fn);
  return {
    accuracy: (tp + tn) / e.data.length,
    mcc: denominator === 0 ? 0 : (tp * tn - fp * fn) / Math.sqrt(denominator),
    truePositives: tp,
    trueNegatives: tn,
    falsePositives: fp,
    falseNegatives: fn,
  };
}

/**
 * The raw p-values of a run's tests whose answer under the truth is independence: the cells off
 * the truth (method 'direct') or the pairs not both serving the task ('pairwise'). `relation` is
 * the true N x M relation, row-major. Their rejection rate at alpha is the run's false-positive
 * rate before any correction.
 */
export function nullPValues(run: { method: string; directPValues: (number | null)[][]; pValues: (number | null)[][][] }, relation: ArrayLike<number>, tasks: number): number[] {
  const segments = relation.length / tasks;
  const serves = (k: number, i: number) => relation[k * tasks + i] !== 0;
  const out: number[] = [];
  for (let i = 0; i < tasks; i++) {
    for (let k = 0; k < segments; k++) {
      if (run.method === 'direct') {
        if (!serves(k, i)) out.push(run.directPValues[i][k] as number);
      } else {
        for (let v = k + 1; v < segments; v++) if (!(serves(k, i) && serves(v, i))) out.push(run.pValues[i][k][v] as number);
      }
    }
  }
  return out;
}
