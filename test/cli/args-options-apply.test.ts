// Options that do not apply are refused, not ignored (README): a walk over every option of every
// command, in every context of the choice options it depends on, stopped where the command has
// checked its options (Options.rejectUnknown), so no command does its work here. And numbers mean
// what was typed: `--seed 1e-400` is not silently 0.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { GLOBAL_OPTIONS, Options, parseCommandLine, parseNumber } from '../../src/cli/args.ts';
import { CI_TEST_OPTIONS } from '../../src/cli/ci-test-options.ts';
import { COMMANDS } from '../../src/cli/command-list.ts';
import type { Command } from '../../src/cli/commands.ts';
import { SpecialistError } from '../../src/core/errors.ts';

const dir = mkdtempSync(join(tmpdir(), 'options-apply-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/**
 * A value a user could give for each option a command declares. Paths need not exist: options are
 * checked before any file is read. A new option needs a value here, and is then walked like the rest
 * ('command --option' where commands use one name differently; choices take their first value).
 */
const SAMPLE: Record<string, string> = {
  states: 'states.npy', tasks: 'tasks.npy', 'segment-length': '2', alpha: '0.01', correction: 'bonferroni', seed: '3',
  knn: '5', permutations: '50', 'shuffle-neighbors': '5', x: 'x.npy', y: 'y.npy', z: 'z.npy',
  latents: 'latents.npy', targets: 'targets.npy', membership: 'membership.npy', lambda: '0.5', 'latent-dims': '2', epochs: '2', 'input-rank': '8', workers: '0',
  out: 'out.npy', model: 'model.file', task: '0', input: 'input.npy', output: 'latent', 'batch-size': '8',
  encoder: 'encoder.onnx', head: 'model.specialist', 'block-out': 'block.npy', 'class-out': 'class.npy',
  episodes: '100', steps: '4', dim: '1', 'task-dim': '1', 'break-probability': '0.1', n: '100', 'latent-width': '16',
  structure: 'structure.json', 'step-targets': 'step-targets.npy', observations: 'observations.npy', truth: 'truth.json',
  'out-dir': join(dir, 'out'), 'synth --tasks': '2', method: 'direct', test: 'auto', rule: 'clique', conditioning: 'neighbours', reduction: 'auto', penalty: 'group', architecture: 'auto', device: 'auto', kind: 'linear',
};

const sample = (command: Command, option: string) => SAMPLE[`${command.name} --${option}`] ?? SAMPLE[option];

/** Stops a command where it has checked its options: nothing after that runs. */
class Checked extends Error {}

async function outcome(command: Command, argv: string[]): Promise<{ checked: true } | { checked: false; code: string; message: string }> {
  const options: Options = parseCommandLine(argv, { ...GLOBAL_OPTIONS, ...command.options }, command.conditions);
  const check = options.rejectUnknown.bind(options);
  options.rejectUnknown = () => {
    check();
    throw new Checked();
  };
  try {
    await command.run(options, { out() {}, err() {} });
  } catch (error) {
    if (error instanceof Checked) return { checked: true };
    if (error instanceof SpecialistError) return { checked: false, code: error.code, message: error.message };
    throw error;
  }
  throw new Error(`${command.name} ${argv.join(' ')} never checked its options`);
}

/**
 * The words each command's variants start with: synth writes one of three worlds; fit takes rows
 * [N, d] with targets or episodes with --structure; pipeline takes latents or observations.
 */
const VARIANTS: Record<string, string[][]> = {
  synth: [['structure'], ['specialist'], ['generalist']],
  fit: [[], ['--structure', 'structure.json']],
  pipeline: [[], ['--observations', 'observations.npy']],
};
const variantsOf = (command: Command) => VARIANTS[command.name] ?? [[]];

/** The options a variant requires, found by running it with none and adding what it asks for. */
async function requiredArgs(command: Command, words: string[]): Promise<string[]> {
  const argv = [...words];
  for (let guard = 0; guard < 10; guard++) {
    const result = await outcome(command, argv);
    const missing = result.checked ? undefined : /^--([a-z-]+) is required/.exec(result.message)?.[1];
    if (!missing) return argv;
    argv.push(`--${missing}`, sample(command, missing));
  }
  throw new Error(`${command.name}: too many required options`);
}

/** The values a choice option takes, read from its refusal of '?' (undefined: not a choice). */
async function choicesOf(command: Command, base: string[], option: string): Promise<string[] | undefined> {
  const result = await outcome(command, [...base, `--${option}`, '?']);
  const listed = result.checked ? undefined : new RegExp(`^--${option} must be one of (.*), got \\?$`).exec(result.message)?.[1];
  return listed?.split(', ');
}

describe('every option of every command applies where it is accepted', () => {
  it('each declared option has a sample value (so the walk below reaches it)', () => {
    const missing = COMMANDS.flatMap((c) => Object.entries(c.options).filter(([name, kind]) => kind === 'string' && sample(c, name) === undefined).map(([name]) => `${c.name} --${name}`));
    assert.deepEqual(missing, []);
  });

  for (const command of COMMANDS) {
    it(`${command.name}: each option is accepted where its conditions hold and refused everywhere else`, async () => {
      const problems: string[] = [];
      const acceptedSomewhere = new Set<string>();
      const conditions = command.conditions ?? {};
      for (const words of variantsOf(command)) {
        const base = await requiredArgs(command, words);
        const given = (option: string) => base.includes(`--${option}`);
        for (const [option, kind] of Object.entries(command.options)) {
          if (given(option)) {
            acceptedSomewhere.add(option);
            continue;
          }
          const value = kind === 'boolean' ? [] : [(await choicesOf(command, base, option))?.[0] ?? sample(command, option)];
          const needs = Object.entries(conditions[option] ?? {});
          // Where it applies: each choice it depends on at a value that reads it.
          const context = needs.flatMap(([decider, allowed]) => (given(decider) ? [] : [`--${decider}`, allowed[0]]));
          const applies = await outcome(command, [...base, ...context, `--${option}`, ...value]);
          if (applies.checked) acceptedSomewhere.add(option);
          else if (!/does not apply here/.test(applies.message)) problems.push(`${words.join(' ')} --${option} ${value.join(' ')} ${context.join(' ')}: refused where it should apply: ${applies.message}`);
          // Everywhere else: every other value of each choice it depends on.
          for (const [decider, allowed] of needs) {
            const choices = (await choicesOf(command, base, decider)) ?? [];
            assert.ok(choices.length > 0, `${command.name} --${decider} is a choice`);
            for (const other of choices.filter((c) => !allowed.includes(c))) {
              const otherContext = needs.flatMap(([d, a]) => (d === decider ? [`--${d}`, other] : [`--${d}`, a[0]]));
              const refused = await outcome(command, [...base, ...otherContext, `--${option}`, ...value]);
              if (refused.checked || refused.code !== 'INVALID_ARGUMENT' || !refused.message.includes(`--${option} does not apply with --${decider} ${other}`)) {
                problems.push(`--${option} with --${decider} ${other}: ${refused.checked ? 'accepted' : refused.message}`);
              }
            }
          }
        }
      }
      const never = Object.keys(command.options).filter((o) => !acceptedSomewhere.has(o));
      assert.deepEqual(problems, []);
      assert.deepEqual(never, [], 'options accepted nowhere');
    });
  }
});

describe('the options the issue found ignored, through the commands', () => {
  const structure = COMMANDS.find((c) => c.name === 'structure')!;
  const citest = COMMANDS.find((c) => c.name === 'citest')!;
  const fit = COMMANDS.find((c) => c.name === 'fit')!;
  const base = ['--states', 's.npy', '--tasks', 't.npy', '--segment-length', '2'];
  const refusedWith = async (command: Command, argv: string[], pattern: RegExp) => {
    const result = await outcome(command, argv);
    assert.ok(!result.checked && result.code === 'INVALID_ARGUMENT' && pattern.test(result.message), `${argv.join(' ')}: ${JSON.stringify(result)}`);
  };

  it('kNN options with rcot, fisherz and auto (the default); --conditioning with pairwise; --rule with direct; --seed with fisherz', async () => {
    for (const test of ['rcot', 'gcm', 'fisherz', 'auto']) {
      for (const [option, value] of [['knn', '7'], ['permutations', '99'], ['shuffle-neighbors', '3']]) {
        await refusedWith(structure, [...base, ...(test === 'auto' ? [] : ['--test', test]), `--${option}`, value], new RegExp(`--${option} does not apply with --test ${test}${test === 'auto' ? ' \\(the default\\)' : ''}: it is an option of --test cmiknn`));
        if (test !== 'auto') await refusedWith(citest, ['--x', 'x.npy', '--y', 'y.npy', '--test', test, `--${option}`, value], new RegExp(`--${option} does not apply with --test ${test}`));
      }
    }
    await refusedWith(structure, [...base, '--method', 'pairwise', '--conditioning', 'all-states'], /--conditioning does not apply with --method pairwise/);
    await refusedWith(structure, [...base, '--rule', 'union'], /--rule does not apply with --method direct \(the default\)/);
    await refusedWith(structure, [...base, '--test', 'fisherz', '--seed', '4'], /--seed does not apply with --test fisherz/);
    await refusedWith(fit, ['--latents', 'z.npy', '--targets', 'y.npy', '--out', 'm.specialist', '--penalty', 'none', '--lambda', '2'], /--lambda does not apply with --penalty none/);
    // Where they apply, they pass.
    assert.ok((await outcome(structure, [...base, '--test', 'cmiknn', '--knn', '7', '--permutations', '99', '--shuffle-neighbors', '3', '--seed', '4'])).checked);
    assert.ok((await outcome(structure, [...base, '--method', 'pairwise', '--rule', 'union', '--seed', '1'])).checked);
  });

  it('every --test a command offers has its row of options in CI_TEST_OPTIONS (a new test decides which options it reads)', async () => {
    for (const command of [structure, citest]) {
      const base = await requiredArgs(command, []);
      const tests = await choicesOf(command, base, 'test');
      assert.ok(tests && tests.length >= 3, `${command.name} --test choices`);
      for (const test of tests) assert.ok(Object.hasOwn(CI_TEST_OPTIONS, test), `${command.name} --test ${test} has no row in src/cli/ci-test-options.ts`);
    }
  });

  it('numbers mean what was typed: 1e-400 is not 0, 1.0000000000000001 is not the integer 1', async () => {
    await refusedWith(structure, [...base, '--seed', '1e-400'], /--seed must be an integer .* got 1e-400/);
    await refusedWith(structure, [...base, '--seed', '1.0000000000000001'], /--seed must be an integer/);
    await refusedWith(fit, ['--latents', 'z.npy', '--targets', 'y.npy', '--out', 'm.specialist', '--lambda', '1e-400'], /--lambda must be auto or a non-negative number, got 1e-400/);
    const synth = COMMANDS.find((c) => c.name === 'synth')!;
    await refusedWith(synth, ['structure', '--out-dir', join(dir, 's'), '--break-probability', '1e-400'], /--break-probability must be a number/);
    assert.ok((await outcome(structure, [...base, '--seed', '0e-400'])).checked, '0e-400 is 0');
  });
});

it('parseNumber: decimal literals only, exact where an integer is asked for', () => {
  const cases: [string, boolean, number | undefined][] = [
    ['12', true, 12], ['-3', true, -3], ['+4', true, 4], ['1e3', true, 1000], ['2.5e1', true, 25], ['1.50e1', true, 15], ['100e-2', true, 1], ['0e-400', true, 0], ['-0', true, -0],
    ['1.0', true, 1], ['0.5', false, 0.5], ['.5', false, 0.5], ['5.', false, 5], ['1E-2', false, 0.01], ['1e-300', false, 1e-300],
    ['1e-400', false, undefined], ['1e-400', true, undefined], ['0.00001e-320', false, undefined], ['1.0000000000000001', true, undefined], ['10e-2', true, undefined], ['0.5', true, undefined],
    ['0x10', true, undefined], ['1_000', true, undefined], [' 5', true, undefined], ['5 ', true, undefined], ['Infinity', false, undefined], ['', false, undefined], ['.', false, undefined], ['e5', false, undefined], ['-', false, undefined], ['1e', false, undefined],
  ];
  for (const [raw, integer, want] of cases) assert.equal(parseNumber(raw, integer), want, `${JSON.stringify(raw)} (integer ${integer})`);
  assert.equal(parseNumber('1e999'), Infinity, 'overflow stays Infinity: the bounds refuse it');
});
