import type { OptionKinds, Options } from './args.ts';

export interface CliIO {
  out(line: string): void;
  err(line: string): void;
}

/** One CLI command. `run` returns the process exit code. */
export interface Command {
  name: string;
  summary: string;
  usage: string;
  /** Every option the command reads besides --help and --json; anything else is refused. */
  options: OptionKinds;
  run(options: Options, io: CliIO): Promise<number>;
}
