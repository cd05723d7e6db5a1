// What a run should tell its caller about its own reliability, measured in docs/structure.md:
// duplicated episodes (every test assumes independent ones), too few episodes for the width of
// the largest test, kNN-CMI's local permutation with many conditioning columns, and the GCM alone
// on conditioning sets wider than 'auto' lets it run alone.
import type { Matrix } from '../core/tensor.ts';
import { WIDE_Z } from './choose-test.ts';
import { duplicateRows } from './ci/duplicates.ts';
import type { Planned } from './plan.ts';

/** Share of episodes that may repeat another before the run warns (see ci/duplicates.ts). */
const DUPLICATE_SHARE = 0.01;
/**
 * Episodes per column of the widest test below which the run warns (bench part w, x of d = 64-256
 * columns, y of 1, z of 2d, linear null data): Fisher z (Rao's F) kept its level from 1.5 episodes
 * per column on, with Gaussian and with Laplace noise (below that nothing was measured); RCoT
 * rejected 23-30% at 0.05 with 1.5-2 per column at d = 128, and 10% or less from 4 on (its
 * regressions on z spend one coefficient per z column besides the random features).
 */
const EPISODES_PER_COLUMN: Record<string, number> = { fisherz: 1.5, rcot: 4 };
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
  return [...warnings, ...widthWarnings(n, test, planned)];
}

/** The warnings that need no rows: too few episodes for the widest test, kNN-CMI's many z columns, the GCM alone on a wide z. */
export function widthWarnings(n: number, test: string, planned: readonly Planned[]): string[] {
  const warnings: string[] = [];
  const widest = planned.reduce((m, p) => Math.max(m, p.query.x.length + p.query.y.length + p.query.z.length), 0);
  const perColumn = EPISODES_PER_COLUMN[test];
  if (perColumn !== undefined && n < perColumn * widest) {
    warnings.push(
      `${n} episodes for tests of up to ${widest} columns: ${test} needs about ${Math.ceil(perColumn * widest)} (${perColumn} per column) to keep its level at this width (docs/structure.md, "Wide states")`,
    );
  }
  const zMax = planned.reduce((m, p) => Math.max(m, p.query.z.length), 0);
  if (test === 'cmiknn' && zMax > CMIKNN_MAX_Z) {
    warnings.push(`cmiknn conditions on up to ${zMax} columns: its local permutation null rejects too often beyond ${CMIKNN_MAX_Z} when x and y depend strongly on z; prefer rcot`);
  }
  // The direct tests' z only (the diagnostic's is wider by design): the width 'auto' judges by.
  const directZ = planned.reduce((m, p) => (p.task >= 0 ? Math.max(m, p.query.z.length) : m), 0);
  if (test === 'gcm' && directZ > WIDE_Z) {
    warnings.push(
      `gcm conditions on up to ${directZ} columns: beyond ${WIDE_Z} its level was measured to fail (lifted encoder latents, 23 of 180 null cells below 0.05); prefer 'auto' or 'intersection', where RCoT confirms it (docs/structure.md, "test: 'auto'")`,
    );
  }
  return warnings;
}
