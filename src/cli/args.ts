import { SpecialistError } from '../core/errors.ts';

/** Parsed `--name value` / `--flag` options and positional words. */
export interface ParsedArgs {
  positional: string[];
  options: Map<string, string | true>;
}

export function parseArgs(argv: string[]): ParsedArgs {
  const positional: string[] = [];
  const options = new Map<string, string | true>();
  for (let i = 0; i < argv.length; i++) {
    const word = argv[i];
    if (!word.startsWith('--')) {
      positional.push(word);
      continue;
    }
    const eq = word.indexOf('=');
    if (eq > 0) {
      options.set(word.slice(2, eq), word.slice(eq + 1));
    } else if (i + 1 < argv.length && !argv[i + 1].startsWith('--')) {
      options.set(word.slice(2), argv[++i]);
    } else {
      options.set(word.slice(2), true);
    }
  }
  return { positional, options };
}

/** Typed accessors that name the bad option in their errors; `used` lets commands reject unknown flags. */
export class Options {
  private readonly used = new Set<string>(['help', 'json']);
  constructor(private readonly parsed: ParsedArgs) {}

  /** Positional words after the command name (subcommands). */
  get positional(): string[] {
    return this.parsed.positional;
  }

  flag(name: string): boolean {
    this.used.add(name);
    return this.parsed.options.get(name) === true || this.parsed.options.get(name) === 'true';
  }

  string(name: string, fallback?: string): string | undefined {
    this.used.add(name);
    const v = this.parsed.options.get(name);
    if (v === true) throw new SpecialistError('INVALID_ARGUMENT', `--${name} needs a value`, { option: name });
    return v ?? fallback;
  }

  requireString(name: string): string {
    const v = this.string(name);
    if (v === undefined) throw new SpecialistError('INVALID_ARGUMENT', `--${name} is required`, { option: name });
    return v;
  }

  number(name: string, fallback: number, { integer = false, min = -Infinity, max = Infinity } = {}): number {
    const raw = this.string(name);
    if (raw === undefined) return fallback;
    const v = Number(raw);
    if (!Number.isFinite(v) || (integer && !Number.isInteger(v)) || v < min || v > max) {
      throw new SpecialistError('INVALID_ARGUMENT', `--${name} must be ${integer ? 'an integer' : 'a number'} in [${min}, ${max}], got ${raw}`, {
        option: name,
        value: raw,
      });
    }
    return v;
  }

  /** The number given, or undefined when the option is absent (the library default applies). */
  optionalNumber(name: string, bounds: { integer?: boolean; min?: number; max?: number } = {}): number | undefined {
    return this.string(name) === undefined ? undefined : this.number(name, Number.NaN, bounds);
  }

  requireNumber(name: string, bounds: { integer?: boolean; min?: number; max?: number } = {}): number {
    this.requireString(name);
    return this.number(name, Number.NaN, bounds);
  }

  choice<T extends string>(name: string, choices: readonly T[], fallback: T): T {
    const v = this.string(name, fallback)!;
    if (!choices.includes(v as T)) {
      throw new SpecialistError('INVALID_ARGUMENT', `--${name} must be one of ${choices.join(', ')}, got ${v}`, { option: name, value: v });
    }
    return v as T;
  }

  /** Throws for any option the command never asked about (a typo should not pass silently). */
  rejectUnknown(): void {
    const unknown = [...this.parsed.options.keys()].filter((k) => !this.used.has(k));
    if (unknown.length > 0) {
      throw new SpecialistError('INVALID_ARGUMENT', `Unknown option${unknown.length > 1 ? 's' : ''}: ${unknown.map((k) => `--${k}`).join(', ')}`, { unknown });
    }
  }
}
