// Evaluation sets of a pipeline run: episodes the heads were not fitted on (held out, or drawn
// differently: unseen fonts, a nuisance no longer tied to the content), encoded like the training
// observations and cut into each task's rows for the head comparison (compare.ts).
import { SpecialistError } from '../core/errors.ts';
import { checkTensor, type Tensor } from '../core/tensor.ts';
import type { ComparisonRows } from './compare.ts';

/** Episodes the heads are scored on (PipelineInput's `evaluation`): the same kind of data as the training input, with their targets. */
export interface EvaluationSet {
  /** Names the set in the comparison, e.g. 'held-out episodes' or 'unseen fonts'. */
  name: string;
  /**
   * Observations [n, T, ...obs], shaped as the pipeline's `observations` (any n): with an encoder
   * in the pipeline's input.
   */
  observations?: Tensor<Float32Array>;
  /** Latents [n, T, d], shaped as the pipeline's `latents` (any n): when the pipeline's input is latents. */
  latents?: Tensor<Float32Array>;
  /**
   * What each head should predict at each step, [n, T, M(, dy)] as the pipeline's `stepTargets`;
   * without `stepTargets` in the pipeline's input, give `tasks` instead.
   */
  stepTargets?: Tensor;
  /** Task variables [n, M(, dg)], when the pipeline's heads learn the task variables. */
  tasks?: Tensor;
  /**
   * 1 where a step is scored, [n, T] for every task or [n, T, M] per task (e.g. only the steps drawn
   * in unseen fonts). Default: every step Layer 1 gave the task.
   */
  steps?: Tensor;
  /** Nuisance variables by name, each [n, T, q] (or [n, T]): leakage is what a probe recovers of them from a head's input. */
  nuisance?: Record<string, Tensor>;
}

function bad(name: string, message: string): SpecialistError {
  return new SpecialistError('INVALID_ARGUMENT', `evaluation set '${name}': ${message}`, { argument: 'evaluation', set: name });
}

/**
 * Checks every set against the training input: the same kind of data (`observations` with an
 * encoder, `latents` with latents), the same steps and shape, targets of the same kind and width.
 */
export function checkEvaluation(sets: unknown, kind: 'observations' | 'latents', trainingShape: readonly number[], M: number, targetWidth: number, stepTargets: boolean): EvaluationSet[] {
  if (sets === undefined) return [];
  if (!Array.isArray(sets)) throw new SpecialistError('INVALID_ARGUMENT', `evaluation must be an array of { name, ${kind}, stepTargets | tasks[, steps, nuisance] }`, { argument: 'evaluation' });
  const other = kind === 'latents' ? 'observations' : 'latents';
  const names = new Set<string>();
  return sets.map((set: EvaluationSet, i) => {
    if (!set || typeof set !== 'object' || typeof set.name !== 'string' || set.name === '') throw bad(String(i), 'needs a non-empty name');
    if (names.has(set.name)) throw bad(set.name, 'the name is used twice');
    names.add(set.name);
    if (set[other] !== undefined) {
      throw bad(
        set.name,
        kind === 'latents'
          ? 'gives observations, but the pipeline was given latents (no encoder runs): give the set as latents [n, T, d] of the same encoder'
          : 'gives latents, but the pipeline encodes observations: give the set as observations, encoded with the same generalist',
      );
    }
    if (set[kind] === undefined) throw bad(set.name, `needs ${kind} (the pipeline's input is ${kind})`);
    const shape = checkTensor(`evaluation '${set.name}' ${kind}`, set[kind], [trainingShape.length]);
    if (shape.slice(1).some((s, k) => s !== trainingShape[k + 1])) {
      throw new SpecialistError('SHAPE_MISMATCH', `evaluation set '${set.name}': ${kind} are [${shape.join(', ')}], the training ones [n, ${trainingShape.slice(1).join(', ')}]`, { argument: 'evaluation', set: set.name });
    }
    const [n, T] = shape;
    const targets = stepTargets ? set.stepTargets : set.tasks;
    const expected = stepTargets ? [n, T, M, targetWidth] : [n, M, targetWidth];
    if (!targets) throw bad(set.name, `needs ${stepTargets ? 'stepTargets (the pipeline learns step targets)' : 'tasks (the pipeline learns task variables)'}`);
    const got = checkTensor(`evaluation '${set.name}' ${stepTargets ? 'stepTargets' : 'tasks'}`, targets, [expected.length - 1, expected.length]);
    if (expected.some((s, k) => (got[k] ?? 1) !== s)) {
      throw new SpecialistError('SHAPE_MISMATCH', `evaluation set '${set.name}': targets are [${got.join(', ')}], expected [${expected.join(', ')}]`, { argument: 'evaluation', set: set.name });
    }
    const per = (name: string, t: Tensor, last: string, lastSize?: number) => {
      const s = checkTensor(`evaluation '${set.name}' ${name}`, t, [2, 3]);
      if (s[0] !== n || s[1] !== T || (lastSize !== undefined && s.length === 3 && s[2] !== lastSize)) {
        throw new SpecialistError('SHAPE_MISMATCH', `evaluation set '${set.name}': ${name} is [${s.join(', ')}], expected [${n}, ${T}] or [${n}, ${T}, ${last}]`, { argument: 'evaluation', set: set.name });
      }
    };
    if (set.steps !== undefined) per('steps', set.steps, String(M), M);
    if (set.nuisance !== undefined && (typeof set.nuisance !== 'object' || set.nuisance === null)) throw bad(set.name, 'nuisance must map names to [n, T, q] tensors');
    for (const [name, t] of Object.entries(set.nuisance ?? {})) per(`nuisance '${name}'`, t, 'q');
    return set;
  });
}

/**
 * The rows of `set` that task `task` is scored on: the steps `stepTasks` gives the task (and `steps`
 * marks), with their latents [n, T, d], targets and nuisance.
 */
export function taskRows(set: EvaluationSet, latents: Tensor<Float32Array>, stepTasks: number[][], task: number, stepTargets: boolean): ComparisonRows {
  const [n, T, d] = latents.shape;
  const M = stepTasks[0]?.length ?? 0;
  const targets = (stepTargets ? set.stepTargets : set.tasks)!;
  const dy = targets.shape[stepTargets ? 3 : 2] ?? 1;
  const mask = set.steps;
  const scored = !mask ? () => true : mask.shape.length === 3 ? (e: number, t: number) => mask.data[(e * T + t) * M + task] !== 0 : (e: number, t: number) => mask.data[e * T + t] !== 0;
  const picked: [number, number][] = [];
  for (let e = 0; e < n; e++) for (let t = 0; t < T; t++) if (stepTasks[t][task] && scored(e, t)) picked.push([e, t]);
  const gather = (data: ArrayLike<number>, width: number, at: (e: number, t: number) => number) => {
    const out = new Float32Array(picked.length * width);
    picked.forEach(([e, t], r) => {
      const from = at(e, t);
      for (let q = 0; q < width; q++) out[r * width + q] = data[from + q];
    });
    return { data: out, shape: [picked.length, width] };
  };
  const nuisance = Object.fromEntries(
    Object.entries(set.nuisance ?? {}).map(([name, t]) => {
      const q = t.shape[2] ?? 1;
      return [name, gather(t.data, q, (e, s) => (e * T + s) * q)];
    }),
  );
  return {
    name: set.name,
    latents: gather(latents.data, d, (e, t) => (e * T + t) * d),
    targets: gather(targets.data, dy, stepTargets ? (e, t) => ((e * T + t) * M + task) * dy : (e) => (e * M + task) * dy),
    nuisance,
  };
}
