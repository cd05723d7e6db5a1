// Deployment through the built binary: demo writes an encoder and heads; encode, run and export-onnx
// use them; a head meets only the encoder it was fitted on; damaged heads are refused.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { before, it } from 'node:test';
import * as ort from 'onnxruntime-web';
import { formatNpy, parseNpy } from '../../src/io/npy.ts';
import { fitSpecialists } from '../../src/specialist/fit.ts';
import { Specialists } from '../../src/specialist/model.ts';
import { generalistWorld } from '../../src/synthetic/generalist-world.ts';
import { assertClose } from '../helpers.ts';

const cli = (...args: string[]) => spawnSync(process.execPath, ['dist/cli.js', ...args], { encoding: 'utf8', timeout: 180000 });
const dir = mkdtempSync(join(tmpdir(), 'deploy-cli-'));
let summary: any;

before(() => {
  const r = cli('demo', '--episodes', '300', '--steps', '8', '--epochs', '6', '--out-dir', dir, '--json');
  assert.equal(r.status, 0, r.stderr);
  summary = JSON.parse(r.stdout);
  // Ten fresh observations of the same world.
  const world = generalistWorld({ episodes: 10, steps: 8, seed: 0 });
  writeFileSync(join(dir, 'obs.npy'), formatNpy({ shape: [10 * 8, 9], data: world.observations }));
});

it('encode, then run: the prediction equals the heads applied to the encoded latents', () => {
  const enc = cli('encode', '--model', join(dir, 'encoder.onnx'), '--input', join(dir, 'obs.npy'), '--out', join(dir, 'z.npy'), '--json');
  assert.equal(enc.status, 0, enc.stderr);
  assert.deepEqual(JSON.parse(enc.stdout).shape, [80, 9]);
  const task = summary.heads[0].task;
  const run = cli('run', '--encoder', join(dir, 'encoder.onnx'), '--head', join(dir, 'model.specialist'), '--input', join(dir, 'obs.npy'), '--task', '0', '--out', join(dir, 'y.npy'), '--block-out', join(dir, 'b.npy'), '--json');
  assert.equal(run.status, 0, run.stderr);
  const z = parseNpy(readFileSync(join(dir, 'z.npy')));
  const heads = Specialists.deserialise(readFileSync(join(dir, 'model.specialist')));
  const latents = { data: z.data as Float32Array, shape: [80, 9] };
  assertClose(parseNpy(readFileSync(join(dir, 'y.npy'))).data as Float32Array, heads.predict(latents, 0).data, { abs: 1e-5 }, 'prediction');
  assertClose(parseNpy(readFileSync(join(dir, 'b.npy'))).data as Float32Array, heads.transform(latents, 0).data, { abs: 1e-5 }, 'block');
  assert.ok(task >= 0);
});

it('run --class-out writes the class each row is read as (Specialists.classify); a task without a class map is refused before encoding', async () => {
  const z = parseNpy(readFileSync(join(dir, 'z.npy')));
  const latents = { data: z.data as Float32Array, shape: [80, 9] };
  // Heads fitted here on those latents, with labels 0..2 from the sign pattern of two coordinates.
  const labels = Float32Array.from({ length: 80 }, (_, r) => (latents.data[r * 9] > 0 ? 1 : 0) + (latents.data[r * 9 + 1] > 0 ? 1 : 0));
  const heads = await fitSpecialists(latents, [{ data: labels, shape: [80, 1] }, { data: latents.data.filter((_, q) => q % 9 === 2), shape: [80, 1] }], { epochs: 10, seed: 1 });
  assert.ok(heads.classCodes(0) && !heads.classCodes(1), 'task 0 has a class map, task 1 none');
  writeFileSync(join(dir, 'classes.specialist'), heads.serialise());
  const args = (task: string) => ['run', '--encoder', join(dir, 'encoder.onnx'), '--head', join(dir, 'classes.specialist'), '--input', join(dir, 'obs.npy'), '--task', task, '--out', join(dir, 'yc.npy'), '--class-out', join(dir, 'c.npy'), '--allow-encoder-mismatch', '--json'];
  const run = cli(...args('0'));
  assert.equal(run.status, 0, run.stderr);
  assertClose(parseNpy(readFileSync(join(dir, 'c.npy'))).data as Float32Array, heads.classify(latents, 0).codes.data, { abs: 0 }, 'classes');
  const refused = cli(...args('1'));
  assert.equal(refused.status, 2);
  assert.equal(JSON.parse(refused.stdout).error.code, 'INVALID_ARGUMENT');
  assert.match(JSON.parse(refused.stdout).error.message, /--class-out: task 1 has no class map/);
});

it('export-onnx writes a head that onnxruntime runs to the same block and prediction', async () => {
  const r = cli('export-onnx', '--model', join(dir, 'model.specialist'), '--task', '0', '--out', join(dir, 'head.onnx'), '--json');
  assert.equal(r.status, 0, r.stderr);
  const z = parseNpy(readFileSync(join(dir, 'z.npy')));
  const session = await ort.InferenceSession.create(readFileSync(join(dir, 'head.onnx')));
  const out = await session.run({ latents: new ort.Tensor('float32', z.data as Float32Array, [80, 9]) });
  const heads = Specialists.deserialise(readFileSync(join(dir, 'model.specialist')));
  assertClose(out.prediction.data as Float32Array, heads.predict({ data: z.data as Float32Array, shape: [80, 9] }, 0).data, { abs: 1e-5, rel: 1e-5 }, 'exported head');
});

it('heads refuse another encoder (ENCODER_MISMATCH) unless told; damaged heads are INVALID_FILE', () => {
  const other = join(dir, 'other');
  assert.equal(cli('synth', 'generalist', '--out-dir', other, '--episodes', '20', '--seed', '9').status, 0);
  const args = ['run', '--encoder', join(other, 'encoder.onnx'), '--head', join(dir, 'model.specialist'), '--input', join(dir, 'obs.npy'), '--out', join(dir, 'y2.npy'), '--json'];
  const refused = cli(...args);
  assert.equal(refused.status, 2);
  assert.equal(JSON.parse(refused.stdout).error.code, 'ENCODER_MISMATCH');
  assert.match(JSON.parse(refused.stdout).error.message, /pass --allow-encoder-mismatch to load anyway/);
  assert.equal(cli(...args, '--allow-encoder-mismatch').status, 0);
  const bytes = readFileSync(join(dir, 'model.specialist'));
  for (const [name, damaged] of [['truncated', bytes.subarray(0, bytes.length - 100)], ['flipped', Buffer.from(bytes).fill(0x55, bytes.length - 40, bytes.length - 39)]] as const) {
    writeFileSync(join(dir, `${name}.specialist`), damaged);
    const r = cli('run', '--encoder', join(dir, 'encoder.onnx'), '--head', join(dir, `${name}.specialist`), '--input', join(dir, 'obs.npy'), '--out', join(dir, 'y3.npy'), '--json');
    assert.equal(r.status, 2, name);
    assert.equal(JSON.parse(r.stdout).error.code, 'INVALID_FILE', name);
  }
});
