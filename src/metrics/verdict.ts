// The verdict of a run against a known truth: the relation cell by cell, the heads' block sizes
// beside the true ones and, where the true states are known, the R^2 of each block to its task's
// true coordinates and to the others (kernel ridge, held out). Only sizes are compared as numbers:
// a head's coordinates are its own s_hat's, which any invertible relabelling of the truth leaves valid.
import type { Tensor } from '../core/tensor.ts';
import { kernelRidgeR2 } from './identifiability.ts';
import { structureMetrics } from './structure.ts';

/** One task against the truth: its head's coordinates, its true block and the R^2 of one to the other. */
export interface TaskVerdict {
  task: number;
  /** The head's coordinates (null: the task has no head). */
  support: number[] | null;
  trueBlock: number[];
  /** R^2 of the block to the task's true coordinates and to every other one (null without a head or states). */
  r2Relevant: number | null;
  r2Irrelevant: number | null;
}

/** A run against the truth: the relation cell by cell, each task's block, and the same in words. */
export interface Verdict {
  relationMatches: boolean;
  /** [segment, task] of every cell that differs from the truth. */
  wrongCells: [number, number][];
  accuracy: number;
  mcc: number;
  /** Per task, when the truth names blocks. */
  tasks: TaskVerdict[];
  /** The verdict in words, one line per finding. */
  lines: string[];
}

/** The relation (and the supports per task, null for a task without a head) against a truth. */
export function relationVerdict(relation: number[][], truth: { relation: number[][]; blocks?: number[][] }, supports?: (number[] | null)[]): Verdict {
  const metrics = structureMetrics(relation, truth.relation);
  const wrongCells = relation.flatMap((row, k) => row.flatMap((v, i) => (v !== truth.relation[k][i] ? [[k, i] as [number, number]] : [])));
  const lines = [
    wrongCells.length === 0
      ? `verdict      relation matches the truth (${relation.length} segments x ${relation[0]?.length ?? 0} tasks)`
      : `verdict      relation differs from the truth in ${wrongCells.length} cells (segment, task): ${wrongCells.map(([k, i]) => `(${k}, ${i})`).join(' ')}; accuracy ${metrics.accuracy.toFixed(2)}, MCC ${metrics.mcc.toFixed(2)}`,
  ];
  const tasks = truth.blocks && supports ? truth.blocks.map((trueBlock, task) => ({ task, support: supports[task] ?? null, trueBlock, r2Relevant: null, r2Irrelevant: null })) : [];
  if (tasks.length) {
    const sizes = tasks.map((t) => `task ${t.task} ${t.support?.length ?? 'no head'} (true ${t.trueBlock.length})`).join(', ');
    lines.push(`verdict      block sizes ${tasks.every((t) => t.support?.length === t.trueBlock.length) ? 'match' : 'differ'}: ${sizes}`);
  }
  return { relationMatches: wrongCells.length === 0, wrongCells, accuracy: metrics.accuracy, mcc: metrics.mcc, tasks, lines };
}

/** What worldVerdict reads of a world with known truth (a GeneralistWorld has it). */
export interface WorldTruth {
  /** The true states [n, T, D]. */
  states: Float32Array;
  truth: { relation: ArrayLike<number>; blocks: number[][] };
  shapes: { relation: readonly [number, number] };
  params: { latentDims: number };
}

/** What worldVerdict reads of a pipeline run (a PipelineResult has it). */
export interface RunAnswer {
  latents: Tensor<Float32Array>;
  structure: { relation: number[][]; stepTasks: number[][] };
  fittedTasks: number[];
  specialists: { supports: number[][]; transform(latents: Tensor, task?: number): Tensor<Float32Array> } | null;
}

/** A pipeline run against its world: relation, block sizes, and each block's R^2 (up to 3000 rows of the steps its task owns). */
export function worldVerdict(world: WorldTruth, run: RunAnswer, seed = 0): Verdict {
  const [N, M] = world.shapes.relation;
  const truth = Array.from({ length: N }, (_, k) => Array.from({ length: M }, (_, i) => world.truth.relation[k * M + i]));
  const heads = run.specialists;
  const supports = Array.from({ length: M }, (_, task) => (heads && run.fittedTasks.includes(task) ? heads.supports[run.fittedTasks.indexOf(task)] : null));
  const verdict = relationVerdict(run.structure.relation, { relation: truth, blocks: world.truth.blocks }, supports);
  const [n, T, W] = run.latents.shape;
  const D = world.params.latentDims;
  for (const t of verdict.tasks) {
    const j = run.fittedTasks.indexOf(t.task);
    const steps = run.structure.stepTasks.flatMap((row, s) => (row[t.task] ? [s] : []));
    if (!heads || j < 0 || steps.length === 0) continue;
    const rows = Math.min(n * steps.length, 3000);
    const latents = new Float32Array(rows * W);
    const states = new Float32Array(rows * D);
    for (let r = 0; r < rows; r++) {
      const at = Math.floor(r / steps.length) * T + steps[r % steps.length];
      latents.set(run.latents.data.subarray(at * W, (at + 1) * W), r * W);
      states.set(world.states.subarray(at * D, (at + 1) * D), r * D);
    }
    const block = heads.transform({ data: latents, shape: [rows, W] }, j);
    const pick = (cols: number[]) => ({ data: Float32Array.from({ length: rows * cols.length }, (_, q) => states[Math.floor(q / cols.length) * D + cols[q % cols.length]]), shape: [rows, cols.length] });
    const score = (cols: number[]) => (block.shape[1] === 0 || cols.length === 0 ? 0 : kernelRidgeR2(block, pick(cols), { seed }).mean);
    t.r2Relevant = score(t.trueBlock);
    t.r2Irrelevant = Math.max(0, score(Array.from({ length: D }, (_, c) => c).filter((c) => !t.trueBlock.includes(c))));
  }
  const scored = verdict.tasks.filter((t) => t.r2Relevant !== null);
  if (scored.length) verdict.lines.push(`verdict      block R² to the true coordinates (want high) / to the others (want low): ${scored.map((t) => `task ${t.task} ${t.r2Relevant!.toFixed(2)} / ${t.r2Irrelevant!.toFixed(2)}`).join(', ')}`);
  return verdict;
}
