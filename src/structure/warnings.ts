// What a run should tell its caller about its own reliability, measured in docs/structure.md:
// duplicated episodes (every test assumes independent ones), too few episodes for the width of
// the largest test, and kNN-CMI's local permutation with many conditioning columns.
import type { Matrix } from '../core/tensor.ts';
import { duplicateRows } from './ci/duplicates.ts';
import type { Planned } from './plan.ts';

/** Share of episodes that may repeat another before the run warns (see ci/duplicates.ts). */
const DUPLICATE_SHARE = 0.01;
/**
 * Episodes per column of the largest test below which the run warns. Fisher z (Rao's F, exact for
 * Gaussian data) keeps its level down to its minimum, but on heavy-tailed data and for power it
 * needs more; RCoT's regressions on z have one coefficient per z column besides its features.
 */
const EPISODES_PER_COLUMN: Record<string, number> = { fisherz: 4, rcot: 10 };
/** kNN-CMI's local permutation over-rejects with strongly dependent data beyond this many z columns. */
const CMIKNN_MAX_Z = 4;

export function runWarnings(data: Matrix, test: string, planned: readonly Planned[]): string[] {
  const warnings: string[] = [];
  const n = data.rows;
  const columns = Array.from({ length: data.cols }, (_, c) => Float32Array.from({ length: n }, (_, r) => data.data[r * data.cols + c]));
  const { count } = duplicateRows(columns, n);
  if (count > DUPLICATE_SHARE * n) {
    warnings.push(
      `${count} of ${n} episodes repeat another episode exactly: every test assumes independent episodes, and duplicates make p-values too small (more links than there are); remove them`,
    );
  }
  const widest = planned.reduce((m, p) => Math.max(m, p.query.x.length + p.query.y.length + p.query.z.length), 0);
  const perColumn = EPISODES_PER_COLUMN[test];
  if (perColumn !== undefined && n < perColumn * widest) {
    warnings.push(
      `${n} episodes for tests of up to ${widest} columns: ${test} needs about ${perColumn * widest} (${perColumn} per column) to keep its level and power at this width (docs/structure.md, "Wide states")`,
    );
  }
  const zMax = planned.reduce((m, p) => Math.max(m, p.query.z.length), 0);
  if (test === 'cmiknn' && zMax > CMIKNN_MAX_Z) {
    warnings.push(`cmiknn conditions on up to ${zMax} columns: its local permutation null rejects too often beyond ${CMIKNN_MAX_Z} when x and y depend strongly on z; prefer rcot`);
  }
  return warnings;
}
