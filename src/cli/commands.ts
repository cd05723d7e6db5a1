import type { OptionConditions, OptionKinds, Options } from './args.ts';

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
  /** Options that apply only with some values of a choice option (see OptionConditions); given elsewhere, refused. */
  conditions?: OptionConditions;
  run(options: Options, io: CliIO): Promise<number>;
}
