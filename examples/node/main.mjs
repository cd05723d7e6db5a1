// The whole pipeline from files: read an encoder and NumPy arrays, run encode -> Layer 1 -> Layer 2
// in a worker thread, print what was found, save the heads.
//
//   node main.mjs WORLD_DIR [--out heads.specialist] [--segment-length 2] [--epochs 120]
//
// WORLD_DIR holds encoder.onnx (the generalist), observations.npy [n, T, ...obs], tasks.npy
// [n, M, dg] and, optionally, contributions.npy [n, T, M, dg] (what each step contributes to each
// task variable: the heads' targets; without it each head learns its episode's task variable).
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { WorkerPool, isSpecialistError, readNpyFile, runPipelineInWorker, saveSpecialists, toFloat32 } from 'specialist-sdk';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { out: { type: 'string', default: 'heads.specialist' }, 'segment-length': { type: 'string', default: '2' }, epochs: { type: 'string', default: '120' } },
});
if (positionals.length !== 1) {
  console.error('usage: node main.mjs WORLD_DIR [--out heads.specialist] [--segment-length 2] [--epochs 120]');
  process.exit(2);
}
const dir = positionals[0];
const tensor = async (name) => {
  const array = await readNpyFile(join(dir, name));
  return { data: toFloat32(array, name), shape: array.shape };
};

// Progress on stderr: one updating line on a terminal, a line per stage when piped.
let shown = '';
function showProgress({ stage, done, total }) {
  const line = process.stderr.isTTY ? `${stage} ${Math.floor((100 * done) / total)}%` : stage;
  if (line === shown) return;
  shown = line;
  process.stderr.write(process.stderr.isTTY ? `\r${line}   ` : `${line}...\n`);
}

// Ctrl-C stops the run: the worker is terminated and the call rejects with ABORTED.
const controller = new AbortController();
process.once('SIGINT', () => controller.abort());

const pool = await WorkerPool.create({ size: 1 });
try {
  const input = {
    encoder: new Uint8Array(await readFile(join(dir, 'encoder.onnx'))),
    observations: await tensor('observations.npy'),
    tasks: await tensor('tasks.npy'),
    stepTargets: existsSync(join(dir, 'contributions.npy')) ? await tensor('contributions.npy') : undefined,
  };
  const result = await runPipelineInWorker(
    input,
    { structure: { segmentLength: Number(values['segment-length']) }, specialists: { epochs: Number(values.epochs) } },
    { pool, signal: controller.signal, onProgress: showProgress },
  );
  if (process.stderr.isTTY) process.stderr.write('\n');
  console.log(`encoder on ${result.device.device} (${result.device.reason})`);
  console.log('segments x tasks (1: the segment serves the task):');
  result.structure.relation.forEach((row, k) => console.log(`  segment ${k}: ${row.join(' ')}`));
  for (const warning of result.warnings) console.log(`warning: ${warning}`);
  if (result.specialists) {
    result.specialists.supports.forEach((support, j) => console.log(`task ${result.fittedTasks[j]} reads latent coordinates [${support.join(', ')}]`));
    await saveSpecialists(values.out, result.specialists);
    console.log(`heads saved to ${values.out}`);
  } else {
    console.log('no task has a step: no head was fitted');
  }
} catch (error) {
  // SpecialistError codes name the problem (docs/reliability.md); ENOENT and the like come from Node.
  console.error(`failed: [${error.code ?? error.name}] ${error.message}`);
  process.exitCode = isSpecialistError(error, 'ABORTED') ? 130 : 1;
} finally {
  await pool.close();
}
