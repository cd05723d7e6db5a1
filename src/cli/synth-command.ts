// `specialist-sdk synth structure | specialist | generalist`: write a seeded synthetic world with known
// truth as .npy files plus truth.json, for trying the other commands (and other tools) on it.
import { join } from 'node:path';
import { SpecialistError } from '../core/errors.ts';
import { writeFileAtomic, writeNpyFile } from '../node/npy-file.ts';
import { blocksWorld } from '../synthetic/blocks-world.ts';
import { generalistWorld } from '../synthetic/generalist-world.ts';
import { linearColliderWorld, nonlinearWorld } from '../synthetic/structure-worlds.ts';
import { SEED, type Options } from './args.ts';
import type { CliIO, Command } from './commands.ts';
import { ensureDir, writeJson } from './files.ts';

const WORLDS = ['structure', 'specialist', 'generalist'] as const;

async function structure(options: Options, dir: string): Promise<Record<string, unknown>> {
  const kind = options.choice('kind', ['linear', 'nonlinear'] as const, 'linear');
  const params = {
    episodes: options.number('episodes', 10000, { integer: true, min: 2, max: 1_000_000 }),
    steps: options.number('steps', 20, { integer: true, min: 2, max: 10000 }),
    tasks: options.number('tasks', 4, { integer: true, min: 1, max: 1000 }),
    dim: options.number('dim', kind === 'linear' ? 1 : 2, { integer: true, min: 1, max: 1000 }),
    taskDim: options.number('task-dim', 1, { integer: true, min: 1, max: 1000 }),
    segmentLength: options.number('segment-length', 2, { integer: true, min: 2, max: 10000 }),
    breakProbability: options.number('break-probability', 0, { min: 0, max: 1 }),
    seed: options.number('seed', 0, SEED),
  };
  options.rejectUnknown();
  const world = (kind === 'linear' ? linearColliderWorld : nonlinearWorld)(params);
  const files = { states: join(dir, 'states.npy'), tasks: join(dir, 'tasks.npy'), truth: join(dir, 'truth.json') };
  await writeNpyFile(files.states, { shape: world.shapes.states, data: world.states });
  await writeNpyFile(files.tasks, { shape: world.shapes.tasks, data: world.tasks });
  const [N, M] = world.shapes.relation;
  const relation = Array.from({ length: N }, (_, k) => Array.from(world.relation.subarray(k * M, k * M + M)));
  return { world: `structure/${kind}`, relation, shapes: world.shapes, params: world.params, files };
}

async function specialist(options: Options, dir: string): Promise<Record<string, unknown>> {
  const n = options.number('n', 10000, { integer: true, min: 20, max: 1_000_000 });
  const seed = options.number('seed', 0, SEED);
  options.rejectUnknown();
  const world = blocksWorld({ n, seed });
  const K = world.truth.blocks.length;
  const files = { latents: join(dir, 'latents.npy'), targets: join(dir, 'targets.npy'), sources: join(dir, 'sources.npy'), truth: join(dir, 'truth.json') };
  await writeNpyFile(files.latents, { shape: [n, world.dims], data: world.z });
  await writeNpyFile(files.targets, { shape: [n, K, world.signalDims], data: world.y });
  await writeNpyFile(files.sources, { shape: [n, world.dims], data: world.s });
  return { world: 'specialist', ...world.truth, n, dims: world.dims, signalDims: world.signalDims, files };
}

async function generalist(options: Options, dir: string): Promise<Record<string, unknown>> {
  const params = {
    episodes: options.number('episodes', 2000, { integer: true, min: 2, max: 1_000_000 }),
    steps: options.number('steps', 12, { integer: true, min: 2, max: 10000 }),
    segmentLength: options.number('segment-length', 2, { integer: true, min: 2, max: 10000 }),
    latentWidth: options.optionalNumber('latent-width', { integer: true, min: 1, max: 4096 }),
    seed: options.number('seed', 0, SEED),
  };
  options.rejectUnknown();
  const world = generalistWorld(params);
  const files = {
    observations: join(dir, 'observations.npy'),
    tasks: join(dir, 'tasks.npy'),
    contributions: join(dir, 'contributions.npy'),
    states: join(dir, 'states.npy'),
    encoder: join(dir, 'encoder.onnx'),
    truth: join(dir, 'truth.json'),
  };
  const [n, T] = world.shapes.observations;
  const [, M, dg] = world.shapes.tasks;
  const N = world.shapes.relation[0];
  await writeNpyFile(files.observations, { shape: world.shapes.observations, data: world.observations });
  await writeNpyFile(files.states, { shape: world.shapes.observations, data: world.states });
  await writeNpyFile(files.tasks, { shape: world.shapes.tasks, data: world.tasks });
  // Each step's own contribution to each task variable: per-step targets for the heads.
  await writeNpyFile(files.contributions, { shape: [n, T, M, dg], data: world.contributions });
  await writeFileAtomic(files.encoder, world.encoderOnnx);
  const relation = Array.from({ length: N }, (_, k) => Array.from(world.truth.relation.subarray(k * M, k * M + M)));
  return { world: 'generalist', relation, blocks: world.truth.blocks, irrelevant: world.truth.irrelevant, shapes: world.shapes, params: world.params, files };
}

export const synthCommand: Command = {
  name: 'synth',
  summary: 'Write a seeded synthetic world with known truth (.npy files and truth.json)',
  usage:
    'specialist-sdk synth structure --out-dir DIR [--kind linear|nonlinear] [--episodes 10000] [--steps 20] [--tasks 4] [--dim D]\n' +
    '      [--task-dim DG] [--segment-length 2] [--break-probability P] [--seed N] [--json]\n' +
    '  specialist-sdk synth specialist --out-dir DIR [--n 10000] [--seed N] [--json]\n' +
    '  specialist-sdk synth generalist --out-dir DIR [--episodes 2000] [--steps 12] [--segment-length 2] [--latent-width W] [--seed N] [--json]',
  options: {
    'out-dir': 'string', kind: 'string', episodes: 'string', steps: 'string', tasks: 'string', dim: 'string', 'task-dim': 'string',
    'segment-length': 'string', 'break-probability': 'string', seed: 'string', n: 'string', 'latent-width': 'string',
  },
  async run(options, io: CliIO) {
    const kind = options.word(0) as (typeof WORLDS)[number] | undefined;
    if (!kind || !WORLDS.includes(kind)) {
      throw new SpecialistError('INVALID_ARGUMENT', `synth needs a world: ${WORLDS.join(', ')} (got ${kind ?? 'none'})`, { world: kind ?? null });
    }
    const dir = options.requireString('out-dir');
    const json = options.flag('json');
    await ensureDir(dir);
    const truth = await (kind === 'structure' ? structure : kind === 'specialist' ? specialist : generalist)(options, dir);
    await writeJson(join(dir, 'truth.json'), truth);
    if (json) io.out(JSON.stringify(truth));
    else io.out(`wrote ${Object.values(truth.files as Record<string, string>).join(', ')}`);
    return 0;
  },
};
