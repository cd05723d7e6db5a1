// The header of a .npy file, read as numpy reads it (numpy.lib.format._read_array_header): the text
// is a Python literal evaluated by ast.literal_eval, which must give a dict whose keys are exactly
// 'descr', 'fortran_order' and 'shape' (a key given twice keeps its last value, as in Python), a
// tuple of ints for the shape and a bool for the order. Files before format 3.0 may hold Python 2
// longs (`3L`): numpy drops the L and parses again, and so does this. Only the literals such a
// header can hold are parsed (strings, ints, True/False, tuples, lists, dicts, sets); anything else
// (floats, bytes, None, calls, operators) can only make numpy refuse the header, and is refused
// here. test/io/npy-corpus.test.ts compares the verdicts with numpy's on ~370 files.
import { SpecialistError } from '../core/errors.ts';

export interface NpyHeader {
  /** The descr as given (a str), or undefined when it is a list or tuple (a structured or subarray dtype). */
  descr: string | undefined;
  fortranOrder: boolean;
  shape: bigint[];
}

/** numpy refuses longer headers unless told to trust the file (np.load's max_header_size). */
const MAX_HEADER_CHARS = 10_000;

type Value =
  | { kind: 'str'; value: string }
  | { kind: 'int'; value: bigint }
  | { kind: 'bool'; value: boolean }
  | { kind: 'tuple' | 'list' | 'set'; items: Value[] }
  | { kind: 'dict'; entries: [Value, Value][] };

/** A header numpy cannot parse (a SyntaxError, after which numpy retries format 1 and 2 without Python 2's L suffixes). */
class PySyntaxError extends Error {}
/** A header numpy parses but refuses (what ast.literal_eval calls a malformed node, or numpy's checks). */
class Refused extends Error {}

export function parseNpyHeader(text: string, major: number, bad: (message: string, details?: Record<string, unknown>) => SpecialistError): NpyHeader {
  if (text.length > MAX_HEADER_CHARS && Array.from(text).length > MAX_HEADER_CHARS) {
    throw bad(`the header is ${Array.from(text).length} characters long; numpy reads at most ${MAX_HEADER_CHARS}`, { reason: 'header' });
  }
  let value: Value;
  try {
    value = literal(text, false);
  } catch (error) {
    if (!(error instanceof PySyntaxError) || major > 2) throw refusal(error, text, bad);
    try {
      value = literal(text, true);
    } catch (again) {
      throw refusal(again, text, bad);
    }
  }
  try {
    return checkHeader(value);
  } catch (error) {
    throw refusal(error, text, bad);
  }
}

function refusal(error: unknown, text: string, bad: (message: string, details?: Record<string, unknown>) => SpecialistError): unknown {
  if (!(error instanceof PySyntaxError || error instanceof Refused)) return error;
  return bad(`not a valid .npy header (${error.message}): ${JSON.stringify(text.trim().slice(0, 120))}`, { reason: 'header' });
}

function checkHeader(value: Value): NpyHeader {
  if (value.kind !== 'dict') throw new Refused('the header is not a dict');
  const fields = new Map<string, Value>();
  for (const [key, v] of value.entries) {
    if (key.kind !== 'str') throw new Refused('a key that is not a string');
    fields.set(key.value, v); // a key given twice keeps its last value, as in a Python dict
  }
  const keys = [...fields.keys()].sort();
  if (keys.join() !== 'descr,fortran_order,shape') throw new Refused(`the keys must be exactly descr, fortran_order and shape, got ${keys.join(', ') || 'none'}`);
  const shape = fields.get('shape')!;
  if (shape.kind !== 'tuple' || shape.items.some((d) => d.kind !== 'int')) throw new Refused('shape must be a tuple of integers');
  const fortran = fields.get('fortran_order')!;
  if (fortran.kind !== 'bool') throw new Refused('fortran_order must be True or False');
  const descr = fields.get('descr')!;
  if (descr.kind !== 'str' && descr.kind !== 'list' && descr.kind !== 'tuple') throw new Refused('descr must be a dtype string');
  return { descr: descr.kind === 'str' ? descr.value : undefined, fortranOrder: fortran.value, shape: shape.items.map((d) => (d as { value: bigint }).value) };
}

// Tokens of the Python expression grammar that such a header uses.

type Token =
  | { type: 'str'; value: string; bytes: boolean }
  | { type: 'int'; value: bigint }
  | { type: 'name'; value: string }
  | { type: 'op'; value: string }
  | { type: 'other'; what: string };

const DIGITS = '[0-9](?:_?[0-9])*';
const NUMBER = new RegExp(
  `^(?:(0[xX](?:_?[0-9a-fA-F])+|0[oO](?:_?[0-7])+|0[bB](?:_?[01])+|0+(?:_?0)*|[1-9](?:_?[0-9])*)(?![0-9_.eEjJ])` + // an int
    `|((?:${DIGITS})?\\.${DIGITS}(?:[eE][+-]?${DIGITS})?[jJ]?|${DIGITS}\\.(?:[eE][+-]?${DIGITS})?[jJ]?|${DIGITS}(?:[eE][+-]?${DIGITS}[jJ]?|[jJ])))`, // float or imaginary
);
const STRING_START = /^([rRuUbBfF]{0,2})('''|"""|'|")/;

/** The tokens of `text`; with `dropLongSuffix`, an `L` name right after a number is dropped (numpy's _filter_header). */
function tokenize(text: string, dropLongSuffix: boolean): Token[] {
  const tokens: Token[] = [];
  let depth = 0;
  let i = 0;
  let lineStart = true;
  let afterNumber = false;
  const fail = (why: string): never => {
    throw new PySyntaxError(`${why} at character ${i}`);
  };
  while (i < text.length) {
    const c = text[i];
    if (c === '\0') fail('a null byte');
    if (c === ' ' || c === '\t' || c === '\f') {
      // Outside brackets, a logical line may not start indented (the first one was stripped of spaces and tabs).
      if (lineStart && depth === 0 && c !== '\f' && tokens.length + i > 0 && !/^[ \t\f]*(#.*)?(\r\n|\r|\n|$)/.test(text.slice(i))) fail('unexpected indent');
      i++;
      continue;
    }
    if (c === '\n' || c === '\r') {
      i += c === '\r' && text[i + 1] === '\n' ? 2 : 1;
      if (depth === 0) lineStart = true;
      afterNumber = false;
      continue;
    }
    if (c === '#') {
      while (i < text.length && text[i] !== '\n' && text[i] !== '\r') i++;
      afterNumber = false;
      continue;
    }
    if (c === '\\') {
      const next = text.slice(i + 1, i + 3);
      if (next.startsWith('\r\n')) i += 3;
      else if (next.startsWith('\n') || next.startsWith('\r')) i += 2;
      else fail('a backslash outside a string');
      continue;
    }
    if (depth === 0 && lineStart && tokens.length > 0) fail('a second line at the top level');
    lineStart = false;
    const rest = text.slice(i);
    const string = STRING_START.exec(rest);
    if (string) {
      const [token, length] = readString(text, i, string[1].toLowerCase(), string[2], fail);
      tokens.push(token);
      i += length;
      afterNumber = false;
      continue;
    }
    const number = /^[0-9.]/.test(c) && /^\.?[0-9]/.test(rest) ? NUMBER.exec(rest) : null;
    if (number) {
      const after = rest[number[0].length] ?? '';
      if (/[A-Za-z0-9_]/.test(after) && !(dropLongSuffix && after === 'L')) fail(`an invalid number literal ${JSON.stringify(rest.slice(0, number[0].length + 1))}`);
      tokens.push(number[1] !== undefined ? { type: 'int', value: BigInt(number[1].replace(/_/g, '').replace(/^0+(?=\d)/, '')) } : { type: 'other', what: `the number ${number[0]}` });
      i += number[0].length;
      afterNumber = true;
      continue;
    }
    if (/[0-9]/.test(c)) fail(`an invalid number literal ${JSON.stringify(rest.slice(0, 8))}`);
    const name = /^[A-Za-z_][A-Za-z0-9_]*/.exec(rest);
    if (name) {
      i += name[0].length;
      if (dropLongSuffix && afterNumber && name[0] === 'L') continue;
      tokens.push({ type: 'name', value: name[0] });
      afterNumber = false;
      continue;
    }
    const op = /^(\*\*|\.\.\.|[()[\]{}:,+\-*/%@<>=!~^&|;.])/.exec(rest);
    if (!op) fail(`the character ${JSON.stringify(c)}`);
    if ('([{'.includes(op![0])) depth++;
    if (')]}'.includes(op![0])) depth = Math.max(0, depth - 1);
    tokens.push({ type: 'op', value: op![0] });
    i += op![0].length;
    afterNumber = false;
  }
  if (depth > 0) fail('an unclosed bracket');
  return tokens;
}

const SIMPLE_ESCAPES: Record<string, string> = { '\\': '\\', "'": "'", '"': '"', a: '\x07', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t', v: '\v' };

/** One string literal at `start` (prefix and quote already matched): its token and its length. */
function readString(text: string, start: number, prefix: string, quote: string, fail: (why: string) => never): [Token, number] {
  if (prefix.length === 2 && !/^(br|rb|fr|rf)$/.test(prefix)) fail(`the string prefix ${prefix}`);
  const raw = prefix.includes('r');
  const bytes = prefix.includes('b');
  if (prefix.includes('f')) throw new Refused('an f-string');
  let i = start + prefix.length + quote.length;
  let value = '';
  for (;;) {
    if (i >= text.length) fail('an unterminated string');
    if (text.startsWith(quote, i)) break;
    const c = text[i];
    if ((c === '\n' || c === '\r') && quote.length === 1) fail('a line break inside a string');
    if (c === '\0') fail('a null byte');
    if (c !== '\\') {
      value += c === '\r' ? (text[i + 1] === '\n' ? '' : '\n') : c; // newlines are read as \n
      i++;
      continue;
    }
    const next = text[i + 1] ?? '';
    if (raw) {
      if (next === '') fail('an unterminated string');
      value += c + next;
      i += 2;
      continue;
    }
    const escape = readEscape(text, i + 1, bytes, fail);
    value += escape[0];
    i = escape[1];
  }
  if (bytes && /[^\x00-\x7f]/.test(text.slice(start, i))) fail('a non-ASCII character in a bytes literal');
  return [{ type: 'str', value, bytes }, i + quote.length - start];
}

/** The character(s) an escape at `i` (after the backslash) stands for, and where it ends. */
function readEscape(text: string, i: number, bytes: boolean, fail: (why: string) => never): [string, number] {
  const c = text[i] ?? '';
  if (c === '\n') return ['', i + 1];
  if (c === '\r') return ['', text[i + 1] === '\n' ? i + 2 : i + 1];
  if (c in SIMPLE_ESCAPES) return [SIMPLE_ESCAPES[c], i + 1];
  const octal = /^[0-7]{1,3}/.exec(text.slice(i));
  if (octal) return [String.fromCodePoint(parseInt(octal[0], 8)), i + octal[0].length];
  const hexLength = c === 'x' ? 2 : !bytes && c === 'u' ? 4 : !bytes && c === 'U' ? 8 : 0;
  if (hexLength > 0) {
    const hex = text.slice(i + 1, i + 1 + hexLength);
    if (!new RegExp(`^[0-9a-fA-F]{${hexLength}}$`).test(hex)) fail(`a truncated \\${c} escape`);
    const code = parseInt(hex, 16);
    if (code > 0x10ffff) fail(`an escape beyond U+10FFFF`);
    return [String.fromCodePoint(code), i + 1 + hexLength];
  }
  if (!bytes && c === 'N') throw new Refused('a \\N{...} escape (Unicode names are not read)');
  return ['\\' + c, i + 1]; // an unknown escape keeps its backslash (a warning in Python, not an error)
}

/** ast.literal_eval of `text`, for the literals a header holds. */
function literal(text: string, dropLongSuffix: boolean): Value {
  // ast.literal_eval strips leading spaces and tabs before parsing.
  const tokens = tokenize(text.replace(/^[ \t]+/, ''), dropLongSuffix);
  let at = 0;
  const peek = () => tokens[at];
  const isOp = (value: string) => peek()?.type === 'op' && (peek() as { value: string }).value === value;
  const expectOp = (value: string) => {
    if (!isOp(value)) throw new PySyntaxError(`expected ${value}`);
    at++;
  };
  /** Reads items up to `close`; a single item without a comma, in parentheses, is no tuple. */
  const sequence = <T>(close: string, item: () => T): { items: T[]; comma: boolean } => {
    const items: T[] = [];
    let comma = false;
    while (!isOp(close)) {
      items.push(item());
      if (isOp(',')) {
        at++;
        comma = true;
      } else if (!isOp(close)) throw new PySyntaxError(`expected , or ${close}`);
    }
    at++;
    return { items, comma };
  };
  const value = (): Value => {
    const token = peek();
    if (!token) throw new PySyntaxError('an unexpected end');
    at++;
    if (token.type === 'str') {
      let text = token.value;
      while (peek()?.type === 'str') {
        const next = tokens[at++] as { value: string; bytes: boolean };
        if (next.bytes !== token.bytes) throw new PySyntaxError('bytes and str concatenated');
        text += next.value;
      }
      if (token.bytes) throw new Refused('a bytes literal');
      return { kind: 'str', value: text };
    }
    if (token.type === 'int') return { kind: 'int', value: token.value };
    if (token.type === 'other') throw new Refused(token.what);
    if (token.type === 'name') {
      if (token.value === 'True' || token.value === 'False') return { kind: 'bool', value: token.value === 'True' };
      throw new Refused(`the name ${token.value}`);
    }
    switch (token.value) {
      case '-':
      case '+': {
        // A sign applies to an integer only (parentheses around it allowed): -(2) is -2; --2, -True and -(2,) are refused.
        let open = 0;
        while (isOp('(')) (at++, open++);
        const operand = tokens[at++];
        if (operand?.type !== 'int') throw new Refused('a sign before something that is not an integer');
        for (; open > 0; open--) expectOp(')');
        return { kind: 'int', value: token.value === '-' ? -operand.value : operand.value };
      }
      case '(': {
        const { items, comma } = sequence(')', value);
        return items.length === 1 && !comma ? items[0] : { kind: 'tuple', items };
      }
      case '[':
        return { kind: 'list', items: sequence(']', value).items };
      case '{': {
        if (isOp('}')) return (at++, { kind: 'dict', entries: [] });
        const first = value();
        if (!isOp(':')) {
          if (isOp(',')) at++;
          else if (!isOp('}')) throw new PySyntaxError('expected , or }');
          return { kind: 'set', items: [first, ...sequence('}', value).items] };
        }
        at++;
        const entries: [Value, Value][] = [[first, value()]];
        if (isOp(',')) at++;
        else if (!isOp('}')) throw new PySyntaxError('expected , or }');
        const rest = sequence('}', (): [Value, Value] => {
          const key = value();
          expectOp(':');
          return [key, value()];
        });
        entries.push(...rest.items);
        return { kind: 'dict', entries };
      }
      default:
        throw new PySyntaxError(`an unexpected ${token.value}`);
    }
  };
  const result = value();
  // Anything after one expression: a comma makes a tuple (not a dict), anything else cannot be read.
  if (isOp(',')) throw new Refused('the header is not a dict');
  if (at < tokens.length) throw new PySyntaxError('more than one expression');
  return result;
}
