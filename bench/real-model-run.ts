// One seed of `npm run real-model`: the glyph world, the whole pipeline on the PP-OCRv4 recogniser
// in a Node worker, every Layer 1 test on the same latents, the blocks against content and style,
// and the deployed heads (SpecialistRuntime) on held-out episodes against heads on all latents.
import { readFileSync } from 'node:fs';
import { Generalist } from '../src/generalist/generalist.ts';
import { SpecialistRuntime } from '../src/deploy/specialist-runtime.ts';
import { runPipelineInWorker } from '../src/pipeline/job.ts';
import { exportSpecialistOnnx } from '../src/specialist/export-onnx.ts';
import { fitSpecialists } from '../src/specialist/fit.ts';
import { discoverTaskStructure, type StructureOptions } from '../src/structure/discover.ts';
import { WorkerPool } from '../src/worker/pool.ts';
import { cachePath, identityEncoder, readCache, writeCache } from './real-model-cache.ts';
import { sha256Hex } from '../src/io/sha256.ts';
import { SpecialistError } from '../src/core/errors.ts';
import { time } from './util.ts';
import { blockScores, type BlockScores, gatherSteps, type GlyphWorld, glyphWorld, OCR_GENERALIST_OPTIONS, OCR_MODEL_PATH, readAccuracy, servedSteps, type StepRows, structureMetrics } from 'specialist-sdk/lab';

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
  /** Share of held-out served steps whose prediction names the shown character: deployed head, head on all latents. */
  accuracy: number;
  accuracyAllLatents: number;
  onnxBytes: number;
}

export interface SeedRun {
  seed: number;
  truth: number[][];
  latentDims: number;
  layer1: TestRun[];
  diagnosticPairs: number;
  latents: BlockScores[];
  heads: HeadRun[];
  headsFileBytes: number;
  latencyMs: { encoderAndHead: number; headOnly: number };
  latentsCached: boolean;
  timingsSeconds: { encode: number; structure: number; specialists: number; reference: number };
  warnings: string[];
}

const seconds = (ms: number) => Math.round(ms / 100) / 10;

/** Episodes [from, to) of a world's task arrays. */
function episodesOf(data: Float32Array, shape: number[], from: number, to: number): { data: Float32Array; shape: number[] } {
  const per = shape.slice(1).reduce((a, b) => a * b, 1);
  return { data: data.subarray(from * per, to * per), shape: [to - from, ...shape.slice(1)] };
}

function testOptions(test: string): Pick<StructureOptions, 'test'> {
  return { test: test as StructureOptions['test'] };
}

export async function runSeed(s: RunSettings): Promise<SeedRun> {
  const { seed, episodes: n, holdout, steps: T } = s;
  const world: GlyphWorld = glyphWorld({ episodes: n + holdout, steps: T, seed });
  const [N, M] = world.shapes.relation;
  const dg = world.params.taskDim;
  const L = world.params.segmentLength;
  const truth = Array.from({ length: N }, (_, k) => Array.from(world.truth.relation.subarray(k * M, k * M + M)));
  const encoder = new Uint8Array(readFileSync(OCR_MODEL_PATH));
  const generalist = { ...OCR_GENERALIST_OPTIONS, output: s.layer };
  const tasks = episodesOf(world.tasks, world.shapes.tasks, 0, n);
  const cacheFile = s.latentsCache && cachePath(s.latentsCache, { seed, layer: s.layer, episodes: n, holdout, steps: T });
  const cached = cacheFile ? readCache(cacheFile) : undefined;

  s.log(`seed ${seed}: ${n} episodes x ${T} steps (+${holdout} held out), relation ${JSON.stringify(truth)}${cached ? ` (latents from ${cacheFile})` : ''}`);
  const pool = await WorkerPool.create({ size: 1 });
  let result;
  try {
    result = await runPipelineInWorker(
      {
        encoder: cached ? identityEncoder(cached.latents.shape[2]) : encoder,
        observations: cached ? cached.latents : world.observations(0, n),
        tasks,
        stepTargets: episodesOf(world.contributions, [n + holdout, T, M, dg], 0, n),
      },
      { generalist: cached ? {} : generalist, structure: { segmentLength: L, ...testOptions(s.tests[0]) }, specialists: { seed, epochs: s.epochs }, seed },
      { pool, onProgress: (p) => p.done === p.total && s.log(`  ${p.stage} done`) },
    );
  } finally {
    await pool.close();
  }
  const t = result.timings;
  const layer1: TestRun[] = [{ test: s.tests[0], ...structureMetrics(result.structure.relation, truth), relation: result.structure.relation, seconds: seconds(t.structureMs) }];
  for (const test of s.tests.slice(1)) {
    const t0 = performance.now();
    try {
      const other = await discoverTaskStructure(result.latents, tasks, { segmentLength: L, ...testOptions(test), seed });
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
  const d = result.latents.shape[2];
  const latents = world.truth.taskSlots.map((slot, i) => {
    const rows = servedSteps(world, i, 0, n);
    return blockScores(world, gatherSteps(result.latents, rows), rows, slot, seed);
  });

  // Held-out episodes through the deployed runtime (encoder + heads, no training code).
  const model = cached ? result.specialists!.withEncoder(sha256Hex(encoder)) : result.specialists!;
  const runtime = await SpecialistRuntime.load(encoder, model.serialise(), { generalist });
  const heldOut = world.observations(n, holdout);
  let heldLatents = cached?.heldLatents;
  if (!heldLatents) {
    const reader = await Generalist.load(encoder, generalist);
    heldLatents = await reader.encode(heldOut);
    await reader.dispose();
  }
  if (cacheFile && !cached) await writeCache(cacheFile, { latents: result.latents, heldLatents });
  const local = (rows: StepRows) => rows.map(([e, t]) => [e - n, t] as const);

  // Reference: heads on all latents (no sparsity), fitted on the same rows Layer 1 assigned.
  const t0 = performance.now();
  const fitted = result.fittedTasks;
  const rows: [number, number][] = [];
  const cap = Math.max(1, Math.floor(20_000 / T));
  for (let e = 0; e < Math.min(n, cap); e++) for (let st = 0; st < T; st++) if (fitted.some((i) => result.structure.stepTasks[st][i])) rows.push([e, st]);
  const member = new Float32Array(rows.length * fitted.length);
  const y = new Float32Array(rows.length * fitted.length * dg);
  rows.forEach(([e, st], r) => fitted.forEach((i, j) => {
    member[r * fitted.length + j] = result.structure.stepTasks[st][i];
    y.set(world.contributions.subarray(((e * T + st) * M + i) * dg, ((e * T + st) * M + i + 1) * dg), (r * fitted.length + j) * dg);
  }));
  const dense = await fitSpecialists(gatherSteps(result.latents, rows), { data: y, shape: [rows.length, fitted.length, dg] }, { penalty: 'none', seed, epochs: s.epochs, inputRank: 'full' }, { membership: { data: member, shape: [rows.length, fitted.length] } });
  const referenceMs = performance.now() - t0;

  const heads: HeadRun[] = [];
  for (const [j, task] of fitted.entries()) {
    const slot = world.truth.taskSlots[task];
    const trainRows = servedSteps(world, task, 0, n);
    const block = model.transform(gatherSteps(result.latents, trainRows), j);
    const testRows = servedSteps(world, task, n, n + holdout);
    const z = gatherSteps(heldLatents, local(testRows));
    heads.push({
      task,
      slot,
      support: model.supports[j].length,
      block: blockScores(world, block, trainRows, slot, seed),
      accuracy: readAccuracy(world, model.predict(z, j), testRows, task),
      accuracyAllLatents: readAccuracy(world, dense.predict(z, j), testRows, task),
      onnxBytes: exportSpecialistOnnx(model, j, { encoderSha256: model.encoderSha256 }).length,
    });
  }
  for (const h of heads) {
    s.log(`  Layer 2 task ${h.task} (slot ${h.slot}): ${h.support} of ${d} coordinates; R^2 content ${h.block.content.toFixed(2)}, other content ${h.block.otherContent?.toFixed(2)}, style ${h.block.style.toFixed(2)}, font ${h.block.font.toFixed(2)}; held-out read accuracy ${h.accuracy.toFixed(3)} (all latents ${h.accuracyAllLatents.toFixed(3)})`);
  }

  const one = { data: heldOut.data.subarray(0, heldOut.data.length / (holdout * T)), shape: heldOut.shape.slice(2) };
  const endToEnd = await time(() => runtime.run(one, 0), 9, 2);
  const oneLatent = { data: heldLatents.data.subarray(0, d), shape: [1, d] };
  const headOnly = await time(() => model.predict(oneLatent, 0), 51, 5);
  await runtime.dispose();
  return {
    seed,
    truth,
    latentDims: d,
    layer1,
    diagnosticPairs: result.structure.diagnostic?.dependentPairs.length ?? 0,
    latents,
    heads,
    headsFileBytes: model.serialise().length,
    latencyMs: { encoderAndHead: endToEnd.medianMs, headOnly: headOnly.medianMs },
    // With cached latents the encode time is the identity encoder's, not the recogniser's.
    latentsCached: Boolean(cached),
    timingsSeconds: { encode: seconds(t.encodeMs), structure: seconds(t.structureMs), specialists: seconds(t.specialistsMs), reference: seconds(referenceMs) },
    warnings: result.warnings,
  };
}
