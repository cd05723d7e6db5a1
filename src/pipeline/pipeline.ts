// The product as a user meets it: observations and task variables in (or latents the user already
// has, skipping the encoder); encode with the generalist,
// find which steps serve which task (Layer 1), fit each task's specialist block on those steps
// (Layer 2), and hand back the per-task representations and heads.
import { episodeMismatch } from '../structure/swapped.ts';
import type { Progress, ProgressCallback } from '../core/call-options.ts';
import { SpecialistError, throwIfAborted } from '../core/errors.ts';
import { Generalist, type DeviceChoice, type GeneralistOptions } from '../generalist/generalist.ts';
import { kernelsFor, type KernelCallOptions } from '../kernels/runtime.ts';
import { checkTensor, type Tensor } from '../core/tensor.ts';
import { checkCount, checkKeys } from '../core/validate.ts';
import { MIN_ROWS } from '../specialist/data.ts';
import { fitSpecialists } from '../specialist/fit.ts';
import type { Specialists } from '../specialist/model.ts';
import type { SpecialistOptions } from '../specialist/options.ts';
import { discoverTaskStructure, type StructureOptions, type StructureResult } from '../structure/discover.ts';
import type { JobRunner } from '../worker/job.ts';
import { checkStepTargets, fitInputsFromStructure, fitWarnings, headWarnings } from './fit-inputs.ts';
import { headFacts, type TaskComparison } from './compare.ts';
import { checkEvaluation, taskRows, type EvaluationSet } from './evaluation.ts';

/** One stage of the pipeline: 'encode', 'structure' (Layer 1), 'specialists' (Layer 2) or 'dense' (the dense baseline). */
export type PipelineStage = 'encode' | 'structure' | 'specialists' | 'dense';
/**
 * The stages every run has, in order (a progress bar can place a stage by its index). With
 * `denseBaseline` a fourth, 'dense', follows 'specialists'.
 */
export const PIPELINE_STAGES: readonly PipelineStage[] = ['encode', 'structure', 'specialists'];

/** The pipeline's progress: `done` of `total` within the current stage. */
export interface PipelineProgress extends Progress {
  stage: PipelineStage;
}

/** Observations through an ONNX encoder. */
export interface EncoderInput {
  /** The generalist encoder (ONNX bytes). */
  encoder: Uint8Array;
  /** Observations [n, T, ...obs]: n episodes of T steps. */
  observations: Tensor<Float32Array>;
  latents?: undefined;
  /** Task variables [n, M] or [n, M, dg], one row per episode. */
  tasks: Tensor;
  /**
   * Optional. What each task's head learns to predict at a step: [n, T, M] or [n, T, M, dy].
   * Default: the episode's task variable g_i, repeated over the steps Layer 1 gave task i. Give it
   * when you have a per-step signal of each task (fitInputsFromStructure's stepTargets option says when it helps).
   */
  stepTargets?: Tensor;
  /**
   * Episodes to score the heads on (held out, or drawn differently: out of distribution), each set's
   * `observations` encoded with the same generalist; each task is scored on the steps Layer 1 gave it. Result: `comparison`.
   */
  evaluation?: EvaluationSet[];
}

/** Latents you already have (your own encoder's output, or the observations themselves): no encoder runs. */
export interface LatentsInput {
  /** [n, T, d]: n episodes of T steps of d numbers. */
  latents: Tensor<Float32Array>;
  encoder?: undefined;
  observations?: undefined;
  /** Task variables [n, M] or [n, M, dg], one row per episode. */
  tasks: Tensor;
  /** Optional per-step targets [n, T, M] or [n, T, M, dy], as in EncoderInput. */
  stepTargets?: Tensor;
  /**
   * Episodes to score the heads on, as latents [n, T, d] of the same encoder (each set gives
   * `latents`, not `observations`); each task is scored on the steps Layer 1 gave it. Result: `comparison`.
   */
  evaluation?: EvaluationSet[];
}

/** `{ encoder, observations, tasks }` or `{ latents, tasks }` (optional stepTargets with both). */
export type PipelineInput = EncoderInput | LatentsInput;

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
  /**
   * Also fit a dense baseline: the same network without the penalty (`specialists` options with
   * penalty 'none'), on the same rows, and compare it with the specialist heads in `comparison`.
   * It about doubles Layer 2's time. Default false.
   */
  denseBaseline?: boolean;
}

const PIPELINE_KEYS: Record<keyof PipelineOptions, true> = { generalist: true, structure: true, specialists: true, maxTrainingRows: true, seed: true, denseBaseline: true };

/** The pipeline's answer; `Device` is null when latents were given (no encoder ran). */
export interface PipelineResult<Device extends DeviceChoice | null = DeviceChoice> {
  /** Where the encoder ran; null when latents were given. */
  device: Device;
  /** SHA-256 of the encoder bytes (saved heads record it); null when latents were given. */
  encoderSha256: Device extends null ? null : string;
  /** [n, T, d] */
  latents: Tensor<Float32Array>;
  structure: StructureResult;
  /** The fitted heads; head j belongs to task fittedTasks[j]. Null when no task has a step. */
  specialists: Specialists | null;
  /** With `denseBaseline`: the dense heads (no penalty, same rows and options), in the same order. */
  dense: Specialists | null;
  /**
   * Per fitted task (in fittedTasks order), its specialist head beside the dense head: input width,
   * validation loss, scores on each evaluation set (accuracy, leakage), size and latency. Null
   * without `denseBaseline` and evaluation sets.
   */
  comparison: TaskComparison[] | null;
  fittedTasks: number[];
  /** Rows (episode, step) used to fit Layer 2. */
  trainingRows: number;
  /** What may make the answer doubtful: Layer 1's warnings (prefixed "Layer 1: "), tasks without a head, scalar targets, heads that read no coordinate, a fit that did not converge. */
  warnings: string[];
  timings: { encodeMs: number; structureMs: number; specialistsMs: number; denseMs: number; totalMs: number };
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
export async function runPipeline(input: EncoderInput, options: PipelineOptions, call?: PipelineCallOptions): Promise<PipelineResult>;
export async function runPipeline(input: LatentsInput, options: PipelineOptions, call?: PipelineCallOptions): Promise<PipelineResult<null>>;
export async function runPipeline(input: PipelineInput, options: PipelineOptions, call?: PipelineCallOptions): Promise<PipelineResult<DeviceChoice | null>>;
export async function runPipeline(input: PipelineInput, options: PipelineOptions, call: PipelineCallOptions = {}): Promise<PipelineResult<DeviceChoice | null>> {
  const started = performance.now();
  const progress = (stage: PipelineStage) => ({ done, total }: Progress) => call.onProgress?.({ stage, done, total });
  if (!input || typeof input !== 'object') throw new SpecialistError('INVALID_ARGUMENT', 'input must be { latents, tasks } or { encoder, observations, tasks } (and optional stepTargets)', { argument: 'input' });
  if (!options || typeof options !== 'object') throw new SpecialistError('INVALID_ARGUMENT', 'options must be { structure: { segmentLength, ... }, ... }', { argument: 'options' });
  checkKeys('PipelineOptions', options, PIPELINE_KEYS);
  if (options.maxTrainingRows !== undefined) checkCount('maxTrainingRows', options.maxTrainingRows, MIN_ROWS, 100_000_000);
  if (options.seed !== undefined && !Number.isFinite(options.seed)) throw new SpecialistError('INVALID_ARGUMENT', `seed must be a finite number, got ${options.seed}`, { argument: 'seed' });
  if (options.denseBaseline !== undefined && typeof options.denseBaseline !== 'boolean') throw new SpecialistError('INVALID_ARGUMENT', `denseBaseline must be true or false, got ${JSON.stringify(options.denseBaseline)}`, { argument: 'denseBaseline' });
  checkTensor('tasks', input.tasks, [2, 3], 'n, M[, dg]');
  const given = checkSource(input);
  const [n, T] = given.shape;
  if (input.tasks.shape[0] !== n) throw episodeMismatch(input.latents ? 'latents' : 'observations', given.shape, input.tasks.shape);
  const M = input.tasks.shape[1];
  const dg = input.tasks.shape[2] ?? 1;
  // Checked before the encoder runs: a wrong shape should not cost an encoding.
  if (input.stepTargets) checkStepTargets(input.stepTargets, n, T, M);
  const targetWidth = input.stepTargets ? (input.stepTargets.shape[3] ?? 1) : dg;
  const evaluation = checkEvaluation(input.evaluation, input.latents ? 'latents' : 'observations', given.shape, M, targetWidth, Boolean(input.stepTargets));
  const warnings: string[] = [];

  // Stage 1: encode every step of every episode and of the evaluation sets (latents given: nothing to do).
  let t0 = performance.now();
  let latents: Tensor<Float32Array>;
  let encoder: { device: DeviceChoice; sha256: string } | null = null;
  let evaluationLatents: Tensor<Float32Array>[] = [];
  if (input.latents) {
    latents = input.latents;
    evaluationLatents = evaluation.map((set) => set.latents!);
  } else {
    const generalist = await Generalist.load(input.encoder!, options.generalist);
    try {
      latents = await generalist.encode(given, { signal: call.signal, onProgress: progress('encode') });
      for (const set of evaluation) evaluationLatents.push(await generalist.encode(set.observations!, { signal: call.signal }));
    } finally {
      await generalist.dispose();
    }
    encoder = { device: generalist.device, sha256: generalist.modelSha256 };
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
  const fit = fitInputsFromStructure(structure, { data: latents.data, shape: [n, T, d] }, input.tasks, {
    stepTargets: input.stepTargets,
    maxRows: options.maxTrainingRows,
    seed: options.seed,
  });
  const { fittedTasks } = fit;
  warnings.push(...headWarnings(M, fittedTasks, targetWidth));
  let specialists: Specialists | null = null;
  let dense: Specialists | null = null;
  let denseMs = 0;
  const trainingRows = fittedTasks.length > 0 ? fit.latents.shape[0] : 0;
  if (fittedTasks.length > 0) {
    const fitHeads = (stage: 'specialists' | 'dense', extra: SpecialistOptions) =>
      fitSpecialists(fit.latents, fit.targets, { ...options.specialists, ...extra }, {
        signal: call.signal,
        membership: fit.membership,
        kernels,
        pool: call.pool,
        onProgress: (p) => call.onProgress?.({ stage, done: p.done, total: p.total }),
      });
    const fitted = await fitHeads('specialists', {});
    specialists = encoder ? fitted.withEncoder(encoder.sha256) : fitted;
    warnings.push(...fitWarnings(fitted, fittedTasks));
    if (options.denseBaseline) {
      const t1 = performance.now();
      const baseline = await fitHeads('dense', { penalty: 'none' });
      dense = encoder ? baseline.withEncoder(encoder.sha256) : baseline;
      denseMs = performance.now() - t1;
    }
  }
  const specialistsMs = performance.now() - t0 - denseMs;
  const stepTargets = Boolean(input.stepTargets);
  const comparison =
    specialists && (dense || evaluation.length > 0)
      ? fittedTasks.map((task, j) => {
          const sets = evaluation.map((set, s) => taskRows(set, evaluationLatents[s], structure.stepTasks, task, stepTargets));
          return { task, specialist: headFacts(specialists!, j, sets, false, options.seed), dense: dense && headFacts(dense, j, sets, true, options.seed) };
        })
      : null;
  return {
    device: encoder?.device ?? null,
    encoderSha256: encoder?.sha256 ?? null,
    latents,
    structure,
    specialists,
    dense,
    comparison,
    fittedTasks,
    trainingRows,
    warnings,
    timings: { encodeMs, structureMs, specialistsMs, denseMs, totalMs: performance.now() - started },
  };
}

/** The episodes' data: latents [n, T, d], or observations [n, T, ...obs] with an encoder; not both. */
function checkSource(input: PipelineInput): Tensor<Float32Array> {
  const hasEncoder = input.encoder !== undefined || input.observations !== undefined;
  if (input.latents !== undefined) {
    if (hasEncoder) {
      throw new SpecialistError('INVALID_ARGUMENT', 'give latents, or an encoder with observations, not both (latents skip the encoder)', { argument: 'latents' });
    }
    checkTensor('latents', input.latents, [3], 'n, T, d');
    return input.latents;
  }
  if (input.encoder === undefined) {
    throw new SpecialistError('INVALID_ARGUMENT', 'input has no encoder: give { latents: [n, T, d], tasks } for latents you already have, or { encoder, observations, tasks }', { argument: 'encoder' });
  }
  if (!input.observations || !Array.isArray(input.observations.shape) || input.observations.shape.length < 3) {
    throw new SpecialistError('SHAPE_MISMATCH', `observations must be [n, T, ...obs] (episodes, steps, observation), got [${input.observations?.shape?.join(', ')}]`, { argument: 'observations' });
  }
  return input.observations;
}
