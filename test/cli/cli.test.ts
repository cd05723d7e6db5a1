// The CLI as a user meets it: the built binary, its help, its errors and exit codes.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { it } from 'node:test';
import { VERSION } from '../../src/core/version.ts';

const cli = (...args: string[]) => spawnSync(process.execPath, ['dist/cli.js', ...args], { encoding: 'utf8', timeout: 60000 });

it('the SDK version equals package.json', () => {
  assert.equal(VERSION, JSON.parse(readFileSync('package.json', 'utf8')).version);
  assert.equal(cli('--version').stdout.trim(), VERSION);
});

it('--help lists the commands', () => {
  const r = cli('--help');
  assert.equal(r.status, 0);
  for (const name of ['demo', 'structure', 'citest', 'fit', 'transform', 'synth', 'kernels']) assert.match(r.stdout, new RegExp(`^  ${name} `, 'm'));
});

it('no command prints help and fails; an unknown command or option fails with code 2 and says why', () => {
  assert.equal(cli().status, 1);
  const unknown = cli('frobnicate');
  assert.equal(unknown.status, 2);
  assert.match(unknown.stderr, /error \[INVALID_ARGUMENT\]: unknown command "frobnicate"/);
  const badOption = cli('kernels', '--colour');
  assert.equal(badOption.status, 2);
  assert.match(badOption.stderr, /Unknown option: --colour/);
});

it('kernels --json reports the builds this host runs', () => {
  const r = cli('kernels', '--json');
  assert.equal(r.status, 0);
  const report = JSON.parse(r.stdout);
  assert.equal(report.builds.simd, true);
  assert.equal(report.builds.scalar, true);
  // Plain Node 20 validates relaxed SIMD only behind a flag; the best validated build is selected.
  assert.equal(report.selected, report.builds['relaxed-simd'] ? 'relaxed-simd' : 'simd');
  assert.equal(report.kernels.length >= 6, true);
});

it('demo runs the whole pipeline and writes the report and the heads (with a dense baseline, both heads compared)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'demo-'));
  const r = cli('demo', '--episodes', '300', '--steps', '8', '--epochs', '4', '--dense-baseline', '--out-dir', dir, '--json');
  assert.equal(r.status, 0, r.stderr);
  const summary = JSON.parse(r.stdout);
  assert.equal(summary.episodes, 300);
  assert.equal(summary.structure.relation.length, 4);
  assert.ok(summary.structure.accuracy >= 0 && summary.structure.accuracy <= 1);
  // The verdict against the world's truth: relation, block sizes, R^2 (issue 20).
  assert.equal(summary.verdict.relationMatches, summary.verdict.wrongCells.length === 0);
  assert.match(summary.verdict.lines.join('\n'), /relation (matches|differs).*\n.*block sizes (match|differ).*\n.*block R² to the true coordinates/);
  for (const key of ['encode', 'structure', 'specialists', 'total']) assert.ok(summary.timingsMs[key] >= 0, key);
  for (const file of Object.values(summary.files) as string[]) assert.ok(existsSync(file), file);
  const html = readFileSync(summary.files.report, 'utf8');
  assert.match(html, /<svg/);
  assert.match(html, /Segments serving each task/);
  assert.match(html, /Specialist head or dense head/);
  assert.equal(summary.comparison.length, summary.heads.length);
  for (const c of summary.comparison) {
    assert.equal(c.dense.inputWidth, 9);
    assert.equal(c.specialist.sets[0].name, 'held-out episodes');
    assert.ok(c.specialist.sets[0].rows > 0 && 'irrelevant' in c.specialist.sets[0].leakage);
  }
});

it('a bad value is a typed error, in JSON when --json is given', () => {
  const r = cli('demo', '--n', 'many', '--json');
  assert.equal(r.status, 2);
  assert.equal(JSON.parse(r.stdout).error.code, 'INVALID_ARGUMENT');
});
