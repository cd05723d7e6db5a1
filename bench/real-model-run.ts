// One seed of `npm run real-model`: the glyph world (or its shortcut variant), its pictures through
// the PP-OCRv4 recogniser, the whole pipeline in a Node worker with a dense baseline and evaluation
// sets, every Layer 1 test on the same latents, the blocks against content and style, the heads
// beside a dense head and a linear probe (in and out of distribution), and the deployed heads.
import { readFileSync } from 'node:fs';
import { Generalist } from '../src/generalist/generalist.ts';
import { SpecialistRuntime } from '../src/deploy/specialist-runtime.ts';
import type { HeadFacts, SetScore } from '../src/pipeline/compare.ts';
import type { EvaluationSet } from '../src/pipeline/evaluation.ts';
import { runPipelineInWorker } from '../src/pipeline/job.ts';
import type { PipelineResult } from '../src/pipeline/pipeline.ts';
import { discoverTaskStructure, type StructureOptions } from '../src/structure/discover.ts';
import { WorkerPool } from '../src/worker/pool.ts';
import type { Tensor } from '../src/core/tensor.ts';
import { cachePath, identityEncoder, readCache, writeCache } from './real-model-cache.ts';
import { fitInputs, probeScores, setRows, trainingRows, unseenFonts, type UnseenFontsRun } from './real-model-heads.ts';
import { sha256Hex } from '../src/io/sha256.ts';
import { SpecialistError } from '../src/core/errors.ts';
import { time } from './util.ts';
import { blockScores, type BlockScores, gatherSteps, glyphEvaluation, type GlyphWorld, glyphWorld, OCR_GENERALIST_OPTIONS, OCR_MODEL_PATH, readAccuracy, servedSteps, type StepRows, structureMetrics } from 'specialist-sdk/lab';

export interface RunSettings {
  seed: number;
  episodes: number;
  holdout: number;
  steps: number;
  layer: string;
  /** Layer 1 tests to run on the latents; the first is the one the pipeline itself runs. */
  tests: string[];
  epochs?: number;
  /** Folder of the latents cache (see real-model-cache.ts); none: encode every time. */
  latentsCache?: string;
  /**
   * 'default', or 'shortcut': the nuisance follows the content with this strength in the training
   * and held-out episodes, and a second held-out set draws it independently.
   */
  shortcut?: number;
  /** Font sets held out of a second fit each (default world only). */
  unseenFonts: number[][];
  log: (line: string) => void;
}

export interface TestRun {
  test: string;
  /** Why the test refused this world (e.g. too few episodes for its width); its numbers are then NaN. */
  refused?: string;
  accuracy: number;
  mcc: number;
  relation: number[][];
  seconds: number;
}

export interface HeadRun {
  task: number;
  slot: number;
  support: number;
  block: BlockScores;
  /** The pipeline's comparison, on each evaluation set: the specialist head, the dense head; and a linear probe on all latents. */
  specialist: HeadFacts;
  dense: HeadFacts;
  probe: SetScore[];
  onnxBytes: number;
}

export interface SeedRun {
  seed: number;
  world: 'default' | 'shortcut';
  truth: number[][];
  latentDims: number;
  layer1: TestRun[];
  diagnosticPairs: number;
  latents: BlockScores[];
  heads: HeadRun[];
  unseenFonts: UnseenFontsRun[];
  headsFileBytes: number;
  latencyMs: { encoderAndHead: number; headOnly: number };
  latentsCached: boolean;
  timingsSeconds: { encode: number; structure: number; specialists: number; dense: number; unseenFonts: number };
  loadAverage: { start: number; end: number };
  warnings: string[];
  /** The pipeline's result (for the HTML report of the last seed); not written to JSON. */
  result?: PipelineResult;
}

const seconds = (ms: number) => Math.round(ms / 100) / 10;

/** Episodes [from, to) of a world's task arrays. */
function episodesOf(data: Float32Array, shape: number[], from: number, to: number): { data: Float32Array; shape: number[] } {
  const per = shape.slice(1).reduce((a, b) => a * b, 1);
  return { data: data.subarray(from * per, to * per), shape: [to - from, ...shape.slice(1)] };
}

/** Latents of episodes [from, to) of a [n, T, d] tensor. */
function episodeLatents(latents: Tensor<Float32Array>, from: number, to: number): Tensor<Float32Array> {
  const [, T, d] = latents.shape;
  return { data: latents.data.subarray(from * T * d, to * T * d), shape: [to - from, T, d] };
}

/** The pictures of episodes [from, to) through the recogniser, 100 episodes at a time. */
async function encode(world: GlyphWorld, encoder: Uint8Array, generalist: typeof OCR_GENERALIST_OPTIONS, from: number, to: number): Promise<Tensor<Float32Array>> {
  const reader = await Generalist.load(encoder, generalist);
  try {
    const parts: Tensor<Float32Array>[] = [];
    for (let e = from; e < to; e += 100) parts.push(await reader.encode(world.observations(e, Math.min(100, to - e))));
    const [, T, d] = parts[0].shape;
    const data = new Float32Array(parts.reduce((a, p) => a + p.data.length, 0));
    parts.reduce((at, p) => (data.set(p.data, at), at + p.data.length), 0);
    return { data, shape: [to - from, T, d] };
  } finally {
    await reader.dispose();
  }
}

function testOptions(test: string): Pick<StructureOptions, 'test'> {
  return { test: test as StructureOptions['test'] };
}

export async function runSeed(s: RunSettings): Promise<SeedRun> {
  const { seed, episodes: n, holdout, steps: T } = s;
  const loadStart = (await import('node:os')).loadavg()[0];
  const shortcut = s.shortcut !== undefined;
  // Shortcut world: episodes 0..n+holdout-1 tie the nuisance to the content, the last holdout do not.
  const total = n + holdout * (shortcut ? 2 : 1);
  const world = glyphWorld({ episodes: total, steps: T, seed, ...(shortcut ? { shortcut: { episodes: n + holdout, strength: s.shortcut! } } : {}) });
  const [N, M] = world.shapes.relation;
  const dg = world.params.taskDim;
  const L = world.params.segmentLength;
  const truth = Array.from({ length: N }, (_, k) => Array.from(world.truth.relation.subarray(k * M, k * M + M)));
  const encoder = new Uint8Array(readFileSync(OCR_MODEL_PATH));
  const generalist = { ...OCR_GENERALIST_OPTIONS, output: s.layer };
  const tasks = episodesOf(world.tasks, world.shapes.tasks, 0, n);
  const cacheFile = s.latentsCache && cachePath(s.latentsCache, { seed, layer: s.layer, episodes: n, holdout, steps: T, world: shortcut ? `shortcut${s.shortcut}` : undefined });
  const cached = cacheFile ? readCache(cacheFile) : undefined;
  s.log(`seed ${seed}${shortcut ? ` (shortcut world, strength ${s.shortcut})` : ''}: ${n} episodes x ${T} steps (+${total - n} held out), relation ${JSON.stringify(truth)}${cached ? ` (latents from ${cacheFile})` : ''}`);

  // The recogniser's latents of every episode (or the cache's: bit-identical), then the pipeline
  // on them through an identity encoder, so the cache and a fresh run go through the same code.
  let t0 = performance.now();
  const latents = cached?.latents ?? (await encode(world, encoder, generalist, 0, n));
  const heldLatents = cached?.heldLatents ?? (await encode(world, encoder, generalist, n, total));
  const encodeMs = performance.now() - t0;
  if (cacheFile && !cached) await writeCache(cacheFile, { latents, heldLatents });
  const d = latents.shape[2];
  const evaluation: EvaluationSet[] = [{ name: 'held-out episodes', observations: episodeLatents(heldLatents, 0, holdout), ...glyphEvaluation(world, n, n + holdout) }];
  if (shortcut) evaluation.push({ name: 'nuisance independent', observations: episodeLatents(heldLatents, holdout, 2 * holdout), ...glyphEvaluation(world, n + holdout, total) });
  const pool = await WorkerPool.create({ size: 1 });
  let result: PipelineResult;
  try {
    result = await runPipelineInWorker(
      { encoder: identityEncoder(d), observations: latents, tasks, stepTargets: episodesOf(world.contributions, [total, T, M, dg], 0, n), evaluation },
      { structure: { segmentLength: L, ...testOptions(s.tests[0]) }, specialists: { seed, epochs: s.epochs }, seed, denseBaseline: true },
      { pool, onProgress: (p) => p.done === p.total && s.log(`  ${p.stage} done`) },
    );
  } finally {
    await pool.close();
  }
  const t = result.timings;
  const layer1: TestRun[] = [{ test: s.tests[0], ...structureMetrics(result.structure.relation, truth), relation: result.structure.relation, seconds: seconds(t.structureMs) }];
  for (const test of s.tests.slice(1)) {
    t0 = performance.now();
    try {
      const other = await discoverTaskStructure(latents, tasks, { segmentLength: L, test: test as StructureOptions['test'], seed });
      layer1.push({ test, ...structureMetrics(other.relation, truth), relation: other.relation, seconds: seconds(performance.now() - t0) });
    } catch (error) {
      // A test that refuses the world (a typed error, e.g. kNN-CMI's rows per column) is a result too.
      if (!(error instanceof SpecialistError) || error.code !== 'INVALID_ARGUMENT') throw error;
      layer1.push({ test, refused: error.message, accuracy: NaN, mcc: NaN, relation: [], seconds: seconds(performance.now() - t0) });
    }
  }
  for (const r of layer1) {
    s.log(r.refused ? `  Layer 1 ${r.test}: refused: ${r.refused}` : `  Layer 1 ${r.test}: accuracy ${r.accuracy.toFixed(2)}, MCC ${r.mcc.toFixed(2)} (${r.seconds} s) ${JSON.stringify(r.relation)}`);
  }

  // The generalist's own latents: what any block could at most carry about content and style.
  const latentScores = world.truth.taskSlots.map((slot, i) => {
    const rows = servedSteps(world, i, 0, n);
    return blockScores(world, gatherSteps(latents, rows), rows, slot, seed);
  });

  const model = result.specialists!.withEncoder(sha256Hex(encoder));
  const fitted = result.fittedTasks;
  const { stepTasks } = result.structure;
  const setLatents = evaluation.map((set) => set.observations!);
  const probes = probeScores(fitInputs(world, latents, trainingRows(n, stepTasks, fitted), stepTasks, fitted), setRows(evaluation, setLatents, stepTasks, fitted), seed);
  const heads: HeadRun[] = fitted.map((task, j) => {
    const slot = world.truth.taskSlots[task];
    const trainRows = servedSteps(world, task, 0, n);
    const compared = result.comparison![j];
    return {
      task,
      slot,
      support: model.supports[j].length,
      block: blockScores(world, model.transform(gatherSteps(latents, trainRows), j), trainRows, slot, seed),
      specialist: compared.specialist,
      dense: compared.dense!,
      probe: probes[j],
      onnxBytes: compared.specialist.onnxBytes,
    };
  });
  const accuracy = (set: SetScore) => set.accuracy?.toFixed(3);
  for (const h of heads) {
    s.log(`  Layer 2 task ${h.task} (slot ${h.slot}): ${h.support} of ${d} coordinates; R^2 content ${h.block.content.toFixed(2)}, other content ${h.block.otherContent?.toFixed(2)}, style ${h.block.style.toFixed(2)}, font ${h.block.font.toFixed(2)}; read accuracy specialist / dense / probe: ${h.specialist.sets.map((set, k) => `${set.name} ${accuracy(set)} / ${accuracy(h.dense.sets[k])} / ${accuracy(h.probe[k])}`).join('; ')}`);
  }

  t0 = performance.now();
  const fontRuns: UnseenFontsRun[] = [];
  if (!shortcut) {
    for (const fonts of s.unseenFonts) {
      const run = await unseenFonts(world, latents, { latents: heldLatents, from: n, to: n + holdout }, stepTasks, fitted, fonts, { seed, epochs: s.epochs });
      fontRuns.push(run);
      for (const h of run.heads) {
        s.log(`  fonts ${fonts.join('+')} unseen, task ${h.task}: ${h.support} coordinates; read accuracy specialist / dense / probe: ${h.specialist.sets.map((set, k) => `${set.name} ${accuracy(set)} / ${accuracy(h.dense.sets[k])} / ${accuracy(h.probe[k])}`).join('; ')}`);
      }
    }
  }
  const fontsMs = performance.now() - t0;

  // Held-out pictures through the deployed runtime (encoder + heads, no training code).
  const runtime = await SpecialistRuntime.load(encoder, model.serialise(), { generalist });
  const picture = world.observations(n, 1);
  const one = { data: picture.data.subarray(0, picture.data.length / T), shape: picture.shape.slice(2) };
  const endToEnd = await time(() => runtime.run(one, 0), 9, 2);
  const oneLatent = { data: heldLatents.data.subarray(0, d), shape: [1, d] };
  const headOnly = await time(() => model.predict(oneLatent, 0), 51, 5);
  await runtime.dispose();
  return {
    seed,
    world: shortcut ? 'shortcut' : 'default',
    truth,
    latentDims: d,
    layer1,
    diagnosticPairs: result.structure.diagnostic?.dependentPairs.length ?? 0,
    latents: latentScores,
    heads,
    unseenFonts: fontRuns,
    headsFileBytes: model.serialise().length,
    latencyMs: { encoderAndHead: endToEnd.medianMs, headOnly: headOnly.medianMs },
    // With cached latents the encode time is the first run's, not this one's.
    latentsCached: Boolean(cached),
    timingsSeconds: { encode: seconds(encodeMs), structure: seconds(t.structureMs), specialists: seconds(t.specialistsMs), dense: seconds(t.denseMs), unseenFonts: seconds(fontsMs) },
    loadAverage: { start: loadStart, end: (await import('node:os')).loadavg()[0] },
    warnings: result.warnings,
    result,
  };
}
