// The command line's parsing, progress and output checks: unit tests of src/cli/args.ts,
// progress.ts and paths.ts, then the same rules through the built binary.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { inFlagTerms, parseCommandLine, type OptionKinds } from '../../src/cli/args.ts';
import { refuseCollidingPaths } from '../../src/cli/paths.ts';
import { ProgressBar } from '../../src/cli/progress.ts';
import { isSpecialistError } from '../../src/core/errors.ts';

const KINDS: OptionKinds = { help: 'boolean', json: 'boolean', 'drop-tail': 'boolean', out: 'string', lambda: 'string', seed: 'string' };
const parse = (...argv: string[]) => parseCommandLine(argv, KINDS);

function throwsNaming(fn: () => unknown, pattern: RegExp): void {
  assert.throws(fn, (error) => isSpecialistError(error, 'INVALID_ARGUMENT') && pattern.test(error.message));
}

describe('parseCommandLine', () => {
  it('boolean flags take no value: the next word stays a word, --flag=value is refused', () => {
    const options = parse('--json', 'structure', '--drop-tail');
    assert.equal(options.flag('json'), true);
    assert.equal(options.flag('drop-tail'), true);
    assert.equal(options.word(0), 'structure');
    options.rejectUnknown();
    throwsNaming(() => parse('--json=yes'), /'--json' does not take an argument/);
  });

  it('a word the command does not use is an error, so `--json yes` cannot pass as JSON on', () => {
    const options = parse('--json', 'yes');
    assert.equal(options.flag('json'), true);
    throwsNaming(() => options.rejectUnknown(), /Unexpected argument: "yes"/);
    const extra = parse('--out', 'a.npy', 'b.npy');
    extra.string('out');
    throwsNaming(() => extra.rejectUnknown(), /Unexpected argument: "b.npy"/);
  });

  it('empty, missing, repeated and unknown options are errors that name the flag', () => {
    throwsNaming(() => parse('--lambda', '').number('lambda', 1), /--lambda needs a value/);
    throwsNaming(() => parse('--out', '  ').string('out'), /--out needs a value/);
    throwsNaming(() => parse('--out'), /'--out <value>' argument missing/);
    throwsNaming(() => parse('--seed', '1', '--seed', '2'), /--seed is given 2 times/);
    throwsNaming(() => parse('--json', '--json'), /--json is given 2 times/);
    throwsNaming(() => parse('--colour'), /Unknown option: --colour/);
    throwsNaming(() => parse('-x'), /Unknown option: -x/);
  });

  it('numbers are checked against their bounds and kind', () => {
    const options = parse('--seed', '1e9', '--lambda', '0.5');
    assert.equal(options.number('lambda', 0, { min: 0 }), 0.5);
    throwsNaming(() => options.number('seed', 0, { integer: true, min: 0, max: 1000 }), /--seed must be an integer in \[0, 1000\], got 1e9/);
    throwsNaming(() => parse('--seed', '1.5').number('seed', 0, { integer: true }), /--seed must be an integer/);
    throwsNaming(() => parse('--lambda', 'Infinity').number('lambda', 0), /--lambda must be a number/);
    assert.equal(parse().optionalNumber('seed'), undefined);
  });

  it('options given but not read by the command this time are refused', () => {
    const options = parse('--out', 'x', '--seed', '3');
    options.string('out');
    throwsNaming(() => options.rejectUnknown(), /--seed does not apply here/);
  });

  it('library messages speak in flags: dropTail: true -> --drop-tail, allowEncoderMismatch -> --allow-encoder-mismatch', () => {
    const kinds: OptionKinds = { 'drop-tail': 'boolean', 'allow-encoder-mismatch': 'boolean', test: 'string' };
    assert.equal(inFlagTerms('not a multiple of 2; pass dropTail: true to ignore it', kinds), 'not a multiple of 2; pass --drop-tail to ignore it');
    assert.equal(inFlagTerms('(pass allowEncoderMismatch to load anyway)', kinds), '(pass --allow-encoder-mismatch to load anyway)');
    assert.equal(inFlagTerms('the test failed', kinds), 'the test failed');
  });
});

describe('ProgressBar', () => {
  const record = (isTTY: boolean) => {
    const writes: string[] = [];
    let now = 0;
    const bar = new ProgressBar({ isTTY, write: (s: string) => writes.push(s) }, { now: () => now });
    return { writes, bar, advance: (ms: number) => (now += ms) };
  };

  it('not a terminal: one line per stage change, at most one per 2 s within a stage, and 100% at the end', () => {
    const { writes, bar, advance } = record(false);
    bar.update('encode', 0, 100);
    for (let i = 1; i < 100; i++) {
      advance(100);
      bar.update('encode', i, 100);
    }
    bar.update('fit', 3, 10); // the previous stage ends complete, the new one starts
    bar.done(); // the fit converged early: shown complete
    assert.deepEqual(writes, ['encode: 0%\n', 'encode: 20%\n', 'encode: 40%\n', 'encode: 60%\n', 'encode: 80%\n', 'encode: 100%\n', 'fit: 30%\n', 'fit: 100%\n']);
  });

  it('a terminal: the bar is redrawn in place and ends at 100% on its own line', () => {
    const { writes, bar, advance } = record(true);
    bar.update('CI tests', 1, 4);
    advance(10);
    bar.update('CI tests', 2, 4); // within 80 ms: skipped
    advance(100);
    bar.update('CI tests', 3, 4);
    bar.done();
    assert.equal(writes.length, 4);
    assert.ok(writes.slice(0, 3).every((w) => w.startsWith('\rCI tests')));
    assert.match(writes[2], /100%$/);
    assert.equal(writes[3], '\n');
  });

  it('no stream (--json): nothing is written', () => {
    const bar = new ProgressBar(undefined);
    bar.update('x', 1, 2);
    bar.done();
  });
});

describe('refuseCollidingPaths', () => {
  const dir = mkdtempSync(join(tmpdir(), 'cli-paths-'));
  const input = join(dir, 'z.npy');
  writeFileSync(input, 'x');

  it('an output equal to an input or to another output is refused, however it is spelled or linked', () => {
    throwsNaming(() => refuseCollidingPaths({ out: join(dir, '.', 'z.npy') }, { latents: input }), /--out .* is the same file as the input --latents/);
    const link = join(dir, 'link.npy');
    symlinkSync(input, link);
    throwsNaming(() => refuseCollidingPaths({ out: link }, { latents: input }), /the input --latents/);
    throwsNaming(() => refuseCollidingPaths({ out: join(dir, 'y.npy'), 'block-out': join(dir, 'y.npy') }, {}), /--block-out .* is the same file as the output --out/);
    refuseCollidingPaths({ out: join(dir, 'y.npy'), 'block-out': join(dir, 'b.npy') }, { latents: input, membership: undefined });
  });
});

describe('through the built binary', () => {
  const cli = (...args: string[]) => spawnSync(process.execPath, ['dist/cli.js', ...args], { encoding: 'utf8', timeout: 120_000 });
  const dir = mkdtempSync(join(tmpdir(), 'cli-args-'));
  const error = (r: ReturnType<typeof cli>) => (r.stdout.trim() ? JSON.parse(r.stdout).error : { code: r.stderr.match(/\[(\w+)\]/)?.[1], message: r.stderr });

  it('synth --json structure: --json takes no value, the world is the next word', () => {
    const r = cli('synth', '--json', 'structure', '--out-dir', dir, '--episodes', '300', '--steps', '6', '--tasks', '2');
    assert.equal(r.status, 0, r.stderr);
    assert.equal(JSON.parse(r.stdout).world, 'structure/linear');
  });

  it('--json yes, --lambda \'\', repeated flags, stray words and values out of bounds exit 2 naming the flag', () => {
    const cases: [string[], RegExp][] = [
      [['kernels', '--json', 'yes'], /Unexpected argument: "yes"/],
      [['fit', '--latents', 'z.npy', '--targets', 'y.npy', '--out', 'm', '--lambda', ''], /--lambda needs a value/],
      [['kernels', '--json', '--json'], /--json is given 2 times/],
      [['synth', 'structure', 'extra', '--out-dir', dir], /Unexpected argument: "extra"/],
      [['synth', 'specialist', '--out-dir', dir, '--episodes', '5'], /--episodes does not apply here/],
      [['structure', '--states', 's.npy', '--tasks', 't.npy', '--segment-length', '2', '--permutations', '1e9'], /--permutations must be an integer in \[1, 100000\]/],
      [['structure', '--states', 's.npy', '--tasks', 't.npy', '--segment-length', '2', '--seed', '-1'], /--seed/],
      [['transform', '--model', 'm.specialist', '--latents', 'z.npy', '--out', 'z.npy'], /--out z.npy is the same file as the input --latents/],
      [['run', '--encoder', 'e.onnx', '--head', 'h', '--input', 'x.npy', '--out', 'y.npy', '--block-out', './y.npy'], /--block-out .* the output --out/],
    ];
    for (const [args, pattern] of cases) {
      const r = cli(...args);
      assert.equal(r.status, 2, args.join(' '));
      assert.equal(error(r).code, 'INVALID_ARGUMENT', args.join(' '));
      assert.match(error(r).message, pattern, args.join(' '));
    }
  });

  it('errors from the library name the CLI flag; piped progress comes as lines that reach 100%', () => {
    // 6 steps in segments of 4 leave a tail of 2.
    const tail = cli('structure', '--states', join(dir, 'states.npy'), '--tasks', join(dir, 'tasks.npy'), '--segment-length', '4', '--json');
    assert.equal(tail.status, 2);
    const { message } = error(tail);
    assert.match(message, /pass --drop-tail to ignore/);
    assert.doesNotMatch(message, /dropTail/);
    const r = cli('structure', '--states', join(dir, 'states.npy'), '--tasks', join(dir, 'tasks.npy'), '--segment-length', '4', '--drop-tail');
    assert.equal(r.status, 0, r.stderr);
    const lines = r.stderr.trim().split('\n');
    assert.ok(lines.every((l) => /^CI tests: \d+%$/.test(l)), r.stderr);
    assert.equal(lines.at(-1), 'CI tests: 100%');
    assert.ok(readFileSync(join(dir, 'truth.json'), 'utf8').includes('structure/linear'));
  });
});
