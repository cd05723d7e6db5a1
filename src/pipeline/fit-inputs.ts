// From Layer 1's answer to Layer 2's inputs: the (episode, step) rows whose step serves a task, their
// latents, each task's target at that row and the membership that says which rows count for which
// task. The pipeline, the sharded pipeline's coordinator (src/scale/) and the CLI's `fit --structure`
// all go through here.
import { episodeMismatch } from '../structure/swapped.ts';
import type { ProgressCallback } from '../core/call-options.ts';
import { SpecialistError } from '../core/errors.ts';
import { checkTensor, type Tensor } from '../core/tensor.ts';
import { createRng } from '../core/random.ts';
import { checkCount } from '../core/validate.ts';
import { MIN_ROWS } from '../specialist/data.ts';
import type { KernelCallOptions } from '../kernels/runtime.ts';
import { fitSpecialists } from '../specialist/fit.ts';
import type { Specialists } from '../specialist/model.ts';
import type { SpecialistOptions } from '../specialist/options.ts';
import type { StructureResult } from '../structure/discover.ts';
import type { JobRunner } from '../worker/job.ts';

/** Layer 2's rows built from Layer 1's answer: the latents, targets and membership of the served (episode, step) rows. */
export interface FitInputs {
  /** [R, d]: the latents of the kept (episode, step) rows. */
  latents: Tensor<Float32Array>;
  /** [R, K, dy]: task fittedTasks[j]'s target at each row. */
  targets: Tensor<Float32Array>;
  /** [R, K] of 0/1: row r counts for head j when its step serves task fittedTasks[j]. */
  membership: Tensor<Float32Array>;
  /** The tasks with at least one step (the heads' order); the others get no head. */
  fittedTasks: number[];
}

/**
 * Layer 2's inputs from Layer 1's `stepTasks` (a StructureResult, or the `stepTasks` of the
 * structure command's JSON): `fitSpecialists(f.latents, f.targets, options, { membership: f.membership })`.
 * latents [n, T, d]; tasks [n, M] or [n, M, dg], one row per episode.
 */
export function fitInputsFromStructure(
  structure: Pick<StructureResult, 'stepTasks'>,
  latents: Tensor,
  tasks: Tensor,
  options: {
    /**
     * What each task's head learns to predict at a step: [n, T, M] or [n, T, M, dy]. Default: the
     * episode's task variable g_i at every step Layer 1 gave task i. Give it when a per-step signal
     * exists (the task's reading of that step's state): it pins a block down better than one g_i
     * per episode, which a head can only learn as a summary of all the task's steps.
     */
    stepTargets?: Tensor;
    /** Most rows kept; beyond it whole episodes are subsampled (seeded). At least 20. Default 20,000. */
    maxRows?: number;
    /** Seed for the subsampling. Default 0. */
    seed?: number;
  } = {},
): FitInputs {
  const [n, T, d] = checkTensor('latents', latents, [3], 'n, T, d');
  checkTensor('tasks', tasks, [2, 3], 'n, M[, dg]');
  if (tasks.shape[0] !== n) throw episodeMismatch('latents', latents.shape, tasks.shape);
  const M = tasks.shape[1];
  const stepTasks = checkStepTasks(structure?.stepTasks, T, M);
  const maxRows = options.maxRows ?? 20_000;
  checkCount('maxRows', maxRows, MIN_ROWS, 100_000_000);
  const { stepTargets } = options;
  if (stepTargets) checkStepTargets(stepTargets, n, T, M);
  const dg = tasks.shape[2] ?? 1;
  const dy = stepTargets ? (stepTargets.shape[3] ?? 1) : dg;
  const fittedTasks = Array.from({ length: M }, (_, i) => i).filter((i) => stepTasks.some((row) => row[i] === 1));
  const rows = chooseRows(n, T, stepTasks, fittedTasks, maxRows, options.seed ?? 0);
  const K = fittedTasks.length;
  const z = new Float32Array(rows.length * d);
  const y = new Float32Array(rows.length * K * dy);
  const member = new Float32Array(rows.length * K);
  rows.forEach(([e, t], r) => {
    z.set(latents.data.subarray((e * T + t) * d, (e * T + t + 1) * d), r * d);
    fittedTasks.forEach((task, j) => {
      member[r * K + j] = stepTasks[t][task];
      const source = stepTargets
        ? stepTargets.data.subarray(((e * T + t) * M + task) * dy, ((e * T + t) * M + task + 1) * dy)
        : tasks.data.subarray((e * M + task) * dg, (e * M + task + 1) * dg);
      y.set(source, (r * K + j) * dy);
    });
  });
  return {
    latents: { data: z, shape: [rows.length, d] },
    targets: { data: y, shape: [rows.length, K, dy] },
    membership: { data: member, shape: [rows.length, K] },
    fittedTasks,
  };
}

/** stepTargets [n, T, M] or [n, T, M, dy] for n episodes of T steps and M tasks. */
export function checkStepTargets(stepTargets: Tensor, n: number, T: number, M: number): void {
  checkTensor('stepTargets', stepTargets, [3, 4], 'n, T, M[, dy]');
  const [tn, tt, tm] = stepTargets.shape;
  if (tn !== n || tt !== T || tm !== M) {
    throw new SpecialistError('SHAPE_MISMATCH', `stepTargets must be [${n}, ${T}, ${M}, dy], got [${stepTargets.shape.join(', ')}]`, { argument: 'stepTargets' });
  }
}

/** stepTasks [T][M] of 0/1, as Layer 1 writes it; anything else is named. */
function checkStepTasks(stepTasks: unknown, T: number, M: number): number[][] {
  const fine =
    Array.isArray(stepTasks) &&
    stepTasks.length === T &&
    stepTasks.every((row) => Array.isArray(row) && row.length === M && row.every((v) => v === 0 || v === 1));
  if (!fine) {
    throw new SpecialistError('SHAPE_MISMATCH', `structure.stepTasks must be [${T}][${M}] of 0/1 (T steps of the latents, M tasks): is it the structure of these data?`, {
      argument: 'structure',
    });
  }
  return stepTasks as number[][];
}

/** (episode, step) pairs whose step serves a fitted task, subsampled by whole episodes to the cap. */
function chooseRows(n: number, T: number, stepTasks: number[][], tasks: number[], cap: number, seed: number): [number, number][] {
  const steps = Array.from({ length: T }, (_, t) => t).filter((t) => tasks.some((i) => stepTasks[t][i] === 1));
  const episodes = Array.from({ length: n }, (_, e) => e);
  const keep = Math.min(n, Math.max(1, Math.floor(cap / Math.max(1, steps.length))));
  if (keep < n) {
    const rng = createRng(seed);
    for (let i = n - 1; i > 0; i--) {
      const j = rng.int(i + 1);
      [episodes[i], episodes[j]] = [episodes[j], episodes[i]];
    }
    episodes.length = keep;
    episodes.sort((a, b) => a - b);
  }
  return episodes.flatMap((e) => steps.map((t) => [e, t] as [number, number]));
}

/**
 * What a fitted model's numbers alone would hide: a head that reads no coordinate (its prediction is
 * a constant) and a fit stopped before it converged. Head j is task tasks[j] (default j).
 */
export function fitWarnings(model: Pick<Specialists, 'supports' | 'converged'>, tasks?: readonly number[]): string[] {
  const warnings = model.supports.flatMap((support, j) =>
    support.length === 0
      ? [`task ${tasks?.[j] ?? j}: the head reads no coordinate (its prediction is a constant): the latents carry nothing the fit found about this task's targets; check that tasks and latents are of the same episodes, in the same order`]
      : [],
  );
  if (!model.converged) warnings.push('the fit did not converge within its epochs: raise epochs (the supports may still change)');
  return warnings;
}

/** What Layer 2's inputs alone say: tasks Layer 1 gave no step (no head), and scalar targets. */
export function headWarnings(M: number, fittedTasks: readonly number[], targetWidth: number): string[] {
  const warnings: string[] = [];
  for (let i = 0; i < M; i++) if (!fittedTasks.includes(i)) warnings.push(`task ${i}: Layer 1 assigned it no step, so it has no specialist head`);
  if (targetWidth === 1 && fittedTasks.length > 0) {
    warnings.push('the task signals are scalar: one summary coordinate can serve each task, so a task block of several coordinates cannot be pinned down (give vector-valued targets)');
  }
  return warnings;
}

/**
 * Layer 2 on the steps Layer 1 assigned: one head per task that has any step, fitted on the rows
 * fitInputsFromStructure picks from `latents` [n, T, d] (episodes subsampled to maxTrainingRows).
 * The sharded pipeline's coordinator (src/scale/) calls it on the merged sample of episodes.
 */
export async function fitHeads(
  input: { latents: Tensor<Float32Array>; tasks: Tensor; stepTargets?: Tensor },
  structure: Pick<StructureResult, 'stepTasks'>,
  options: { specialists?: SpecialistOptions; maxTrainingRows?: number; seed?: number },
  call: KernelCallOptions & { pool?: JobRunner; encoderSha256?: string; onProgress?: ProgressCallback },
): Promise<{ specialists: Specialists | null; fittedTasks: number[]; trainingRows: number; warnings: string[] }> {
  const fit = fitInputsFromStructure(structure, input.latents, input.tasks, { stepTargets: input.stepTargets, maxRows: options.maxTrainingRows, seed: options.seed });
  const { fittedTasks } = fit;
  const warnings = headWarnings(input.tasks.shape[1], fittedTasks, fit.targets.shape[2]);
  if (fittedTasks.length === 0) return { specialists: null, fittedTasks, trainingRows: 0, warnings };
  const fitted = await fitSpecialists(fit.latents, fit.targets, options.specialists ?? {}, {
    signal: call.signal,
    membership: fit.membership,
    kernels: call.kernels,
    pool: call.pool,
    onProgress: call.onProgress && (({ done, total }) => call.onProgress?.({ done, total })),
  });
  warnings.push(...fitWarnings(fitted, fittedTasks));
  const specialists = call.encoderSha256 ? fitted.withEncoder(call.encoderSha256) : fitted;
  return { specialists, fittedTasks, trainingRows: fit.latents.shape[0], warnings };
}
