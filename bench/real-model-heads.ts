// The head comparison of `npm run real-model` beyond what the pipeline reports itself: a linear
// probe on all latents beside the specialist and dense heads, and heads fitted without the steps
// drawn in some fonts, scored on those fonts (unseen nuisance values) and on the others.
import type { Tensor } from '../src/core/tensor.ts';
import { gatherSteps, glyphEvaluation } from '../src/metrics/glyph-scores.ts';
import { headFacts, scoreSet, type ComparisonRows, type HeadFacts, type HeadOutput, type SetScore } from '../src/pipeline/compare.ts';
import { classCodes } from '../src/specialist/class-targets.ts';
import { taskRows, type EvaluationSet } from '../src/pipeline/evaluation.ts';
import { fitSpecialists } from '../src/specialist/fit.ts';
import type { SpecialistOptions } from '../src/specialist/options.ts';
import type { GlyphWorld } from '../src/synthetic/glyph-world.ts';
import { linearProbe } from './linear-probe.ts';

/** Layer 2's training rows as the pipeline builds them: every (episode, step) of episodes 0..n-1 whose step serves a fitted task. */
export function trainingRows(n: number, stepTasks: number[][], fitted: number[], keep: (e: number, t: number) => boolean = () => true): [number, number][] {
  const rows: [number, number][] = [];
  for (let e = 0; e < n; e++) for (let t = 0; t < stepTasks.length; t++) if (fitted.some((i) => stepTasks[t][i]) && keep(e, t)) rows.push([e, t]);
  return rows;
}

/** Latents, targets (each step's contribution, what the heads learn) and Layer 1 membership of `rows`. */
export function fitInputs(world: GlyphWorld, latents: Tensor<Float32Array>, rows: [number, number][], stepTasks: number[][], fitted: number[]) {
  const { steps: T, taskDim: dg, tasks: M } = world.params;
  const K = fitted.length;
  const member = new Float32Array(rows.length * K);
  const y = new Float32Array(rows.length * K * dg);
  rows.forEach(([e, t], r) =>
    fitted.forEach((i, j) => {
      member[r * K + j] = stepTasks[t][i];
      y.set(world.contributions.subarray(((e * T + t) * M + i) * dg, ((e * T + t) * M + i + 1) * dg), (r * K + j) * dg);
    }),
  );
  return { z: gatherSteps(latents, rows), y: { data: y, shape: [rows.length, K, dg] }, membership: { data: member, shape: [rows.length, K] } };
}

/**
 * A linear probe on x [rows, d] to y [rows, dy], read out by class when y are class codes (ridge to
 * the one-hot class, the largest output decides, as Specialists.classify does), else a plain
 * regression read by the nearest code.
 */
export function classProbe(x: Tensor<Float32Array>, y: Tensor<Float32Array>): (latents: Tensor<Float32Array>) => HeadOutput {
  const [rows, dy] = y.shape;
  const found = classCodes(y.data, dy, new Uint8Array(rows).fill(1));
  const probe = linearProbe(x, y);
  if (!found) return (latents) => ({ prediction: probe.predict(latents), input: latents });
  const K = found.classes;
  const oneHot = new Float32Array(rows * K);
  found.labels.forEach((c, r) => (oneHot[r * K + c] = 1));
  const classProbe = linearProbe(x, { data: oneHot, shape: [rows, K] });
  return (latents) => {
    const scores = classProbe.predict(latents).data;
    const n = latents.shape[0];
    const codes = new Float32Array(n * dy);
    for (let r = 0; r < n; r++) {
      let best = 0;
      for (let c = 1; c < K; c++) if (scores[r * K + c] > scores[r * K + best]) best = c;
      codes.set(found.codes.subarray(best * dy, (best + 1) * dy), r * dy);
    }
    return { prediction: probe.predict(latents), input: latents, classes: { data: codes, shape: [n, dy] } };
  };
}

/** A linear probe per fitted task on its member rows, scored on each set (its input, for leakage, is all latents). */
export function probeScores(inputs: ReturnType<typeof fitInputs>, sets: ComparisonRows[][], seed: number): SetScore[][] {
  const [rows, K, dg] = inputs.y.shape;
  const d = inputs.z.shape[1];
  return Array.from({ length: K }, (_, j) => {
    const member = Array.from({ length: rows }, (_, r) => r).filter((r) => inputs.membership.data[r * K + j] === 1);
    const x = { data: Float32Array.from(member.flatMap((r) => Array.from(inputs.z.data.subarray(r * d, (r + 1) * d)))), shape: [member.length, d] };
    const y = { data: Float32Array.from(member.flatMap((r) => Array.from(inputs.y.data.subarray((r * K + j) * dg, (r * K + j + 1) * dg)))), shape: [member.length, dg] };
    const probe = classProbe(x, y);
    return sets[j].map((set) => scoreSet(set, probe, seed));
  });
}

/** Each fitted task's rows of each evaluation set (`latents` [count, T, d] per set). */
export function setRows(sets: EvaluationSet[], latents: Tensor<Float32Array>[], stepTasks: number[][], fitted: number[]): ComparisonRows[][] {
  return fitted.map((task) => sets.map((set, s) => taskRows(set, latents[s], stepTasks, task, true)));
}

export interface UnseenFontsRun {
  fonts: number[];
  trainingRows: number;
  /** Per fitted task: specialist, dense head and linear probe on [unseen fonts, seen fonts] of the held-out episodes. */
  heads: { task: number; support: number; specialist: HeadFacts; dense: HeadFacts; probe: SetScore[] }[];
  seconds: number;
}

/**
 * Heads fitted on the pipeline's rows without the steps drawn in `fonts` (same Layer 1 relation,
 * same options), scored on the held-out episodes' steps in those fonts and in the others.
 */
export async function unseenFonts(world: GlyphWorld, latents: Tensor<Float32Array>, held: { latents: Tensor<Float32Array>; from: number; to: number }, stepTasks: number[][], fitted: number[], fonts: number[], options: SpecialistOptions): Promise<UnseenFontsRun> {
  const t0 = performance.now();
  const { steps: T } = world.params;
  const n = latents.shape[0];
  const rows = trainingRows(n, stepTasks, fitted, (e, t) => !fonts.includes(world.truth.font[e * T + t]));
  const inputs = fitInputs(world, latents, rows, stepTasks, fitted);
  const call = { membership: inputs.membership };
  const specialist = await fitSpecialists(inputs.z, inputs.y, options, call);
  const dense = await fitSpecialists(inputs.z, inputs.y, { ...options, penalty: 'none' }, call);
  const others = world.params.fonts.filter((f) => !fonts.includes(f));
  const sets = [
    { name: 'unseen fonts', observations: held.latents, ...glyphEvaluation(world, held.from, held.to, fonts) },
    { name: 'seen fonts', observations: held.latents, ...glyphEvaluation(world, held.from, held.to, others) },
  ];
  const rowsOf = setRows(sets, [held.latents, held.latents], stepTasks, fitted);
  const probes = probeScores(inputs, rowsOf, options.seed ?? 0);
  return {
    fonts,
    trainingRows: rows.length,
    heads: fitted.map((task, j) => ({
      task,
      support: specialist.supports[j].length,
      specialist: headFacts(specialist, j, rowsOf[j], false, options.seed),
      dense: headFacts(dense, j, rowsOf[j], true, options.seed),
      probe: probes[j],
    })),
    seconds: Math.round((performance.now() - t0) / 100) / 10,
  };
}
