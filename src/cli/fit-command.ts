// `specialist-sdk fit`: Layer 2 from files: latents and task targets in, a .specialist model out.
import { SpecialistError } from '../core/errors.ts';
import { readNpyFile } from '../node/npy-file.ts';
import { fitSpecialists } from '../specialist/fit.ts';
import { saveSpecialists } from '../node/specialist-files.ts';
import { WorkerPool } from '../worker/pool.ts';
import { SEED, parseNumber } from './args.ts';
import type { Command } from './commands.ts';
import { refuseCollidingPaths } from './paths.ts';
import { fitInputsFromStructure, fitWarnings } from '../pipeline/fit-inputs.ts';
import { asMembership, readFloatNpy, readLabelsNpy, readStructureJson } from './files.ts';
import { ProgressBar } from './progress.ts';

/** Rows [N, d] (or [N]); episodes [n, T, d] get told what goes with them. */
async function readLatentRows(path: string) {
  const latents = await readFloatNpy(path);
  if (latents.shape.length === 3) {
    throw new SpecialistError('SHAPE_MISMATCH', `--latents ${path} is [n, T, d] (episodes, steps, latent): give --structure S.json (the structure command's --json output) and --tasks G.npy instead of --targets, to fit on the steps that serve each task`, { option: 'latents' });
  }
  if (latents.shape.length === 1) return { data: latents.data, shape: [latents.shape[0], 1] };
  if (latents.shape.length !== 2) throw new SpecialistError('SHAPE_MISMATCH', `--latents ${path} must be [N] or [N, d], got shape (${latents.shape.join(', ')})`, { option: 'latents' });
  return latents;
}

export const fitCommand: Command = {
  name: 'fit',
  summary: 'Layer 2: learn each task\'s block of latent coordinates; save the heads to a .specialist file',
  usage:
    'specialist-sdk fit --latents Z.npy --targets Y.npy [--membership W.npy] [--lambda auto|X] [--penalty group|jacobian|none]\n' +
    '      [--architecture auto|nonlinear|linear] [--input-rank auto|full|R] [--latent-dims D] [--epochs E] [--workers 2|0] [--seed N] --out model.specialist [--json]\n' +
    '  Z [N, d]; Y [N, K] or [N, K, dy]; W [N, K] of 0/1 (rows that count for each task).\n' +
    'specialist-sdk fit --latents Z.npy --structure S.json --tasks G.npy [--step-targets Y.npy] [options as above] --out model.specialist\n' +
    '  Z [n, T, d] (encode\'s output, or your latents); S the structure command\'s --json output; G [n, M] or [n, M, dg];\n' +
    '  Y [n, T, M] or [n, T, M, dy]. Head j is task j when every task has a step (else see the printed task numbers).\n' +
    '  --architecture: auto (default) trains a network and a linear fit and keeps the one that reads held-out rows better.\n' +
    '  --input-rank: principal components of the latents the fit reads (auto: the rank the data support, for d > 128).\n' +
    '  --workers: 2 (default) splits every minibatch over two worker threads (the same result); 0 trains on this thread.',
  options: {
    latents: 'string', targets: 'string', membership: 'string', structure: 'string', tasks: 'string', 'step-targets': 'string',
    lambda: 'string', penalty: 'string', architecture: 'string', 'input-rank': 'string', 'latent-dims': 'string', epochs: 'string', workers: 'string', seed: 'string', out: 'string',
  },
  conditions: { lambda: { penalty: ['group', 'jacobian'] } },
  async run(options, io) {
    const latentsPath = options.requireString('latents');
    const structurePath = options.string('structure');
    // Two ways in: rows [N, d] with targets (and membership), or episodes [n, T, d] with Layer 1's answer.
    const byStructure = structurePath !== undefined;
    for (const other of ['targets', 'membership'] as const) {
      if (byStructure && options.string(other) !== undefined) {
        throw new SpecialistError('INVALID_ARGUMENT', `--${other} does not apply here: with --structure, the targets are --tasks (or --step-targets) and the rows come from the structure`, { option: other });
      }
    }
    const targetsPath = byStructure ? undefined : options.requireString('targets');
    const membershipPath = byStructure ? undefined : options.string('membership');
    const tasksPath = byStructure ? options.requireString('tasks') : undefined;
    const stepTargetsPath = byStructure ? options.string('step-targets') : undefined;
    const lambdaText = options.string('lambda', 'auto')!;
    const penalty = options.choice('penalty', ['group', 'jacobian', 'none'] as const, 'group');
    const architecture = options.choice('architecture', ['auto', 'nonlinear', 'linear'] as const, 'auto');
    const rankText = options.string('input-rank', 'auto')!;
    const latentDims = options.optionalNumber('latent-dims', { integer: true, min: 1, max: 1024 });
    const workers = options.choice('workers', ['2', '0'] as const, '2');
    const epochs = options.optionalNumber('epochs', { integer: true, min: 1, max: 100000 });
    const seed = options.number('seed', 0, SEED);
    const out = options.requireString('out');
    const json = options.flag('json');
    const inputRank = rankText === 'auto' || rankText === 'full' ? rankText : parseNumber(rankText, true);
    if (inputRank === undefined || (typeof inputRank === 'number' && !(Number.isInteger(inputRank) && inputRank >= 1))) {
      throw new SpecialistError('INVALID_ARGUMENT', `--input-rank must be auto, full or a positive integer, got ${rankText}`, { option: 'input-rank' });
    }
    const lambda = lambdaText === 'auto' ? 'auto' : parseNumber(lambdaText);
    if (lambda === undefined || (lambda !== 'auto' && !(Number.isFinite(lambda) && lambda >= 0))) {
      throw new SpecialistError('INVALID_ARGUMENT', `--lambda must be auto or a non-negative number, got ${lambdaText}`, { option: 'lambda' });
    }
    options.rejectUnknown();
    refuseCollidingPaths({ out }, { latents: latentsPath, targets: targetsPath, membership: membershipPath, structure: structurePath, tasks: tasksPath, 'step-targets': stepTargetsPath });
    const notes: string[] = [];
    let fitted: number[] | undefined;
    let latents, targets, membership;
    if (byStructure) {
      const episodes = await readFloatNpy(latentsPath);
      if (episodes.shape.length !== 3) throw new SpecialistError('SHAPE_MISMATCH', `--latents ${latentsPath} must be [n, T, d] with --structure (episodes, steps, latent), got shape (${episodes.shape.join(', ')})`, { option: 'latents' });
      const stepTargets = stepTargetsPath ? await readLabelsNpy(stepTargetsPath, notes) : undefined;
      const inputs = fitInputsFromStructure(await readStructureJson(structurePath), episodes, await readLabelsNpy(tasksPath!, notes), { stepTargets, seed });
      if (inputs.fittedTasks.length === 0) throw new SpecialistError('INVALID_ARGUMENT', `${structurePath} gives no task any step: there is nothing to fit`, { option: 'structure' });
      ({ latents, targets, membership, fittedTasks: fitted } = inputs);
    } else {
      latents = await readLatentRows(latentsPath);
      targets = await readLabelsNpy(targetsPath!, notes);
      membership = membershipPath ? asMembership(await readNpyFile(membershipPath), membershipPath) : undefined;
    }
    const bar = new ProgressBar(json ? undefined : process.stderr);
    const t0 = performance.now();
    const pool = workers === '2' ? await WorkerPool.create({ size: 2 }) : undefined;
    let model;
    try {
      model = await fitSpecialists(latents, targets, { lambda, penalty, architecture, inputRank, latentDims, epochs, seed }, {
        membership,
        pool,
        onProgress: (p) => bar.update(`fit ${p.phase}`, p.done, p.total),
      });
    } finally {
      bar.done();
      await pool?.close();
    }
    await saveSpecialists(out, model);
    const taskOf = (j: number) => fitted?.[j] ?? j;
    const warnings = [...notes, ...fitWarnings(model, fitted).map((w) => w.replace('raise epochs', 'raise --epochs'))];
    const report = { supports: model.supports, tasks: fitted ?? model.supports.map((_, j) => j), lambda: model.lambda, architecture: model.architecture, latentDims: model.latentDims, converged: model.converged, warnings, elapsedMs: Math.round(performance.now() - t0), out };
    if (json) io.out(JSON.stringify(report));
    else {
      io.out(`fitted ${model.tasks} ${model.architecture} task heads on ${model.latentDims} coordinates${model.converged ? '' : ' (not converged)'}; saved ${out}`);
      model.supports.forEach((s, j) => io.out(`  ${fitted ? `head ${j}, task ${taskOf(j)}` : `task ${j}`}: coordinates ${s.join(', ') || '(none)'}  (lambda ${model.lambda[j]})`));
      for (const w of warnings) io.out(`  warning: ${w}`);
    }
    return 0;
  },
};
