// examples/node as its README runs it: the CLI writes a synthetic world as .npy files, main.mjs
// (run as a process, importing 'specialist-sdk' by name) runs the pipeline and saves the heads.
// Checked against the world's truth and the saved file; bad input ends in a typed message.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Specialists } from '../../src/specialist/model.ts';
import { stageExample, type StagedExample } from './stage.ts';

describe('examples/node', () => {
  let example: StagedExample;
  const node = (...args: string[]) => spawnSync(process.execPath, args, { cwd: example.dir, encoding: 'utf8', timeout: 120_000 });

  before(() => {
    example = stageExample('node');
    // `npm run world`: the package's bin is dist/cli.js.
    const world = node('node_modules/specialist-sdk/dist/cli.js', 'synth', 'generalist', '--out-dir', 'world', '--episodes', '600', '--steps', '8', '--seed', '1');
    assert.equal(world.status, 0, world.stderr);
  });
  after(() => example?.remove());

  it('reads the .npy files, finds the true relation, saves heads fitted on that encoder', () => {
    // `npm start` with fewer epochs: Layer 1 does not depend on them, and the supports are read from the file.
    const run = node('main.mjs', 'world', '--out', 'heads.specialist', '--epochs', '10');
    assert.equal(run.status, 0, run.stderr);
    // Piped stderr: one line per stage.
    assert.deepEqual(run.stderr.trim().split('\n'), ['encode...', 'structure...', 'specialists...']);
    const truth = JSON.parse(readFileSync(join(example.dir, 'world', 'truth.json'), 'utf8'));
    const printed = [...run.stdout.matchAll(/^ {2}segment \d+: ([01 ]+)$/gm)].map((m) => m[1].split(' ').map(Number));
    assert.deepEqual(printed, truth.relation);
    const encoder = readFileSync(join(example.dir, 'world', 'encoder.onnx'));
    const heads = Specialists.deserialise(new Uint8Array(readFileSync(join(example.dir, 'heads.specialist'))), {
      encoderSha256: createHash('sha256').update(encoder).digest('hex'),
    });
    const supports = [...run.stdout.matchAll(/^task \d+ reads latent coordinates \[([\d, ]*)\]$/gm)].map((m) => m[1].split(', ').map(Number));
    assert.deepEqual(supports, heads.supports);
    assert.equal(heads.tasks, truth.relation[0].length);
  });

  it('bad input: a usage line (exit 2), a missing file named with its code (exit 1)', () => {
    const usage = node('main.mjs');
    assert.equal(usage.status, 2);
    assert.match(usage.stderr, /^usage: node main\.mjs WORLD_DIR/);
    rmSync(join(example.dir, 'world', 'tasks.npy'));
    const missing = node('main.mjs', 'world');
    assert.equal(missing.status, 1);
    assert.match(missing.stderr, /failed: \[INVALID_FILE\] .*tasks\.npy/);
  });
});
