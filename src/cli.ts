// The `specialist-sdk` command line. Each command lives in src/cli/; errors print their code and exit 2.
import { toSpecialistError } from './core/errors.ts';
import { Options, parseArgs } from './cli/args.ts';
import type { CliIO, Command } from './cli/commands.ts';
import { demoCommand } from './cli/demo-command.ts';
import { kernelsCommand } from './cli/kernels-command.ts';
import { citestCommand } from './cli/citest-command.ts';
import { encodeCommand, exportOnnxCommand, runCommand } from './cli/deploy-commands.ts';
import { fitCommand } from './cli/fit-command.ts';
import { structureCommand } from './cli/structure-command.ts';
import { synthCommand } from './cli/synth-command.ts';
import { transformCommand } from './cli/transform-command.ts';
import { VERSION } from './core/version.ts';

const commands: Command[] = [demoCommand, structureCommand, citestCommand, fitCommand, transformCommand, encodeCommand, exportOnnxCommand, runCommand, synthCommand, kernelsCommand];

function help(io: CliIO): void {
  io.out(`specialist-sdk ${VERSION}: generalist to specialist representations, on device\n`);
  io.out('Usage: specialist-sdk <command> [options]\n\nCommands:');
  for (const c of commands) io.out(`  ${c.name.padEnd(12)} ${c.summary}`);
  io.out('\nEvery command takes --help. Errors print "error [CODE]: message" and exit with status 2.');
}

export async function main(argv: string[], io: CliIO): Promise<number> {
  const parsed = parseArgs(argv);
  const [name] = parsed.positional;
  if (parsed.options.has('version')) {
    io.out(VERSION);
    return 0;
  }
  if (!name || name === 'help') {
    help(io);
    return name || parsed.options.has('help') ? 0 : 1;
  }
  const command = commands.find((c) => c.name === name);
  if (!command) {
    io.err(`error [INVALID_ARGUMENT]: unknown command "${name}"; run specialist-sdk --help`);
    return 2;
  }
  if (parsed.options.has('help')) {
    io.out(`${command.summary}\n\nUsage: ${command.usage}`);
    return 0;
  }
  try {
    return await command.run(new Options({ positional: parsed.positional.slice(1), options: parsed.options }), io);
  } catch (thrown) {
    const error = toSpecialistError(thrown);
    if (parsed.options.has('json')) io.out(JSON.stringify({ error: error.toJSON() }));
    else io.err(`error [${error.code}]: ${error.message}`);
    return 2;
  }
}

const io: CliIO = { out: (line) => console.log(line), err: (line) => console.error(line) };
process.exitCode = await main(process.argv.slice(2), io);
