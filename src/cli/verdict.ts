// Reading a truth.json (as `synth` writes it, or one a user writes) for the verdict of a run
// (metrics/verdict.ts), and the supports per task of a pipeline's heads.
import { readFile } from 'node:fs/promises';
import { SpecialistError } from '../core/errors.ts';
import type { Specialists } from '../specialist/model.ts';

export { relationVerdict } from '../metrics/verdict.ts';

export interface Truth {
  /** Segments x tasks, 0/1. */
  relation: number[][];
  /** Per task, the true coordinates of its block (only their number is compared). */
  blocks?: number[][];
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

/** Each of the M tasks' support (null for a task without a head), from heads in fittedTasks' order. */
export function supportsByTask(M: number, fittedTasks: number[], heads: Specialists | null): (number[] | null)[] {
  return Array.from({ length: M }, (_, task) => {
    const j = fittedTasks.indexOf(task);
    return j < 0 || !heads ? null : heads.supports[j];
  });
}
