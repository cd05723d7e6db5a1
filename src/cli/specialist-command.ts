// `specialist specialist fit | transform | synth specialist`: Layer 2 from the command line, .npy in and out.
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { mkdirSync } from 'node:fs';
import { SpecialistError } from '../errors.ts';
import { readNpyFile, writeNpyFile } from '../io/npy-file.ts';
import type { NpyArray } from '../io/npy.ts';
import { fitSpecialists } from '../specialist/fit.ts';
import { loadSpecialists, saveSpecialists } from '../specialist/node.ts';
import { blocksWorld } from '../synthetic/blocks-world.ts';
import type { Options } from './args.ts';
import type { CliIO, Command } from './commands.ts';
import { ProgressBar } from './progress.ts';

const USAGE = [
  'specialist specialist fit --latents Z.npy --targets Y.npy [--membership W.npy] [--lambda auto|X] [--penalty group|jacobian|none]',
  '      [--latent-dims D] [--epochs E] [--seed N] --out model.specialist [--json]',
  '  specialist specialist transform --model model.specialist --latents Z.npy [--task k] --out S.npy [--json]',
  '  specialist specialist synth specialist --out-dir DIR [--n 10000] [--seed N] [--json]',
].join('\n');

function matrixOf(name: string, a: NpyArray): { data: Float32Array; rows: number; cols: number } {
  if (a.shape.length !== 2) throw new SpecialistError('SHAPE_MISMATCH', `${name} must be 2-D [N, d], got shape [${a.shape.join(', ')}]`, { argument: name });
  return { data: Float32Array.from(a.data), rows: a.shape[0], cols: a.shape[1] };
}

async function fit(options: Options, io: CliIO): Promise<number> {
  const latentsPath = options.requireString('latents');
  const targetsPath = options.requireString('targets');
  const membershipPath = options.string('membership');
  const lambdaText = options.string('lambda', 'auto')!;
  const penalty = options.choice('penalty', ['group', 'jacobian', 'none'] as const, 'group');
  const latentDims = options.string('latent-dims') === undefined ? undefined : options.number('latent-dims', 0, { integer: true, min: 1, max: 1024 });
  const epochs = options.number('epochs', 120, { integer: true, min: 1, max: 100000 });
  const seed = options.number('seed', 0, { integer: true });
  const out = options.requireString('out');
  const json = options.flag('json');
  options.rejectUnknown();
  const lambda = lambdaText === 'auto' ? 'auto' : Number(lambdaText);
  if (lambda !== 'auto' && !(Number.isFinite(lambda) && lambda >= 0)) {
    throw new SpecialistError('INVALID_ARGUMENT', `--lambda must be auto or a non-negative number, got ${lambdaText}`, { option: 'lambda' });
  }
  const latents = matrixOf('latents', await readNpyFile(latentsPath));
  const targets = await readNpyFile(targetsPath);
  const membership = membershipPath ? matrixOf('membership', await readNpyFile(membershipPath)) : undefined;
  const bar = new ProgressBar(json ? undefined : process.stderr);
  const t0 = performance.now();
  const model = await fitSpecialists(latents, { data: targets.data, shape: targets.shape }, { lambda, penalty, latentDims, epochs, seed }, {
    membership,
    onProgress: (p) => bar.update(`fit ${p.phase}`, p.epoch, p.totalEpochs),
  });
  bar.done();
  await saveSpecialists(out, model);
  const report = { supports: model.supports, lambda: model.lambda, latentDims: model.latentDims, converged: model.converged, elapsedMs: Math.round(performance.now() - t0), out };
  if (json) io.out(JSON.stringify(report));
  else {
    io.out(`fitted ${model.tasks} task heads on ${model.latentDims} coordinates, lambda ${model.lambda}${model.converged ? '' : ' (not converged)'}; saved ${out}`);
    model.supports.forEach((s, k) => io.out(`  task ${k}: coordinates ${s.join(', ') || '(none)'}`));
  }
  return 0;
}

async function transform(options: Options, io: CliIO): Promise<number> {
  const modelPath = options.requireString('model');
  const latentsPath = options.requireString('latents');
  const task = options.string('task') === undefined ? undefined : options.number('task', 0, { integer: true, min: 0 });
  const out = options.requireString('out');
  const json = options.flag('json');
  options.rejectUnknown();
  const model = await loadSpecialists(modelPath);
  const s = model.transform(matrixOf('latents', await readNpyFile(latentsPath)), task);
  await writeNpyFile(out, { shape: [s.rows, s.cols], data: s.data });
  if (json) io.out(JSON.stringify({ out, shape: [s.rows, s.cols], task: task ?? null }));
  else io.out(`wrote ${out} [${s.rows}, ${s.cols}]`);
  return 0;
}

async function synth(options: Options, io: CliIO): Promise<number> {
  const kind = options.positional[1];
  if (kind !== 'specialist') throw new SpecialistError('INVALID_ARGUMENT', `synth needs a world name: "specialist" (got ${kind ?? 'none'})`);
  const dir = options.requireString('out-dir');
  const n = options.number('n', 10000, { integer: true, min: 20, max: 10_000_000 });
  const seed = options.number('seed', 0, { integer: true });
  const json = options.flag('json');
  options.rejectUnknown();
  const world = blocksWorld({ n, seed });
  const K = world.truth.blocks.length;
  try {
    mkdirSync(dir, { recursive: true });
  } catch (error) {
    throw new SpecialistError('INVALID_FILE', `${dir}: cannot create (${(error as Error).message})`, { file: dir });
  }
  const files = { latents: join(dir, 'latents.npy'), targets: join(dir, 'targets.npy'), sources: join(dir, 'sources.npy'), truth: join(dir, 'truth.json') };
  await writeNpyFile(files.latents, { shape: [n, world.dims], data: world.z });
  await writeNpyFile(files.targets, { shape: [n, K, world.signalDims], data: world.y });
  await writeNpyFile(files.sources, { shape: [n, world.dims], data: world.s });
  const truth = { ...world.truth, n, dims: world.dims, signalDims: world.signalDims, files };
  await writeFile(files.truth, JSON.stringify(truth, null, 2) + '\n');
  if (json) io.out(JSON.stringify(truth));
  else io.out(`wrote ${Object.values(files).join(', ')}`);
  return 0;
}

export const specialistCommand: Command = {
  name: 'specialist',
  summary: 'Layer 2: fit task-specialist blocks of latents, transform with a model, synthesise a test world',
  usage: USAGE,
  async run(options, io) {
    const sub = options.positional[0];
    if (sub === 'fit') return fit(options, io);
    if (sub === 'transform') return transform(options, io);
    if (sub === 'synth') return synth(options, io);
    throw new SpecialistError('INVALID_ARGUMENT', `specialist needs a subcommand: fit, transform or synth (got ${sub ?? 'none'})`);
  },
};
