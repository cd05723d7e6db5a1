import type { Options } from './args.ts';

export interface CliIO {
  out(line: string): void;
  err(line: string): void;
}

/** One CLI command. `run` returns the process exit code. */
export interface Command {
  name: string;
  summary: string;
  usage: string;
  run(options: Options, io: CliIO): Promise<number>;
}
