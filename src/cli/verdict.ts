// The verdict of a run against a known truth (truth.json of `synth`, or one a user writes): the
// relation cell by cell, and the heads' block sizes beside the true ones. Only sizes are comparable:
// a head's coordinates are its own s_hat's, which any invertible relabelling of the truth leaves valid.
import { readFile } from 'node:fs/promises';
import { SpecialistError } from '../core/errors.ts';
import { structureMetrics } from '../metrics/structure.ts';
import type { Specialists } from '../specialist/model.ts';

export interface Truth {
  /** Segments x tasks, 0/1. */
  relation: number[][];
  /** Per task, the true coordinates of its block (only their number is compared). */
  blocks?: number[][];
}

export interface Verdict {
  relationMatches: boolean;
  wrongCells: [segment: number, task: number][];
  accuracy: number;
  mcc: number;
  /** Per task: the head's block size and the true one (null when the truth has no blocks or the task no head). */
  blockSizes?: { task: number; found: number | null; truth: number }[];
  lines: string[];
}

export async function readTruth(path: string): Promise<Truth> {
  let value: unknown;
  try {
    value = JSON.parse(await readFile(path, 'utf8'));
  } catch (error) {
    throw new SpecialistError('INVALID_FILE', `--truth ${path}: cannot read it as JSON (${(error as Error).message})`, { file: path });
  }
  const truth = value as Truth;
  const isRelation = Array.isArray(truth?.relation) && truth.relation.every((row) => Array.isArray(row) && row.every((v) => v === 0 || v === 1));
  if (!isRelation) throw new SpecialistError('INVALID_FILE', `--truth ${path} must hold { "relation": [[0/1 per task] per segment], "blocks"?: [[coordinates] per task] }`, { file: path });
  return truth;
}

/** The run's relation (and supports, per task) against the truth. */
export function verdictOf(relation: number[][], truth: Truth, supports?: (number[] | null)[]): Verdict {
  const metrics = structureMetrics(relation, truth.relation);
  const wrongCells = relation.flatMap((row, k) => row.flatMap((v, i) => (v !== truth.relation[k][i] ? [[k, i] as [number, number]] : [])));
  const lines = [
    wrongCells.length === 0
      ? `verdict      relation matches the truth (${relation.length} segments x ${relation[0]?.length ?? 0} tasks)`
      : `verdict      relation differs from the truth in ${wrongCells.length} cells (segment, task): ${wrongCells.map(([k, i]) => `(${k}, ${i})`).join(' ')}; accuracy ${metrics.accuracy.toFixed(2)}, MCC ${metrics.mcc.toFixed(2)}`,
  ];
  let blockSizes: Verdict['blockSizes'];
  if (truth.blocks && supports) {
    blockSizes = truth.blocks.map((block, task) => ({ task, found: supports[task]?.length ?? null, truth: block.length }));
    const sizes = blockSizes.map((b) => `task ${b.task} ${b.found ?? 'no head'} (true ${b.truth})`).join(', ');
    lines.push(`verdict      block sizes ${blockSizes.every((b) => b.found === b.truth) ? 'match' : 'differ'}: ${sizes}`);
  }
  return { relationMatches: wrongCells.length === 0, wrongCells, accuracy: metrics.accuracy, mcc: metrics.mcc, blockSizes, lines };
}

/** Each of the M tasks' support (null for a task without a head), from heads in fittedTasks' order. */
export function supportsByTask(M: number, fittedTasks: number[], heads: Specialists | null): (number[] | null)[] {
  return Array.from({ length: M }, (_, task) => {
    const j = fittedTasks.indexOf(task);
    return j < 0 || !heads ? null : heads.supports[j];
  });
}
