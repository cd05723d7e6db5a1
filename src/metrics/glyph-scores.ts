// Scores of a pipeline run on the glyph world against the world's truth: what each specialist
// block (or the generalist's latents as a whole) says about the content a task reads, the content
// it does not read, and the nuisance style; and how well a head's prediction names the character.
import { SpecialistError } from '../core/errors.ts';
import type { Tensor } from '../core/tensor.ts';
import { checkCount } from '../core/validate.ts';
import { kernelRidgeR2 } from './identifiability.ts';

/** What these scores read of a glyph world (a GlyphWorld has it all). */
export interface ScoredGlyphWorld {
  params: { steps: number; segmentLength: number; tasks: number; slots: readonly string[]; fonts: readonly number[] };
  truth: {
    relation: ArrayLike<number>;
    content: ArrayLike<number>;
    style: Float32Array;
    styleNames: readonly string[];
    font: ArrayLike<number>;
    taskSlots: readonly number[];
    embeddings: readonly (readonly (readonly number[])[])[];
  };
}

/** (episode, step) pairs, as rows of a latent matrix. */
export type StepRows = readonly (readonly [number, number])[];

/**
 * How much of each kind of glyph-world content a representation holds (held-out kernel ridge R^2
 * per kind).
 */
export interface BlockScores {
  /** Held-out kernel ridge R^2 from the representation to the one-hot character of the task's slot. */
  content: number;
  /** ... to the one-hot character of the other slots (content the task does not read); null with one slot. */
  otherContent: number | null;
  /** ... to the continuous style values (size, stretch, slant, spacing, x, y, noise, colours, polarity). */
  style: number;
  /** ... to the one-hot font. */
  font: number;
}

/** Rows of `steps` picked out of latents [n, T, d] into a matrix [rows, d]. */
export function gatherSteps(latents: Tensor<Float32Array>, steps: StepRows): Tensor<Float32Array> {
  const [, T, d] = latents.shape;
  const out = new Float32Array(steps.length * d);
  steps.forEach(([e, t], r) => out.set(latents.data.subarray((e * T + t) * d, (e * T + t + 1) * d), r * d));
  return { data: out, shape: [steps.length, d] };
}

function oneHot(values: ArrayLike<number>, classes: number): Tensor<Float32Array> {
  const data = new Float32Array(values.length * classes);
  for (let r = 0; r < values.length; r++) data[r * classes + values[r]] = 1;
  return { data, shape: [values.length, classes] };
}

/**
 * R^2 (kernel ridge, held-out rows) of `representation` (one row per entry of `steps`) to the
 * content of `slot` and of the other slots, to the style and to the font.
 */
export function blockScores(world: ScoredGlyphWorld, representation: Tensor<Float32Array>, steps: StepRows, slot: number, seed = 0): BlockScores {
  if (representation.shape.length !== 2 || representation.shape[0] !== steps.length) {
    throw new SpecialistError('SHAPE_MISMATCH', `representation has shape [${representation.shape.join(', ')}]; give one row per step ([${steps.length}, k])`, { argument: 'representation' });
  }
  if (!(slot >= 0 && slot < world.params.slots.length)) throw new SpecialistError('INVALID_ARGUMENT', `slot ${slot} does not exist; the world has ${world.params.slots.length}`, { argument: 'slot' });
  const { steps: T, slots } = world.params;
  const S = world.truth.styleNames.length;
  const rowOf = (e: number, t: number) => e * T + t;
  const slotValues = (p: number) => steps.map(([e, t]) => world.truth.content[rowOf(e, t) * slots.length + p]);
  const r2 = (target: Tensor) => (representation.shape[1] === 0 ? 0 : kernelRidgeR2(representation, target, { seed }).mean);
  const others = slots.map((_, p) => p).filter((p) => p !== slot);
  const style = new Float32Array(steps.length * S);
  steps.forEach(([e, t], r) => style.set(world.truth.style.subarray(rowOf(e, t) * S, (rowOf(e, t) + 1) * S), r * S));
  return {
    content: r2(oneHot(slotValues(slot), [...slots[slot]].length)),
    otherContent: others.length === 0 ? null : others.reduce((a, p) => a + r2(oneHot(slotValues(p), [...slots[p]].length)), 0) / others.length,
    style: r2({ data: style, shape: [steps.length, S] }),
    font: r2(oneHot(steps.map(([e, t]) => world.truth.font[rowOf(e, t)]), world.params.fonts.length === 0 ? 1 : Math.max(...world.params.fonts) + 1)),
  };
}

/**
 * Share of `steps` where a head's prediction of task `task`'s contribution [rows, dg] lies nearest
 * to the embedding of the character actually shown in the task's slot. Give the class read-out
 * (`Specialists.classify(...).codes`, each row an embedding) to score heads by class.
 */
export function readAccuracy(world: ScoredGlyphWorld, prediction: Tensor<Float32Array>, steps: StepRows, task: number): number {
  const { steps: T, slots } = world.params;
  const slot = world.truth.taskSlots[task];
  const embedding = world.truth.embeddings[task];
  if (!embedding) throw new SpecialistError('INVALID_ARGUMENT', `task ${task} does not exist; the world has ${world.truth.embeddings.length}`, { argument: 'task' });
  const cols = prediction.shape[1];
  if (prediction.shape.length !== 2 || prediction.shape[0] !== steps.length || cols !== embedding[0].length) {
    throw new SpecialistError('SHAPE_MISMATCH', `prediction has shape [${prediction.shape.join(', ')}]; task ${task} needs [${steps.length}, ${embedding[0].length}] (one row per step)`, { argument: 'prediction' });
  }
  let right = 0;
  steps.forEach(([e, t], r) => {
    let best = 0;
    let bestDistance = Infinity;
    embedding.forEach((v, k) => {
      let s = 0;
      for (let q = 0; q < v.length; q++) s += (prediction.data[r * cols + q] - v[q]) ** 2;
      if (s < bestDistance) [best, bestDistance] = [k, s];
    });
    if (best === world.truth.content[(e * T + t) * slots.length + slot]) right++;
  });
  return steps.length === 0 ? 0 : right / steps.length;
}

/** Every (episode, step) of episodes [from, to) at the steps that serve `task` in the true relation. */
export function servedSteps(world: ScoredGlyphWorld, task: number, from: number, to: number): [number, number][] {
  const { steps: T, segmentLength: L, tasks: M } = world.params;
  const steps = Array.from({ length: T }, (_, t) => t).filter((t) => world.truth.relation[Math.floor(t / L) * M + task] === 1);
  const out: [number, number][] = [];
  for (let e = from; e < to; e++) for (const t of steps) out.push([e, t]);
  return out;
}

/** What a glyph world says about episodes [from, to) for scoring heads on them (the pipeline's evaluation sets take it). */
export interface GlyphEvaluation {
  /** Each step's clean target per task, [count, T, M, dg]: the embedding of the character shown in the task's slot. */
  stepTargets: Tensor<Float32Array>;
  /** 1 where a step serves the task in the true relation (and is drawn in one of `fonts`), [count, T, M]. */
  steps: Tensor<Float32Array>;
  /** The style values [count, T, styleNames.length] and the one-hot font [count, T, fonts]. */
  nuisance: { style: Tensor<Float32Array>; font: Tensor<Float32Array> };
}

/**
 * Targets, scored steps and nuisance of episodes [from, to) of a glyph world: a head's prediction
 * is right (nearest its own target among the codes) when it names the character shown, as
 * readAccuracy counts it. With `fonts`, only the steps drawn in those fonts are scored.
 */
export function glyphEvaluation(world: ScoredGlyphWorld, from: number, to: number, fonts?: readonly number[]): GlyphEvaluation {
  const { steps: T, segmentLength: L, tasks: M, slots } = world.params;
  const dg = world.truth.embeddings[0][0].length;
  const n = world.truth.font.length / T;
  checkCount('from', from, 0, n - 1);
  checkCount('to', to, from + 1, n);
  const count = to - from;
  const S = world.truth.styleNames.length;
  const F = Math.max(...world.params.fonts) + 1;
  const targets = new Float32Array(count * T * M * dg);
  const steps = new Float32Array(count * T * M);
  const style = world.truth.style.slice(from * T * S, to * T * S);
  const font = new Float32Array(count * T * F);
  for (let r = 0; r < count * T; r++) {
    const row = from * T + r;
    const f = world.truth.font[row];
    font[r * F + f] = 1;
    for (let i = 0; i < M; i++) {
      const slot = world.truth.taskSlots[i];
      targets.set(world.truth.embeddings[i][world.truth.content[row * slots.length + slot]], (r * M + i) * dg);
      const serves = world.truth.relation[Math.floor((r % T) / L) * M + i] === 1;
      steps[r * M + i] = serves && (!fonts || fonts.includes(f)) ? 1 : 0;
    }
  }
  return {
    stepTargets: { data: targets, shape: [count, T, M, dg] },
    steps: { data: steps, shape: [count, T, M] },
    nuisance: { style: { data: style, shape: [count, T, S] }, font: { data: font, shape: [count, T, F] } },
  };
}
