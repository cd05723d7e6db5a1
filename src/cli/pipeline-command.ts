// `specialist-sdk pipeline`: the whole path on the user's own files in one command. Latents they
// already have (or observations with an ONNX encoder) and task variables in; the relation
// (structure.json), the heads (model.specialist, one task-K.onnx per head) and a summary
// (summary.json) out, with a verdict when a truth.json is given.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { SpecialistError } from '../core/errors.ts';
import { writeFileAtomic } from '../node/npy-file.ts';
import { runPipeline, type PipelineInput } from '../pipeline/pipeline.ts';
import { exportSpecialistOnnx } from '../specialist/export-onnx.ts';
import { saveSpecialists } from '../node/specialist-files.ts';
import { WorkerPool } from '../worker/pool.ts';
import { SEED } from './args.ts';
import type { Command } from './commands.ts';
import { ensureDir, readFloatNpy, readLabelsNpy, writeJson } from './files.ts';
import { refuseCollidingPaths } from './paths.ts';
import { ProgressBar } from './progress.ts';
import { readTruth, supportsByTask, relationVerdict } from './verdict.ts';

export const pipelineCommand: Command = {
  name: 'pipeline',
  summary: 'Your own files end to end: latents (or observations + an ONNX encoder) and task variables to the relation, the heads and ONNX heads',
  usage:
    'specialist-sdk pipeline (--latents Z.npy | --observations O.npy --encoder M.onnx) --tasks G.npy --segment-length L\n' +
    '      [--step-targets Y.npy] [--alpha 0.05] [--truth truth.json] [--device auto|wasm|webgpu] [--epochs E] [--seed N] [--out-dir specialist-out] [--json]\n' +
    '  Z [n, T, d] or O [n, T, ...obs]; G [n, M] or [n, M, dg]; Y [n, T, M] or [n, T, M, dy]; one row per episode.\n' +
    '  Writes structure.json (the structure command\'s fields), model.specialist, task-K.onnx per head, summary.json.',
  options: {
    latents: 'string', observations: 'string', encoder: 'string', tasks: 'string', 'segment-length': 'string', 'step-targets': 'string',
    alpha: 'string', truth: 'string', device: 'string', epochs: 'string', seed: 'string', 'out-dir': 'string',
  },
  async run(options, io) {
    const latentsPath = options.string('latents');
    const observationsPath = options.string('observations');
    const encoderPath = options.string('encoder');
    // One source: latents, or observations with the encoder that turns them into latents.
    const refuse = (message: string, option: string) => new SpecialistError('INVALID_ARGUMENT', message, { option });
    if (latentsPath !== undefined && observationsPath !== undefined) throw refuse('--observations does not apply here: give --latents Z.npy (latents you already have) or --observations O.npy with --encoder M.onnx, not both', 'observations');
    if (latentsPath === undefined && observationsPath === undefined) throw refuse('--latents is required (latents you already have), or --observations O.npy with --encoder M.onnx', 'latents');
    if (latentsPath !== undefined && encoderPath !== undefined) throw refuse('--encoder does not apply here: it goes with --observations (latents are not encoded again)', 'encoder');
    if (observationsPath !== undefined && encoderPath === undefined) throw refuse('--encoder is required with --observations (or give the latents with --latents)', 'encoder');
    if (latentsPath !== undefined && options.string('device') !== undefined) throw refuse('--device does not apply here: it chooses where the encoder runs, and --latents run none', 'device');
    const tasksPath = options.requireString('tasks');
    const segmentLength = options.requireNumber('segment-length', { integer: true, min: 2, max: 100_000 });
    const stepTargetsPath = options.string('step-targets');
    const alpha = options.number('alpha', 0.05, { min: 1e-12, max: 1 });
    const truthPath = options.string('truth');
    const device = options.choice('device', ['auto', 'wasm', 'webgpu'] as const, 'auto');
    const epochs = options.optionalNumber('epochs', { integer: true, min: 1, max: 100_000 });
    const seed = options.number('seed', 0, SEED);
    const outDir = options.string('out-dir', 'specialist-out')!;
    const json = options.flag('json');
    options.rejectUnknown();
    const files = { structure: join(outDir, 'structure.json'), model: join(outDir, 'model.specialist'), summary: join(outDir, 'summary.json') };
    const inputs = { latents: latentsPath, observations: observationsPath, encoder: encoderPath, tasks: tasksPath, 'step-targets': stepTargetsPath, truth: truthPath };
    refuseCollidingPaths(files, inputs);

    const notes: string[] = [];
    const tasks = await readLabelsNpy(tasksPath, notes);
    const stepTargets = stepTargetsPath ? await readLabelsNpy(stepTargetsPath, notes) : undefined;
    const truth = truthPath ? await readTruth(truthPath) : undefined;
    const input: PipelineInput = latentsPath
      ? { latents: await readFloatNpy(latentsPath), tasks, stepTargets }
      : { encoder: await readEncoder(encoderPath!), observations: await readFloatNpy(observationsPath!), tasks, stepTargets };
    // As the structure command: test 'auto' (Fisher z where the data are close enough to linear, else
    // RCoT, whose tests spread over the pool).
    const pool = await WorkerPool.create();
    const bar = new ProgressBar(json ? undefined : process.stderr);
    try {
      const result = await runPipeline(input, { structure: { segmentLength, seed, test: 'auto', alpha }, specialists: { epochs, seed }, generalist: latentsPath ? undefined : { device }, seed }, {
        pool,
        onProgress: (p) => bar.update(p.stage, p.done, p.total),
      });
      bar.done();
      await ensureDir(outDir);
      const s = result.structure;
      await writeJson(files.structure, {
        segments: s.segments, segmentLength: s.segmentLength, relation: s.relation, stepTasks: s.stepTasks, undetectable: s.undetectable,
        dependentPairs: s.diagnostic?.dependentPairs ?? null, method: s.method, test: s.test, warnings: s.warnings,
      });
      const heads: Record<string, string> = {};
      if (result.specialists) {
        await saveSpecialists(files.model, result.specialists);
        for (const [j, task] of result.fittedTasks.entries()) {
          heads[`task${task}`] = join(outDir, `task-${task}.onnx`);
          await writeFileAtomic(heads[`task${task}`], exportSpecialistOnnx(result.specialists, j, { encoderSha256: result.encoderSha256 ?? undefined }));
        }
      }
      // Supports per task (null for a task without a head), for the verdict and the summary.
      const supports = supportsByTask(s.relation[0].length, result.fittedTasks, result.specialists);
      const verdict = truth ? relationVerdict(s.relation, truth, supports) : undefined;
      const warnings = [...notes, ...result.warnings.map((w) => w.replace('raise epochs', 'raise --epochs'))];
      const summary = {
        relation: s.relation, supports, test: s.test, device: result.device, converged: result.specialists?.converged ?? null,
        verdict: verdict && { relationMatches: verdict.relationMatches, wrongCells: verdict.wrongCells, accuracy: verdict.accuracy, mcc: verdict.mcc, blockSizes: verdict.tasks.map((t) => ({ task: t.task, found: t.support?.length ?? null, truth: t.trueBlock.length })) },
        warnings, timingsMs: result.timings, files: { ...files, ...heads, model: result.specialists ? files.model : null },
      };
      await writeJson(files.summary, summary);
      if (json) io.out(JSON.stringify(summary));
      else {
        io.out(`Layer 1      ${s.segments} segments of ${s.segmentLength} steps, ${s.test} tests: ${s.relation.map((row, k) => `segment ${k}: tasks ${row.flatMap((v, i) => (v ? [i] : [])).join(', ') || '-'}`).join('; ')}`);
        supports.forEach((support, task) => io.out(`Layer 2      task ${task}: ${support === null ? 'no head' : `block of ${support.length} coordinates ${JSON.stringify(support)}`}`));
        for (const line of verdict?.lines ?? []) io.out(line);
        for (const w of warnings) io.out(`warning      ${w}`);
        io.out(`wrote        ${[files.structure, ...(result.specialists ? [files.model] : []), ...Object.values(heads), files.summary].join('\n             ')}`);
      }
      return 0;
    } finally {
      await pool.close();
    }
  },
};

async function readEncoder(path: string): Promise<Uint8Array> {
  try {
    return new Uint8Array(await readFile(path));
  } catch (error) {
    throw new SpecialistError('INVALID_FILE', `--encoder ${path}: cannot read it (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`, { file: path });
  }
}
