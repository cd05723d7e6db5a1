// The product as a user meets it: observations and task variables in; encode with the generalist,
// find which steps serve which task (Layer 1), fit each task's specialist block on those steps
// (Layer 2), and hand back the per-task representations and heads.
import type { Progress, ProgressCallback } from '../core/call-options.ts';
import { SpecialistError, throwIfAborted } from '../core/errors.ts';
import { Generalist, type DeviceChoice, type GeneralistOptions } from '../generalist/generalist.ts';
import { kernelsFor, type KernelCallOptions } from '../kernels/runtime.ts';
import { checkTensor, type Tensor } from '../core/tensor.ts';
import { createRng } from '../core/random.ts';
import { checkCount, checkKeys } from '../core/validate.ts';
import { MIN_ROWS } from '../specialist/data.ts';
import { fitSpecialists } from '../specialist/fit.ts';
import type { Specialists } from '../specialist/model.ts';
import type { SpecialistOptions } from '../specialist/options.ts';
import { discoverTaskStructure, type StructureOptions, type StructureResult } from '../structure/discover.ts';
import type { JobRunner } from '../worker/job.ts';

/** One stage of the pipeline: 'encode', 'structure' (Layer 1) or 'specialists' (Layer 2). */
export type PipelineStage = 'encode' | 'structure' | 'specialists';
/** The pipeline's stages in order, as PipelineProgress.stage reports them. */
export const PIPELINE_STAGES: readonly PipelineStage[] = ['encode', 'structure', 'specialists'];

/** The pipeline's progress: `done` of `total` within the current stage. */
export interface PipelineProgress extends Progress {
  stage: PipelineStage;
}

/**
 * The data of one pipeline run: the encoder's bytes, the observations, the task variables and
 * optional per-step targets.
 */
export interface PipelineInput {
  /** The generalist encoder (ONNX bytes). */
  encoder: Uint8Array;
  /** Observations [n, T, ...obs]: n episodes of T steps. */
  observations: Tensor<Float32Array>;
  /** Task variables [n, M] or [n, M, dg], one row per episode. */
  tasks: Tensor;
  /**
   * What each task's head learns to predict at a step: [n, T, M] or [n, T, M, dy]. Default: the
   * episode's task variable g_i, repeated over the steps Layer 1 gave task i.
   */
  stepTargets?: Tensor;
}

/**
 * The settings of one pipeline run (plain and serialisable): each layer's options, the rows used
 * for training, the seed.
 */
export interface PipelineOptions {
  /** Generalist options (device, output, pooling...). Default device 'auto'. */
  generalist?: Omit<GeneralistOptions, 'wasmBinary'>;
  /** Layer 1 options; segmentLength is required. Defaults as in discoverTaskStructure. */
  structure: StructureOptions;
  /** Layer 2 options. Defaults as in fitSpecialists. */
  specialists?: SpecialistOptions;
  /**
   * Most (episode, step) rows used to fit Layer 2; beyond it episodes are subsampled (seeded).
   * At least 20 (a fit's minimum). Default 20,000: the block structure is identified long before,
   * and fitting time grows linearly.
   */
  maxTrainingRows?: number;
  /** Seed for the subsampling. Default 0. */
  seed?: number;
}

const PIPELINE_KEYS: Record<keyof PipelineOptions, true> = { generalist: true, structure: true, specialists: true, maxTrainingRows: true, seed: true };

/**
 * What runPipeline returns: the device used, the latents, Layer 1's structure, Layer 2's
 * specialists (null when no task is served), timings.
 */
export interface PipelineResult {
  device: DeviceChoice;
  /** SHA-256 of the encoder bytes; saved heads record it. */
  encoderSha256: string;
  /** [n, T, d] */
  latents: Tensor<Float32Array>;
  structure: StructureResult;
  /** The fitted heads; head j belongs to task fittedTasks[j]. Null when no task has a step. */
  specialists: Specialists | null;
  fittedTasks: number[];
  /** Rows (episode, step) used to fit Layer 2. */
  trainingRows: number;
  /** What may make the answer doubtful: Layer 1's warnings (prefixed "Layer 1: "), tasks without a head, scalar targets. */
  warnings: string[];
  timings: { encodeMs: number; structureMs: number; specialistsMs: number; totalMs: number };
}

/**
 * The call options of runPipeline: workers, kernel runtime, progress (`PipelineProgress`) and
 * abort.
 */
export interface PipelineCallOptions extends Omit<KernelCallOptions, 'onProgress'> {
  onProgress?: ProgressCallback<PipelineProgress>;
  /**
   * Workers for Layers 1 and 2 (a WorkerPool): the kNN-CMI tests spread over them, and a fit
   * splits its minibatches over two of them. Results are the same as in this thread. Default: none.
   */
  pool?: JobRunner;
}

/** Runs the three stages in this thread (runPipelineInWorker runs them in a worker of a pool). */
export async function runPipeline(input: PipelineInput, options: PipelineOptions, call: PipelineCallOptions = {}): Promise<PipelineResult> {
  const started = performance.now();
  const progress = (stage: PipelineStage) => ({ done, total }: Progress) => call.onProgress?.({ stage, done, total });
  if (!input || typeof input !== 'object') throw new SpecialistError('INVALID_ARGUMENT', 'input must be { encoder, observations, tasks[, stepTargets] }', { argument: 'input' });
  if (!options || typeof options !== 'object') throw new SpecialistError('INVALID_ARGUMENT', 'options must be { structure: { segmentLength, ... }, ... }', { argument: 'options' });
  checkKeys('PipelineOptions', options, PIPELINE_KEYS);
  if (options.maxTrainingRows !== undefined) checkCount('maxTrainingRows', options.maxTrainingRows, MIN_ROWS, 100_000_000);
  if (options.seed !== undefined && !Number.isFinite(options.seed)) throw new SpecialistError('INVALID_ARGUMENT', `seed must be a finite number, got ${options.seed}`, { argument: 'seed' });
  checkTensor('tasks', input.tasks, [2, 3], 'n, M[, dg]');
  if (input.observations?.shape?.length < 3) {
    throw new SpecialistError('SHAPE_MISMATCH', `observations must be [n, T, ...obs] (episodes, steps, observation), got [${input.observations?.shape?.join(', ')}]`, { argument: 'observations' });
  }
  const [n, T] = input.observations.shape;
  if (input.tasks.shape[0] !== n) {
    throw new SpecialistError('SHAPE_MISMATCH', `tasks has ${input.tasks.shape[0]} episodes, observations have ${n}`, { argument: 'tasks' });
  }
  const M = input.tasks.shape[1];
  const dg = input.tasks.shape[2] ?? 1;
  if (input.stepTargets) {
    checkTensor('stepTargets', input.stepTargets, [3, 4], 'n, T, M[, dy]');
    const [tn, tt, tm] = input.stepTargets.shape;
    if (tn !== n || tt !== T || tm !== M) {
      throw new SpecialistError('SHAPE_MISMATCH', `stepTargets must be [${n}, ${T}, ${M}, dy], got [${input.stepTargets.shape.join(', ')}]`, { argument: 'stepTargets' });
    }
  }
  const warnings: string[] = [];

  // Stage 1: encode every step of every episode.
  let t0 = performance.now();
  const generalist = await Generalist.load(input.encoder, options.generalist);
  let latents: Tensor<Float32Array>;
  try {
    latents = await generalist.encode(input.observations, { signal: call.signal, onProgress: progress('encode') });
  } finally {
    await generalist.dispose();
  }
  const d = latents.shape[latents.shape.length - 1];
  const encodeMs = performance.now() - t0;

  // Stage 2: Layer 1 on the latents (Theorem 1 holds for any invertible encoding of the states).
  throwIfAborted(call.signal);
  t0 = performance.now();
  const kernels = await kernelsFor(call);
  const structure = await discoverTaskStructure({ data: latents.data, shape: [n, T, d] }, input.tasks, options.structure, {
    kernels,
    pool: call.pool,
    signal: call.signal,
    onProgress: progress('structure'),
  });
  const structureMs = performance.now() - t0;
  // Layer 1's own warnings (too few episodes for the width, duplicated episodes) belong to the run's.
  for (const warning of structure.warnings) warnings.push(`Layer 1: ${warning}`);

  // Stage 3: Layer 2 on the steps Layer 1 assigned, one head per task that has any.
  throwIfAborted(call.signal);
  t0 = performance.now();
  const fittedTasks = Array.from({ length: M }, (_, i) => i).filter((i) => structure.stepTasks.some((row) => row[i] === 1));
  for (let i = 0; i < M; i++) if (!fittedTasks.includes(i)) warnings.push(`task ${i}: Layer 1 assigned it no step, so it has no specialist head`);
  const targetWidth = input.stepTargets ? (input.stepTargets.shape[3] ?? 1) : dg;
  if (targetWidth === 1 && fittedTasks.length > 0) {
    warnings.push('the task signals are scalar: one summary coordinate can serve each task, so a task block of several coordinates cannot be pinned down (give vector-valued targets)');
  }
  let specialists: Specialists | null = null;
  let trainingRows = 0;
  if (fittedTasks.length > 0) {
    const rows = chooseRows(n, T, structure.stepTasks, fittedTasks, options.maxTrainingRows ?? 20_000, options.seed ?? 0);
    trainingRows = rows.length;
    const K = fittedTasks.length;
    const z = new Float32Array(rows.length * d);
    const y = new Float32Array(rows.length * K * targetWidth);
    const member = new Float32Array(rows.length * K);
    rows.forEach(([e, t], r) => {
      z.set(latents.data.subarray((e * T + t) * d, (e * T + t + 1) * d), r * d);
      fittedTasks.forEach((task, j) => {
        member[r * K + j] = structure.stepTasks[t][task];
        const source = input.stepTargets
          ? input.stepTargets.data.subarray(((e * T + t) * M + task) * targetWidth, ((e * T + t) * M + task + 1) * targetWidth)
          : input.tasks.data.subarray((e * M + task) * dg, (e * M + task + 1) * dg);
        y.set(source, (r * K + j) * targetWidth);
      });
    });
    const fitted = await fitSpecialists({ data: z, shape: [rows.length, d] }, { data: y, shape: [rows.length, K, targetWidth] }, options.specialists ?? {}, {
      signal: call.signal,
      membership: { data: member, shape: [rows.length, K] },
      kernels,
      pool: call.pool,
      onProgress: (p) => call.onProgress?.({ stage: 'specialists', done: p.done, total: p.total }),
    });
    specialists = fitted.withEncoder(generalist.modelSha256);
  }
  const specialistsMs = performance.now() - t0;
  return {
    device: generalist.device,
    encoderSha256: generalist.modelSha256,
    latents,
    structure,
    specialists,
    fittedTasks,
    trainingRows,
    warnings,
    timings: { encodeMs, structureMs, specialistsMs, totalMs: performance.now() - started },
  };
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
