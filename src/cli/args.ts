// Command-line parsing on node:util's parseArgs, strict: each command declares its options, either
// taking a value or a flag that takes none. Unknown, repeated or empty options, a value given to a
// flag and stray words are errors that name what was typed; typed accessors check values and bounds.
import { parseArgs as parseNodeArgs } from 'node:util';
import { SpecialistError } from '../core/errors.ts';
import { closest } from './suggest.ts';

/** A command's options: 'string' takes a value (`--out x` or `--out=x`), 'boolean' is a bare flag. */
export type OptionKinds = Record<string, 'string' | 'boolean'>;

/**
 * Options that apply only with some values of a choice option: `{ knn: { test: ['cmiknn'] } }` means
 * --knn applies only with --test cmiknn (the choice's default counts when it is not given). Given
 * anywhere else an option is refused, not ignored (rejectUnknown).
 */
export type OptionConditions = Record<string, Record<string, readonly string[]>>;

/** Accepted by every command. */
export const GLOBAL_OPTIONS: OptionKinds = { help: 'boolean', json: 'boolean' };

const invalid = (message: string, details: Record<string, unknown> = {}) => new SpecialistError('INVALID_ARGUMENT', message, details);

/** Parses `argv` (the words after the command name) against `kinds`; throws INVALID_ARGUMENT naming the bad word. */
export function parseCommandLine(argv: string[], kinds: OptionKinds, conditions: OptionConditions = {}): Options {
  const options = Object.fromEntries(Object.entries(kinds).map(([name, type]) => [name, { type }]));
  const parse = () => {
    try {
      return parseNodeArgs({ args: argv, options, allowPositionals: true, strict: true, tokens: true });
    } catch (error) {
      const { code, message } = error as { code?: string; message: string };
      const option = message.match(/'(-[^' ]+)/)?.[1];
      if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') {
        const near = option?.startsWith('--') ? closest(option.slice(2).split('=')[0], Object.keys(kinds)) : undefined;
        throw invalid(`Unknown option: ${option}; ${near ? `did you mean --${near}? ` : ''}--help lists the options`, near ? { option, suggestion: `--${near}` } : { option });
      }
      // Otherwise node's message names the option and the fix ("Option '--json' does not take an argument").
      throw invalid(message, { option });
    }
  };
  const parsed = parse();
  const seen = new Map<string, number>();
  for (const token of parsed.tokens) if (token.kind === 'option') seen.set(token.name, (seen.get(token.name) ?? 0) + 1);
  for (const [name, count] of seen) if (count > 1) throw invalid(`--${name} is given ${count} times; give it once`, { option: name });
  return new Options(kinds, parsed.values as Record<string, string | boolean | undefined>, parsed.positionals, conditions);
}

/** A decimal literal (`12`, `-0.5`, `2e3`, `.5E-2`); hex, `1_000`, `Infinity` and spaces are not. */
const DECIMAL = /^[+-]?(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/;

/**
 * The number `raw` spells, or undefined when it is no decimal literal or when reading it as a double
 * would change it beyond rounding: a nonzero literal that underflows to 0 (`1e-400`), or with
 * `integer`, a literal that is not exactly an integer though its double is (`1.0000000000000001`).
 */
export function parseNumber(raw: string, integer = false): number | undefined {
  const match = DECIMAL.exec(raw);
  if (!match || (match[1] === '' && (match[2] ?? '') === '')) return undefined;
  const value = Number(raw);
  const digits = match[1] + (match[2] ?? '');
  const nonzero = /[1-9]/.test(digits);
  if (nonzero && value === 0) return undefined;
  // Exactly an integer: the digits that fall after the point once the exponent is applied are zeros.
  const fractional = (match[2] ?? '').length - Number(match[3] ?? 0);
  if (integer && nonzero && fractional > 0 && (fractional >= digits.length || !/^0+$/.test(digits.slice(-fractional)))) return undefined;
  return value;
}

export interface NumberBounds {
  integer?: boolean;
  min?: number;
  max?: number;
}

/** Typed accessors over parsed options; each error names the flag. */
export class Options {
  private wordsUsed = 0;
  private readonly used = new Set<string>(Object.keys(GLOBAL_OPTIONS));
  /** The value of each choice option read (given or its default), for the conditions. */
  private readonly chosen = new Map<string, string>();

  constructor(
    private readonly kinds: OptionKinds,
    private readonly values: Record<string, string | boolean | undefined>,
    private readonly words: string[],
    private readonly conditions: OptionConditions = {},
  ) {}

  /** The i-th word after the command name (a subcommand), if any. */
  word(index: number): string | undefined {
    this.wordsUsed = Math.max(this.wordsUsed, index + 1);
    return this.words[index];
  }

  flag(name: string): boolean {
    this.declared(name, 'boolean');
    return this.values[name] === true;
  }

  string(name: string, fallback?: string): string | undefined {
    this.declared(name, 'string');
    const v = this.values[name] as string | undefined;
    if (v !== undefined && v.trim() === '') throw invalid(`--${name} needs a value, got an empty one`, { option: name });
    return v ?? fallback;
  }

  requireString(name: string): string {
    const v = this.string(name);
    if (v === undefined) throw invalid(`--${name} is required`, { option: name });
    return v;
  }

  number(name: string, fallback: number, { integer = false, min = -Infinity, max = Infinity }: NumberBounds = {}): number {
    const raw = this.string(name);
    if (raw === undefined) return fallback;
    const v = parseNumber(raw, integer);
    if (v === undefined || !Number.isFinite(v) || (integer && !Number.isInteger(v)) || v < min || v > max) {
      throw invalid(`--${name} must be ${integer ? 'an integer' : 'a number'} in [${min}, ${max}], got ${raw}`, { option: name, value: raw });
    }
    return v;
  }

  /** The number given, or undefined when the option is absent (the library default applies). */
  optionalNumber(name: string, bounds: NumberBounds = {}): number | undefined {
    return this.string(name) === undefined ? undefined : this.number(name, Number.NaN, bounds);
  }

  requireNumber(name: string, bounds: NumberBounds = {}): number {
    this.requireString(name);
    return this.number(name, Number.NaN, bounds);
  }

  choice<T extends string>(name: string, choices: readonly T[], fallback: T): T {
    const v = this.string(name, fallback)!;
    if (!choices.includes(v as T)) throw invalid(`--${name} must be one of ${choices.join(', ')}, got ${v}`, { option: name, value: v });
    this.chosen.set(name, v);
    return v as T;
  }

  /**
   * Throws for options given where they do not apply: against the command's conditions (--knn with
   * --test rcot), and options it declares but did not read this time (synth's options of another
   * world); and for words the command did not use (`fit extra`, or a value given to a flag).
   */
  rejectUnknown(): void {
    for (const [name, needs] of Object.entries(this.conditions)) {
      if (this.values[name] === undefined) continue;
      for (const [decider, allowed] of Object.entries(needs)) {
        const value = this.chosen.get(decider);
        if (value === undefined) throw new SpecialistError('INTERNAL', `--${name} depends on --${decider}, which the command did not read as a choice`);
        if (!allowed.includes(value)) {
          const how = this.values[decider] === undefined ? ` (the default)` : '';
          throw invalid(`--${name} does not apply with --${decider} ${value}${how}: it is an option of --${decider} ${allowed.join(' or ')}`, { option: name, [decider]: value });
        }
      }
    }
    const unread = Object.keys(this.values).filter((name) => this.values[name] !== undefined && !this.used.has(name));
    if (unread.length > 0) throw invalid(`${unread.map((n) => `--${n}`).join(', ')} does not apply here`, { options: unread });
    const extra = this.words.slice(this.wordsUsed);
    if (extra.length > 0) throw invalid(`Unexpected argument${extra.length > 1 ? 's' : ''}: ${extra.map((w) => JSON.stringify(w)).join(' ')}`, { arguments: extra });
  }

  private declared(name: string, type: 'string' | 'boolean'): void {
    this.used.add(name);
    if (this.kinds[name] !== type) throw new SpecialistError('INTERNAL', `The command reads --${name} as ${type} but declares it as ${this.kinds[name] ?? 'nothing'}`);
  }
}

/** Bounds shared by several commands. */
export const SEED: NumberBounds = { integer: true, min: -(2 ** 52), max: 2 ** 52 };

/**
 * A library message in the command line's words: API option names of the command's multi-word flags
 * (`dropTail: true`, `allowEncoderMismatch`) become the flags (`--drop-tail`, `--allow-encoder-mismatch`).
 */
export function inFlagTerms(message: string, kinds: OptionKinds): string {
  let out = message;
  for (const flag of Object.keys(kinds)) {
    if (!flag.includes('-')) continue; // one-word names read the same in both
    const api = flag.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());
    out = out.replace(new RegExp(`\\b${api}(: true)?\\b`, 'g'), `--${flag}`);
  }
  return out;
}
