// The CLI on a user's own files says what a silent run would hide (issue 20 item 4): a head that
// reads nothing, a fit that did not converge, integer labels, latents [n, T, d] given to fit
// without the structure, typos in flags and commands; --json errors carry no stack. Through the
// built binary (npm run build:js first).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, it } from 'node:test';
import { formatNpy } from '../../src/io/npy.ts';
import { createRng } from '../../src/core/random.ts';

const cli = (...args: string[]) => spawnSync(process.execPath, ['dist/cli.js', ...args], { encoding: 'utf8', timeout: 120_000 });
const dir = mkdtempSync(join(tmpdir(), 'specialist-own-cli-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const rng = createRng(3);
const file = (name: string, data: Float32Array | Int32Array, shape: number[]) => {
  const path = join(dir, name);
  writeFileSync(path, formatNpy({ data, shape }));
  return path;
};
// 300 rows of 4 latent numbers, and targets that have nothing to do with them.
const latents = file('z.npy', Float32Array.from({ length: 1200 }, () => rng.normal()), [300, 4]);
const unrelated = file('y.npy', Float32Array.from({ length: 300 }, () => rng.normal()), [300, 1, 1]);

it('fit on targets the latents do not carry: a warning that the head reads nothing, and the JSON says so', () => {
  const r = cli('fit', '--latents', latents, '--targets', unrelated, '--out', join(dir, 'm.specialist'), '--seed', '1', '--json');
  assert.equal(r.status, 0, r.stderr);
  const report = JSON.parse(r.stdout);
  assert.deepEqual(report.supports, [[]]);
  assert.match(report.warnings.join('\n'), /task 0: the head reads no coordinate/);
  // What is made from that head says so too.
  const exported = cli('export-onnx', '--model', join(dir, 'm.specialist'), '--task', '0', '--out', join(dir, 'h.onnx'));
  assert.match(exported.stdout, /warning: task 0's head reads no coordinate/);
  const transformed = cli('transform', '--model', join(dir, 'm.specialist'), '--latents', latents, '--task', '0', '--out', join(dir, 'b.npy'), '--json');
  assert.match(JSON.parse(transformed.stdout).warnings[0], /reads no coordinate/);
});

it('a fit stopped before it converged is a warning; integer labels are read with a note on categories', () => {
  const labels = file('labels.npy', Int32Array.from({ length: 300 }, (_, r) => r % 3), [300, 1]);
  const r = cli('fit', '--latents', latents, '--targets', labels, '--epochs', '1', '--out', join(dir, 'm1.specialist'));
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /warning: the fit did not converge within its epochs: raise --epochs/);
  assert.match(r.stdout, /holds integer labels \(<i4\): read as numbers.*one-hot/);
});

it('latents [n, T, d] without --structure: an error that says what to add', () => {
  const episodes = file('e.npy', new Float32Array(300 * 4), [100, 3, 4]);
  const r = cli('fit', '--latents', episodes, '--targets', unrelated, '--out', join(dir, 'm2.specialist'));
  assert.equal(r.status, 2);
  assert.match(r.stderr, /\[SHAPE_MISMATCH\].*give --structure S\.json .* and --tasks G\.npy/);
});

it('a mistyped flag or command gets the closest one; --json errors have code, message and details but no stack', () => {
  assert.match(cli('fit', '--latent', latents).stderr, /Unknown option: --latent; did you mean --latents\?/);
  assert.match(cli('pipeline', '--segment-lenght', '2').stderr, /did you mean --segment-length\?/);
  assert.match(cli('fti').stderr, /unknown command "fti"; did you mean fit\?/);
  const r = cli('fit', '--latents', join(dir, 'missing.npy'), '--targets', unrelated, '--out', join(dir, 'm3.specialist'), '--json');
  assert.equal(r.status, 2);
  const { error } = JSON.parse(r.stdout);
  assert.equal(error.code, 'INVALID_FILE');
  assert.equal(error.stack, undefined);
  assert.doesNotMatch(r.stdout, /node_modules|dist\/cli\.js|at .*\(/);
});

it('pipeline: one source (latents, or observations with an encoder); --device only with an encoder', () => {
  const tasks = file('g.npy', new Float32Array(200), [100, 2]);
  const episodes = file('e2.npy', new Float32Array(100 * 4 * 2), [100, 4, 2]);
  const both = cli('pipeline', '--latents', episodes, '--observations', episodes, '--tasks', tasks, '--segment-length', '2');
  assert.match(both.stderr, /\[INVALID_ARGUMENT\]: --observations does not apply here: .*not both/);
  assert.match(cli('pipeline', '--latents', episodes, '--encoder', 'm.onnx', '--tasks', tasks, '--segment-length', '2').stderr, /--encoder does not apply here: it goes with --observations/);
  assert.match(cli('pipeline', '--observations', episodes, '--tasks', tasks, '--segment-length', '2').stderr, /--encoder is required with --observations/);
  assert.match(cli('pipeline', '--latents', episodes, '--tasks', tasks, '--segment-length', '2', '--device', 'wasm').stderr, /--device does not apply here: .*--latents run none/);
});

it("synth's truth.json scores a structure run: the verdict names the wrong cells, the JSON agrees with the relation", () => {
  const world = join(dir, 'world');
  assert.equal(cli('synth', 'structure', '--out-dir', world, '--episodes', '1000', '--steps', '8', '--tasks', '2', '--seed', '1').status, 0);
  const args = ['structure', '--states', join(world, 'states.npy'), '--tasks', join(world, 'tasks.npy'), '--segment-length', '2', '--truth', join(world, 'truth.json')];
  const text = cli(...args);
  assert.equal(text.status, 0, text.stderr);
  assert.match(text.stdout, /^ {2}verdict: relation (matches the truth|differs from the truth in \d+ cells)/m);
  const report = JSON.parse(cli(...args, '--json').stdout);
  const truth = JSON.parse(readFileSync(join(world, 'truth.json'), 'utf8')).relation as number[][];
  const wrong = report.relation.flatMap((row: number[], k: number) => row.flatMap((v, i) => (v !== truth[k][i] ? [[k, i]] : [])));
  assert.deepEqual(report.verdict.wrongCells, wrong);
  assert.equal(report.verdict.relationMatches, wrong.length === 0);
});
