// Layer 1 and the synthetic worlds through the built binary: synth writes a world, structure finds
// its relation, citest answers single questions; files that are not .npy are typed errors.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { it } from 'node:test';
import { formatNpy, parseNpy } from '../../src/io/npy.ts';
import { createRng } from '../../src/core/random.ts';

const cli = (...args: string[]) => spawnSync(process.execPath, ['dist/cli.js', ...args], { encoding: 'utf8', timeout: 120000 });
const dir = mkdtempSync(join(tmpdir(), 'structure-cli-'));

it('synth structure, then structure recovers the written relation', () => {
  const synth = cli('synth', 'structure', '--out-dir', dir, '--episodes', '8000', '--steps', '8', '--tasks', '2', '--seed', '4', '--json');
  assert.equal(synth.status, 0, synth.stderr);
  const truth = JSON.parse(synth.stdout);
  assert.deepEqual(JSON.parse(readFileSync(join(dir, 'truth.json'), 'utf8')).relation, truth.relation);
  assert.deepEqual(parseNpy(readFileSync(join(dir, 'states.npy'))).shape, [8000, 8, 1]);
  const r = cli('structure', '--states', join(dir, 'states.npy'), '--tasks', join(dir, 'tasks.npy'), '--segment-length', '2', '--json');
  assert.equal(r.status, 0, r.stderr);
  const out = JSON.parse(r.stdout);
  for (const key of ['segments', 'segmentLength', 'relation', 'stepTasks', 'pValues', 'undetectable', 'test', 'elapsedMs']) assert.ok(key in out, key);
  assert.equal(out.segments, 4);
  // The default test is 'auto': on this linear world it runs Fisher z and says why.
  assert.equal(out.test, 'fisherz');
  assert.equal(out.testChoice.test, 'fisherz');
  assert.match(out.testChoice.reason, /close to linear/);
  assert.deepEqual(out.warnings, []);
  assert.equal(out.stepTasks.length, 8);
  assert.equal(out.pValues.length, 2);
  let agree = 0;
  truth.relation.forEach((row: number[], k: number) => row.forEach((v, i) => (agree += Number(v === out.relation[k][i]))));
  assert.ok(agree >= 7, `${agree} of 8 cells agree with the truth`);
  const paper = cli('structure', '--states', join(dir, 'states.npy'), '--tasks', join(dir, 'tasks.npy'), '--segment-length', '2', '--method', 'pairwise', '--rule', 'union', '--correction', 'none', '--json');
  assert.equal(paper.status, 0, paper.stderr);
  assert.equal(JSON.parse(paper.stdout).pValues[0][0][1] === null, false, 'pairwise p-values are reported');
});

it('structure --test rcot on a nonlinear world; auto reports its choice', () => {
  const out = join(dir, 'nonlinear');
  const synth = cli('synth', 'structure', '--kind', 'nonlinear', '--out-dir', out, '--episodes', '3000', '--steps', '6', '--tasks', '2', '--seed', '9', '--json');
  assert.equal(synth.status, 0, synth.stderr);
  const truth = JSON.parse(synth.stdout);
  const files = ['--states', join(out, 'states.npy'), '--tasks', join(out, 'tasks.npy'), '--segment-length', '2', '--json'];
  const r = cli('structure', ...files, '--test', 'rcot');
  assert.equal(r.status, 0, r.stderr);
  const result = JSON.parse(r.stdout);
  assert.equal(result.test, 'rcot');
  assert.equal(result.testChoice, null);
  const agree = truth.relation.flat().filter((v: number, i: number) => v === result.relation.flat()[i]).length;
  assert.ok(agree >= 5, `${agree} of 6 cells agree with the truth`);
  const auto = JSON.parse(cli('structure', ...files).stdout);
  assert.ok(['fisherz', 'gcm'].includes(auto.test) && auto.testChoice.test === auto.test, JSON.stringify(auto.testChoice));
  // The GCM confirmed by RCoT by name; --knn is refused with it (an option of cmiknn only).
  const both = JSON.parse(cli('structure', ...files, '--test', 'intersection', '--seed', '3').stdout);
  assert.equal(both.test, 'intersection');
  assert.ok(truth.relation.flat().filter((v: number, i: number) => v === both.relation.flat()[i]).length >= 5);
  assert.equal(cli('structure', ...files, '--test', 'intersection', '--knn', '5').status, 2);
});

it('structure on states observed through a redundant map: the reduction is stated, --reduction none and K do what they say', () => {
  const rng = createRng(8);
  const [n, T, d] = [600, 4, 6];
  // Each step's 6 numbers are 2 independent draws and 4 sums of them (rank 2); the task reads nothing.
  const states = new Float32Array(n * T * d);
  for (let q = 0; q < n * T; q++) {
    const [a, b] = [rng.normal(), rng.normal()];
    states.set([a, b, a + b, a - b, 2 * a, 3 * b], q * d);
  }
  const tasks = Float32Array.from({ length: n }, () => rng.normal());
  writeFileSync(join(dir, 'redundant.npy'), formatNpy({ shape: [n, T, d], data: states }));
  writeFileSync(join(dir, 'task1.npy'), formatNpy({ shape: [n, 1], data: tasks }));
  const files = ['--states', join(dir, 'redundant.npy'), '--tasks', join(dir, 'task1.npy'), '--segment-length', '2'];
  const auto = cli('structure', ...files, '--json');
  assert.equal(auto.status, 0, auto.stderr);
  const r = JSON.parse(auto.stdout);
  assert.equal(r.reduction.components, 2);
  assert.equal(r.test, 'fisherz', JSON.stringify(r.testChoice));
  assert.equal(JSON.parse(cli('structure', ...files, '--reduction', 'none', '--test', 'fisherz', '--json').stdout).reduction, null);
  assert.equal(JSON.parse(cli('structure', ...files, '--reduction', '1', '--test', 'fisherz', '--json').stdout).reduction.components, 1);
  const text = cli('structure', ...files);
  assert.match(text.stdout, /reduction: the 6 numbers of a step span 2 dimensions/);
  assert.equal(cli('structure', ...files, '--reduction', 'pca').status, 2);
});

it('citest: dependence, conditional independence, and the four tests', () => {
  const rng = createRng(5);
  const n = 800;
  const z = Float32Array.from({ length: n }, () => rng.normal());
  const x = z.map((v) => v + 0.5 * rng.normal());
  const y = z.map((v) => v + 0.5 * rng.normal());
  for (const [name, data] of Object.entries({ x, y, z })) writeFileSync(join(dir, `${name}.npy`), formatNpy({ shape: [n], data }));
  const marginal = JSON.parse(cli('citest', '--x', join(dir, 'x.npy'), '--y', join(dir, 'y.npy'), '--test', 'fisherz', '--json').stdout);
  assert.ok(marginal.pValue < 1e-10 && marginal.n === n);
  const conditional = JSON.parse(cli('citest', '--x', join(dir, 'x.npy'), '--y', join(dir, 'y.npy'), '--z', join(dir, 'z.npy'), '--test', 'fisherz', '--json').stdout);
  assert.ok(conditional.pValue > 0.001, `p = ${conditional.pValue}`);
  const knn = cli('citest', '--x', join(dir, 'x.npy'), '--y', join(dir, 'y.npy'), '--test', 'cmiknn', '--permutations', '19', '--json');
  assert.equal(knn.status, 0, knn.stderr);
  const k = JSON.parse(knn.stdout);
  assert.equal(k.pValue, 1 / 20, 'strong dependence: no permuted value reaches the observed one');
  for (const key of ['statistic', 'pValue', 'n', 'elapsedMs']) assert.ok(key in k);
  const rcot = cli('citest', '--x', join(dir, 'x.npy'), '--y', join(dir, 'y.npy'), '--z', join(dir, 'z.npy'), '--test', 'rcot', '--json');
  assert.equal(rcot.status, 0, rcot.stderr);
  const r = JSON.parse(rcot.stdout);
  assert.ok(r.pValue > 0.001 && r.test === 'rcot', `rcot p = ${r.pValue}`);
  const g = JSON.parse(cli('citest', '--x', join(dir, 'x.npy'), '--y', join(dir, 'y.npy'), '--z', join(dir, 'z.npy'), '--test', 'gcm', '--json').stdout);
  assert.ok(g.pValue > 0.001 && g.test === 'gcm' && g.rank.z === 1, `gcm ${JSON.stringify(g)}`);
});

it('bad files and options exit 2 with a code that names the problem', () => {
  writeFileSync(join(dir, 'bad.npy'), 'not numpy');
  const bad = cli('structure', '--states', join(dir, 'bad.npy'), '--tasks', join(dir, 'tasks.npy'), '--segment-length', '2', '--json');
  assert.equal(bad.status, 2);
  assert.equal(JSON.parse(bad.stdout).error.code, 'INVALID_FILE');
  const odd = cli('structure', '--states', join(dir, 'states.npy'), '--tasks', join(dir, 'tasks.npy'), '--segment-length', '3');
  assert.equal(odd.status, 2);
  assert.match(odd.stderr, /error \[\w+\]: .*(multiple|divisible|drop)/i);
  const missing = cli('structure', '--states', join(dir, 'states.npy'), '--tasks', join(dir, 'tasks.npy'));
  assert.match(missing.stderr, /--segment-length is required/);
  const rows = cli('citest', '--x', join(dir, 'x.npy'), '--y', join(dir, 'states.npy'), '--json');
  assert.equal(rows.status, 2);
});

it('synth generalist writes the encoder and its world', () => {
  const out = join(dir, 'gen');
  const r = cli('synth', 'generalist', '--out-dir', out, '--episodes', '30', '--json');
  assert.equal(r.status, 0, r.stderr);
  const truth = JSON.parse(r.stdout);
  assert.deepEqual(truth.blocks, [[0, 1], [2, 3, 4], [5, 6]]);
  assert.deepEqual(parseNpy(readFileSync(join(out, 'observations.npy'))).shape, [30, 12, 9]);
  // Per-step targets: nonzero exactly where the step's segment (2 steps) serves the task.
  const contributions = parseNpy(readFileSync(join(out, 'contributions.npy')));
  const dg = truth.params.taskDim;
  assert.deepEqual(contributions.shape, [30, 12, 3, dg]);
  for (let e = 0; e < 30; e++) {
    for (let t = 0; t < 12; t++) {
      for (let i = 0; i < 3; i++) {
        const at = ((e * 12 + t) * 3 + i) * dg;
        const acts = contributions.data.subarray(at, at + dg).some((v) => v !== 0);
        assert.equal(acts, truth.relation[t >> 1][i] === 1, `episode ${e}, step ${t}, task ${i}`);
      }
    }
  }
  assert.ok(readFileSync(join(out, 'encoder.onnx')).length > 500);
});

it('structure warns when the segments do not line up with the tasks, and suggests the length that does', async () => {
  const { linearColliderWorld } = await import('../../src/synthetic/structure-worlds.ts');
  // Tasks 0 and 1 alternate every 3 steps; read in segments of 2 the relation shifts.
  const w = linearColliderWorld({ episodes: 2000, steps: 12, tasks: 2, segmentLength: 3, relation: [1, 0, 0, 1, 1, 0, 0, 1], taskMaps: 'per-task', seed: 2 });
  const states = join(dir, 'misaligned-states.npy');
  const tasks = join(dir, 'misaligned-tasks.npy');
  writeFileSync(states, formatNpy({ data: w.states, shape: w.shapes.states }));
  writeFileSync(tasks, formatNpy({ data: w.tasks, shape: w.shapes.tasks }));
  const at2 = cli('structure', '--states', states, '--tasks', tasks, '--segment-length', '2');
  assert.equal(at2.status, 0, at2.stderr);
  assert.match(at2.stdout, /warning: segments of 2 steps do not line up with the tasks: step \d+ shows no dependence on task \d/);
  assert.match(at2.stdout, /try segment length 3/);
  const at3 = cli('structure', '--states', states, '--tasks', tasks, '--segment-length', '3', '--json');
  assert.equal(at3.status, 0, at3.stderr);
  const out = JSON.parse(at3.stdout);
  assert.deepEqual(out.alignment.misaligned, []);
  assert.deepEqual(out.relation, [[1, 0], [0, 1], [1, 0], [0, 1]]);
  // Skipped on request: same relation at length 2, no check and no warning.
  const skipped = cli('structure', '--states', states, '--tasks', tasks, '--segment-length', '2', '--no-alignment-check', '--json');
  assert.equal(skipped.status, 0, skipped.stderr);
  const quiet = JSON.parse(skipped.stdout);
  assert.equal(quiet.alignment, null);
  assert.ok(!quiet.warnings.some((w: string) => /do not line up/.test(w)), quiet.warnings.join(' / '));
  const pairwise = cli('structure', '--states', states, '--tasks', tasks, '--segment-length', '2', '--method', 'pairwise', '--no-alignment-check');
  assert.notEqual(pairwise.status, 0);
  assert.match(pairwise.stderr, /no-alignment-check/);
});

it('structure names transposed states (episodes in the second axis) in its error', () => {
  const n = 200;
  const T = 4;
  const rng = createRng(3);
  const states = Float32Array.from({ length: n * T }, () => rng.normal());
  const tasks = Float32Array.from({ length: n }, () => rng.normal());
  writeFileSync(join(dir, 'transposed.npy'), formatNpy({ shape: [T, n, 1], data: states }));
  writeFileSync(join(dir, 'one-task.npy'), formatNpy({ shape: [n, 1], data: tasks }));
  const r = cli('structure', '--states', join(dir, 'transposed.npy'), '--tasks', join(dir, 'one-task.npy'), '--segment-length', '2', '--json');
  assert.notEqual(r.status, 0);
  const { error } = JSON.parse(r.stderr || r.stdout);
  assert.equal(error.code, 'SHAPE_MISMATCH');
  assert.match(error.message, /states look transposed, \[4, 200, 1\] has the 200 episodes of tasks in its second axis/);
});
