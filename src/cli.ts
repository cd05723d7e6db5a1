// The `specialist-sdk` command line. Each command lives in src/cli/; errors print their code and exit 2.
import { SpecialistError, toSpecialistError } from './core/errors.ts';
import { GLOBAL_OPTIONS, inFlagTerms, parseCommandLine } from './cli/args.ts';
import type { CliIO } from './cli/commands.ts';
import { COMMANDS as commands } from './cli/command-list.ts';
import { closest } from './cli/suggest.ts';
import { VERSION } from './core/version.ts';
import { useNodeServices } from './node/services.ts';

function help(io: CliIO): void {
  io.out(`specialist-sdk ${VERSION}: generalist to specialist representations, on device\n`);
  io.out('Usage: specialist-sdk <command> [options]\n\nCommands:');
  for (const c of commands) io.out(`  ${c.name.padEnd(12)} ${c.summary}`);
  io.out('\nEvery command takes --help. Errors print "error [CODE]: message" and exit with status 2.');
}

export async function main(argv: string[], io: CliIO): Promise<number> {
  const [name, ...rest] = argv;
  if (name === '--version') {
    io.out(VERSION);
    return 0;
  }
  if (name === undefined || name === 'help' || name === '--help') {
    help(io);
    return name ? 0 : 1;
  }
  const command = commands.find((c) => c.name === name);
  try {
    if (!command) {
      const near = closest(name, commands.map((c) => c.name));
      throw new SpecialistError('INVALID_ARGUMENT', `unknown command "${name}"; ${near ? `did you mean ${near}? ` : ''}run specialist-sdk --help`, { command: name });
    }
    const options = parseCommandLine(rest, { ...GLOBAL_OPTIONS, ...command.options }, command.conditions);
    if (options.flag('help')) {
      io.out(`${command.summary}\n\nUsage: ${command.usage}`);
      return 0;
    }
    return await command.run(options, io);
  } catch (thrown) {
    const error = toSpecialistError(thrown);
    if (command) error.message = inFlagTerms(error.message, command.options);
    // For scripts: the code, message and details; no stack (it names install paths and says nothing to do).
    if (rest.includes('--json')) io.out(JSON.stringify({ error: { code: error.code, message: error.message, details: error.details } }));
    else io.err(`error [${error.code}]: ${error.message}`);
    return 2;
  }
}

useNodeServices();
const io: CliIO = { out: (line) => console.log(line), err: (line) => console.error(line) };
process.exitCode = await main(process.argv.slice(2), io);
