// What the bad-input cases share: a temporary folder with valid files beside the broken ones, a
// small fitted model recorded against a real ONNX encoder, the CLI run as a user runs it, and the
// case type itself.
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SpecialistError, type ErrorCode } from '../../src/core/errors.ts';
import { Generalist } from '../../src/generalist/generalist.ts';
import { loadOrtNode } from '../../src/generalist/ort.ts';
import { writeNpyFile } from '../../src/node/npy-file.ts';
import { fitSpecialists } from '../../src/specialist/fit.ts';
import type { Specialists } from '../../src/specialist/model.ts';
import { generalistWorld } from '../../src/synthetic/generalist-world.ts';
import { linearColliderWorld } from '../../src/synthetic/structure-worlds.ts';

export interface Case {
  /** The heading it is listed under. */
  area: string;
  /** The kind of bad (or edge) input, in a user's words. */
  input: string;
  /** Where it was given: an API call or a CLI command. */
  entry: string;
  /** The error code expected, or 'ok' for a correct, documented result. */
  expect: ErrorCode | 'ok';
  /** For 'ok': what the result is (the run checks it). */
  note?: string;
  run(ctx: Context): Promise<unknown>;
}

export interface Context {
  dir: string;
  /** A small fitted model (2 tasks, 6 latents) recorded against `encoder`. */
  model: Specialists;
  modelBytes: Uint8Array;
  /** A generalist encoder (input "observation" [batch, D], output "latent") and D. */
  encoder: Uint8Array;
  observationDims: number;
  /** Valid .npy files: latents [240, 6], targets [240, 2], states/tasks of a structure world, observations [8, D]. */
  files: { latents: string; targets: string; states: string; tasks: string; observations: string; model: string; encoder: string };
  /** Runs the CLI; resolves with stdout on exit 0, rejects with the SpecialistError it printed. */
  cli(...args: string[]): Promise<string>;
}

export async function createContext(): Promise<Context> {
  const dir = mkdtempSync(join(tmpdir(), 'reliability-'));
  // onnxruntime logs each model it refuses to stderr; the cases expect those refusals.
  const ort = await loadOrtNode();
  if (ort) ort.env.logLevel = 'fatal';
  const world = generalistWorld({ episodes: 40, steps: 4, seed: 2 });
  const D = world.params.latentDims;
  const generalist = await Generalist.load(world.encoderOnnx);
  await generalist.dispose();
  // Latents with two tasks: task 0 reads columns 0, 1; task 1 column 2.
  const n = 240, d = 6;
  let state = 7;
  const next = () => ((state = (state * 1103515245 + 12345) >>> 0) / 2 ** 32) * 2 - 1;
  const z = Float32Array.from({ length: n * d }, next);
  const y = Float32Array.from({ length: n * 2 }, (_, i) => (i % 2 === 0 ? z[(i >> 1) * d] - z[(i >> 1) * d + 1] : z[(i >> 1) * d + 2] ** 2));
  const fitted = await fitSpecialists({ data: z, shape: [n, d] }, { data: y, shape: [n, 2] }, { epochs: 6, encoderWidths: [8], headWidth: 8, lambda: 0.5 });
  const model = fitted.withEncoder(generalist.modelSha256);
  const structure = linearColliderWorld({ episodes: 200, steps: 6, tasks: 2, seed: 1 });
  const files = {
    latents: join(dir, 'latents.npy'),
    targets: join(dir, 'targets.npy'),
    states: join(dir, 'states.npy'),
    tasks: join(dir, 'tasks.npy'),
    observations: join(dir, 'observations.npy'),
    model: join(dir, 'model.specialist'),
    encoder: join(dir, 'encoder.onnx'),
  };
  await writeNpyFile(files.latents, { shape: [n, d], data: z });
  await writeNpyFile(files.targets, { shape: [n, 2], data: y });
  await writeNpyFile(files.states, { shape: structure.shapes.states, data: structure.states });
  await writeNpyFile(files.tasks, { shape: structure.shapes.tasks, data: structure.tasks });
  await writeNpyFile(files.observations, { shape: [8, D], data: world.observations.subarray(0, 8 * D) });
  const { writeFileAtomic } = await import('../../src/node/atomic-write.ts');
  const modelBytes = model.serialise();
  await writeFileAtomic(files.model, modelBytes);
  await writeFileAtomic(files.encoder, world.encoderOnnx);
  return { dir, model, modelBytes, encoder: world.encoderOnnx, observationDims: D, files, cli };
}

function cli(...args: string[]): Promise<string> {
  const proc = spawn(process.execPath, ['dist/cli.js', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '', err = '';
  proc.stdout.on('data', (d) => (out += d));
  proc.stderr.on('data', (d) => (err += d));
  return new Promise((resolve, reject) => {
    // 'close', not 'exit': 'exit' can come before the last of stderr is read, and a loaded machine
    // then reports an exit code with an empty message.
    proc.on('close', (code) => {
      if (code === 0) return resolve(out);
      const printed = /error \[([A-Z_]+)\]: (.*)/.exec(err);
      reject(printed ? new SpecialistError(printed[1] as ErrorCode, printed[2]) : new Error(`exit ${code}: ${err.slice(0, 300)}`));
    });
  });
}
