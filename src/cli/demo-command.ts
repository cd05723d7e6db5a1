// The main job (`npm start`): the whole pipeline on the embedded default world. Observations from
// a seeded world, its ONNX generalist, Layer 1 and Layer 2 in a worker with progress bars; then a
// summary against the world's truth, the heads (.specialist and one .onnx per task) and an HTML
// report written to an output folder.
import { join, resolve } from 'node:path';
import { writeFileAtomic } from '../node/npy-file.ts';
import { structureMetrics } from '../metrics/structure.ts';
import { worldVerdict, type Verdict } from '../metrics/verdict.ts';
import { runPipeline, type PipelineResult } from '../pipeline/pipeline.ts';
import type { GeneralistWorld } from '../synthetic/generalist-world.ts';
import { renderReport, type ReportTask } from '../report/html.ts';
import { exportSpecialistOnnx } from '../specialist/export-onnx.ts';
import { saveSpecialists } from '../node/specialist-files.ts';
import { generalistWorld } from '../synthetic/generalist-world.ts';
import { WorkerPool } from '../worker/pool.ts';
import { SEED } from './args.ts';
import type { Command } from './commands.ts';
import { ensureDir, writeJson } from './files.ts';
import { ProgressBar } from './progress.ts';

/** The report's rows: each head's verdict (R^2 to its true block and to the rest) with its importances. */
function reportTasks(verdict: Verdict, result: PipelineResult): ReportTask[] {
  const model = result.specialists;
  if (!model) return [];
  return verdict.tasks.flatMap((t) => {
    const j = result.fittedTasks.indexOf(t.task);
    if (j < 0 || !t.support) return [];
    return [{ task: t.task, support: t.support, importance: Array.from(model.state.importance[j]), trueBlock: t.trueBlock, r2Relevant: t.r2Relevant ?? 0, r2Irrelevant: t.r2Irrelevant ?? 0 }];
  });
}

const fmt = (v: number, digits = 2) => v.toFixed(digits);

/** The state coordinates no task uses, of episodes [from, to): [count, T, |irrelevant|]. */
function irrelevantStates(world: GeneralistWorld, from: number, to: number) {
  const T = world.params.steps;
  const D = world.params.latentDims;
  const cols = world.truth.irrelevant;
  const data = new Float32Array((to - from) * T * cols.length);
  for (let r = 0; r < (to - from) * T; r++) cols.forEach((c, j) => (data[r * cols.length + j] = world.states[(from * T + r) * D + c]));
  return { data, shape: [to - from, T, cols.length] };
}

export const demoCommand: Command = {
  name: 'demo',
  summary: 'The main job: the whole pipeline on the embedded default world, with a report (npm start)',
  usage: 'specialist-sdk demo [--episodes 2000] [--steps 12] [--epochs E] [--seed 0] [--dense-baseline] [--out-dir specialist-out] [--json]',
  options: { episodes: 'string', steps: 'string', epochs: 'string', seed: 'string', 'out-dir': 'string', 'dense-baseline': 'boolean' },
  async run(options, io) {
    const episodes = options.number('episodes', 2000, { integer: true, min: 50, max: 200_000 });
    const steps = options.number('steps', 12, { integer: true, min: 4, max: 200 });
    const epochs = options.optionalNumber('epochs', { integer: true, min: 1, max: 10000 });
    const seed = options.number('seed', 0, SEED);
    const outDir = resolve(options.string('out-dir', 'specialist-out')!);
    const json = options.flag('json');
    // With a dense baseline, a fifth more episodes are drawn and held out to compare the heads on.
    const denseBaseline = options.flag('dense-baseline');
    options.rejectUnknown();

    const started = performance.now();
    const held = denseBaseline ? Math.max(20, Math.round(episodes / 5)) : 0;
    const world = generalistWorld({ episodes: episodes + held, steps, seed });
    const [, T, D] = world.shapes.observations;
    const n = episodes;
    const [N, M] = world.shapes.relation;
    if (!json) io.out(`specialist demo: ${n} episodes x ${T} steps, ${D}-dim observations, ${M} tasks (blocks ${JSON.stringify(world.truth.blocks)}), seed ${seed}`);
    const bar = new ProgressBar(json ? undefined : process.stderr);
    // Two workers: Layer 2 splits each minibatch over both (the same result as on one thread).
    const pool = await WorkerPool.create({ size: 2 });
    let result: PipelineResult;
    try {
      const episodesOf = (data: Float32Array, from: number, to: number, shape: number[]) => ({ data: data.subarray(from * (data.length / (n + held)), to * (data.length / (n + held))), shape: [to - from, ...shape] });
      const targets = (from: number, to: number) => episodesOf(world.contributions, from, to, [T, M, world.params.taskDim]);
      result = await runPipeline(
        {
          encoder: world.encoderOnnx,
          observations: episodesOf(world.observations, 0, n, [T, D]),
          tasks: episodesOf(world.tasks, 0, n, world.shapes.tasks.slice(1)),
          // Each head learns what its task's steps do for the task (their contribution to g_i).
          stepTargets: targets(0, n),
          // The held-out episodes; leakage: what a probe recovers from a head's input of the state coordinates no task uses.
          evaluation: held
            ? [{ name: 'held-out episodes', observations: episodesOf(world.observations, n, n + held, [T, D]), stepTargets: targets(n, n + held), nuisance: { irrelevant: irrelevantStates(world, n, n + held) } }]
            : undefined,
        },
        { structure: { segmentLength: world.params.segmentLength }, specialists: { seed, epochs }, seed, denseBaseline },
        { pool, onProgress: (p) => bar.update(p.stage, p.done, p.total) },
      );
    } finally {
      bar.done();
      await pool.close();
    }

    const truth = Array.from({ length: N }, (_, k) => Array.from(world.truth.relation.subarray(k * M, k * M + M)));
    const metrics = structureMetrics(result.structure.relation, truth);
    // The verdict against the world's truth: the relation cell by cell, block sizes, each block's R^2.
    const verdict = worldVerdict(world, result, seed);
    const heads = reportTasks(verdict, result);
    await ensureDir(outDir);
    const files: Record<string, string> = {};
    if (result.specialists) {
      files.model = join(outDir, 'model.specialist');
      await saveSpecialists(files.model, result.specialists);
      for (const [j, task] of result.fittedTasks.entries()) {
        files[`task${task}`] = join(outDir, `task-${task}.onnx`);
        await writeFileAtomic(files[`task${task}`], exportSpecialistOnnx(result.specialists, j, { encoderSha256: result.encoderSha256 }));
      }
    }
    await writeFileAtomic(join(outDir, 'encoder.onnx'), world.encoderOnnx);
    files.encoder = join(outDir, 'encoder.onnx');
    const t = result.timings;
    const summary = {
      episodes: n,
      steps: T,
      seed,
      device: result.device,
      verdict: { relationMatches: verdict.relationMatches, wrongCells: verdict.wrongCells, lines: verdict.lines },
      structure: { accuracy: metrics.accuracy, mcc: metrics.mcc, relation: result.structure.relation, truth, method: result.structure.method, test: result.structure.test },
      heads: heads.map((h) => ({ task: h.task, support: h.support, trueBlockSize: h.trueBlock?.length, r2Relevant: h.r2Relevant, r2Irrelevant: h.r2Irrelevant })),
      lambda: result.specialists?.lambda ?? [],
      comparison: result.comparison,
      trainingRows: result.trainingRows,
      warnings: result.warnings,
      timingsMs: { encode: t.encodeMs, structure: t.structureMs, specialists: t.specialistsMs, total: performance.now() - started },
      files: { ...files, report: join(outDir, 'report.html'), summary: join(outDir, 'summary.json') },
    };
    const report = renderReport({
      title: 'specialist demo: generalist to specialist representations',
      generatedAt: new Date().toISOString(),
      summary: [
        ['World', `${n} episodes x ${T} steps, ${D}-dim observations, ${M} tasks, seed ${seed}`],
        ['Encoder', `${result.device.device} (${result.device.backend}): ${result.device.reason}`],
        ['Layer 1', `${result.structure.method} ${result.structure.test} tests, ${result.structure.correction}: accuracy ${fmt(metrics.accuracy)}, MCC ${fmt(metrics.mcc)}`],
        ['Layer 2', heads.map((h) => `task ${h.task}: ${h.support.length} coordinates (true ${h.trueBlock?.length}), R² relevant ${fmt(h.r2Relevant ?? 0)}, other ${fmt(Math.max(0, h.r2Irrelevant ?? 0))}`).join('; ') || 'no head'],
        ['Timings', `encode ${fmt(t.encodeMs / 1000, 1)} s, structure ${fmt(t.structureMs / 1000, 1)} s, specialists ${fmt(t.specialistsMs / 1000, 1)} s`],
      ],
      segments: N,
      segmentLength: result.structure.segmentLength,
      tasks: M,
      relation: result.structure.relation,
      truth,
      method: result.structure.method,
      conditioning: result.structure.conditioning,
      pValues: result.structure.method === 'pairwise' ? result.structure.pValues : null,
      directPValues: result.structure.method === 'direct' ? result.structure.directPValues : null,
      latentDims: result.specialists?.latentDims ?? D,
      heads,
      warnings: result.warnings,
      comparison: result.comparison,
    });
    await writeFileAtomic(summary.files.report, new TextEncoder().encode(report));
    await writeJson(summary.files.summary, summary);

    if (json) io.out(JSON.stringify(summary));
    else {
      io.out(`encoder      ${result.device.device} via ${result.device.backend} (${result.device.reason})`);
      io.out(`Layer 1      ${result.structure.method} ${result.structure.test}, ${result.structure.correction}: accuracy ${fmt(metrics.accuracy)}, MCC ${fmt(metrics.mcc)}`);
      for (const h of heads) {
        io.out(`Layer 2      task ${h.task}: support ${JSON.stringify(h.support)} (true block ${JSON.stringify(h.trueBlock)}), R² relevant ${fmt(h.r2Relevant ?? 0)}, other coordinates ${fmt(Math.max(0, h.r2Irrelevant ?? 0))}`);
      }
      for (const line of verdict.lines) io.out(line);
      for (const c of result.comparison ?? []) {
        const set = (h: NonNullable<typeof c.dense>) => h.sets.map((x) => `${x.name} R² ${fmt(x.r2)}${Object.entries(x.leakage).map(([k, v]) => `, leaks ${k} ${fmt(Math.max(0, v))}`).join('')}`).join('; ');
        io.out(`heads        task ${c.task}: specialist reads ${c.specialist.inputWidth}, ${set(c.specialist)}${c.dense ? ` | dense reads ${c.dense.inputWidth}, ${set(c.dense)}` : ''}`);
      }
      for (const w of result.warnings) io.out(`warning      ${w}`);
      io.out(`timings      encode ${fmt(t.encodeMs / 1000, 2)} s, structure ${fmt(t.structureMs / 1000, 2)} s, specialists ${fmt(t.specialistsMs / 1000, 1)} s, total ${fmt(summary.timingsMs.total / 1000, 1)} s`);
      io.out(`wrote        ${Object.values(summary.files).join('\n             ')}`);
    }
    return 0;
  },
};
