// The specialist CLI commands through the built binary (run `npx rollup -c` first): synth writes
// a world, fit trains and saves a model, transform reads it back; bad input exits 2 with a code.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { it } from 'node:test';
import { parseNpy } from '../../src/io/npy.ts';

const cli = (...args: string[]) => spawnSync(process.execPath, ['dist/cli.js', ...args], { encoding: 'utf8', timeout: 120000 });
const dir = mkdtempSync(join(tmpdir(), 'specialist-cli-'));

it('synth, fit and transform round-trip through files', () => {
  const synth = cli('synth', 'specialist', '--out-dir', dir, '--n', '400', '--seed', '2', '--json');
  assert.equal(synth.status, 0, synth.stderr);
  const truth = JSON.parse(synth.stdout);
  assert.deepEqual(truth.blocks, [[0, 1, 2], [2, 3], [4, 5, 6]]);
  assert.deepEqual(JSON.parse(readFileSync(join(dir, 'truth.json'), 'utf8')).irrelevant, [7, 8, 9]);
  const model = join(dir, 'model.specialist');
  const fit = cli('fit', '--latents', join(dir, 'latents.npy'), '--targets', join(dir, 'targets.npy'), '--lambda', '0.5', '--epochs', '3', '--seed', '1', '--out', model, '--json');
  assert.equal(fit.status, 0, fit.stderr);
  const report = JSON.parse(fit.stdout);
  assert.equal(report.latentDims, 10);
  assert.deepEqual(report.lambda, [0.5, 0.5, 0.5]);
  assert.equal(report.architecture, 'nonlinear', 'a fixed lambda trains the network without comparing');
  assert.equal(report.supports.length, 3);
  assert.ok(report.elapsedMs > 0 && existsSync(model));
  // Two workers by default; on this thread (--workers 0) the model is the same, bit for bit (only
  // the training-loss curve it records may differ in its last digits: the two halves' sum order).
  const here = join(dir, 'here.specialist');
  const single = cli('fit', '--latents', join(dir, 'latents.npy'), '--targets', join(dir, 'targets.npy'), '--lambda', '0.5', '--epochs', '3', '--seed', '1', '--workers', '0', '--out', here, '--json');
  assert.equal(single.status, 0, single.stderr);
  assert.deepEqual(JSON.parse(single.stdout).supports, report.supports);
  const out = join(dir, 's.npy'), outHere = join(dir, 's-here.npy');
  assert.equal(cli('transform', '--model', model, '--latents', join(dir, 'latents.npy'), '--out', out).status, 0);
  assert.equal(cli('transform', '--model', here, '--latents', join(dir, 'latents.npy'), '--out', outHere).status, 0);
  assert.deepEqual(parseNpy(readFileSync(out)).shape, [400, 10]);
  assert.deepEqual(readFileSync(outHere), readFileSync(out));
  const block = join(dir, 'block.npy');
  const t1 = cli('transform', '--model', model, '--latents', join(dir, 'latents.npy'), '--task', '1', '--out', block, '--json');
  assert.equal(t1.status, 0, t1.stderr);
  assert.deepEqual(parseNpy(readFileSync(block)).shape, [400, report.supports[1].length]);
});

it('a corrupted model file and bad options are typed errors with exit code 2', () => {
  const model = join(dir, 'model.specialist');
  const broken = join(dir, 'broken.specialist');
  const bytes = readFileSync(model);
  writeFileSync(broken, bytes.subarray(0, bytes.length - 10));
  const r = cli('transform', '--model', broken, '--latents', join(dir, 'latents.npy'), '--out', join(dir, 'x.npy'), '--json');
  assert.equal(r.status, 2);
  assert.equal(JSON.parse(r.stdout).error.code, 'INVALID_FILE');
  const lam = cli('fit', '--latents', join(dir, 'latents.npy'), '--targets', join(dir, 'targets.npy'), '--lambda', 'lots', '--out', join(dir, 'm2'));
  assert.equal(lam.status, 2);
  assert.match(lam.stderr, /error \[INVALID_ARGUMENT\]: --lambda/);
  for (const [flag, value] of [['--workers', '3'], ['--input-rank', '0'], ['--input-rank', 'most'], ['--architecture', 'deep']]) {
    const bad = cli('fit', '--latents', join(dir, 'latents.npy'), '--targets', join(dir, 'targets.npy'), flag, value, '--out', join(dir, 'm3'));
    assert.equal(bad.status, 2, `${flag} ${value}`);
    assert.match(bad.stderr, new RegExp(`error \\[INVALID_ARGUMENT\\]: ${flag}`));
  }
  const sub = cli('synth', 'frob', '--out-dir', dir);
  assert.equal(sub.status, 2);
  assert.match(sub.stderr, /synth needs a world: structure, specialist, generalist/);
});
