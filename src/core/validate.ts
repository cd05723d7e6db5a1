// Checks shared by every entry (API and CLI) that the per-value checks of tensor.ts do not cover:
// counts within bounds, allocations that fit in one array, and numbers that float32 (where the SDK
// computes) cannot hold. Each failure names the argument and says what to do.
import { SpecialistError } from './errors.ts';

/** Largest finite float32. */
export const FLOAT32_MAX = 3.4028234663852886e38;

/**
 * The most bytes one typed array may take: 2 GiB, below V8's own limit (4 GiB in Node 20) and what
 * 32-bit browser builds allow. A realistic world (10,000 episodes x 20 steps x 256 dims of float32)
 * is 205 MB.
 */
export const MAX_ARRAY_BYTES = 2 ** 31;

/** Throws INVALID_ARGUMENT unless `value` is an integer in [min, max]; `unit` completes the message. */
export function checkCount(name: string, value: unknown, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new SpecialistError('INVALID_ARGUMENT', `${name} must be an integer in [${min}, ${max}], got ${typeof value === 'number' ? value : JSON.stringify(value)}`, {
      argument: name,
      value: typeof value === 'number' ? value : String(value),
      min,
      max,
    });
  }
  return value;
}

/**
 * Throws OUT_OF_MEMORY when `values` items of `bytesPerValue` bytes exceed one array's limit;
 * `what` says which sizes multiplied up (e.g. "states [n, T, d] = [1e7, 12, 10]").
 */
export function checkAllocation(what: string, values: number, bytesPerValue = 4): void {
  const bytes = values * bytesPerValue;
  if (!(bytes <= MAX_ARRAY_BYTES)) {
    throw new SpecialistError('OUT_OF_MEMORY', `${what} would take ${(bytes / 2 ** 30).toFixed(1)} GiB; one array may take at most ${MAX_ARRAY_BYTES / 2 ** 30} GiB: use smaller sizes`, {
      values,
      bytes,
      limit: MAX_ARRAY_BYTES,
    });
  }
}

/** Shape entries that are non-negative integers whose product fits one array; returns the product. */
export function checkShape(name: string, shape: unknown, bytesPerValue = 4): number {
  if (!Array.isArray(shape) || shape.some((s) => typeof s !== 'number' || !Number.isSafeInteger(s) || s < 0)) {
    throw new SpecialistError('SHAPE_MISMATCH', `${name} has shape ${JSON.stringify(shape)}; sizes must be non-negative integers`, { argument: name });
  }
  const count = shape.reduce((a: number, b: number) => a * b, 1);
  checkAllocation(`${name} [${shape.join(', ')}]`, count, bytesPerValue);
  return count;
}

/** Names a cell and a column of a row-major [rows, cols] array in messages ('' for the whole array). */
export interface Locate {
  cell(row: number, column: number): string;
  column(column: number): string;
}

const ROW_COLUMN: Locate = { cell: (row, column) => `row ${row}, column ${column}`, column: (column) => `column ${column}` };

/**
 * float32 values of `source`, a row-major [rows, cols] array (returned as is when already float32).
 * Converting from float64 must not change what the data say: a finite value beyond float32's range
 * (|v| > 3.4e38) or a column whose spread float32's 24-bit mantissa cannot hold (values 1e8 + noise
 * of 1: float32 steps are 8 there) is INVALID_ARGUMENT with reason 'float32-range' or
 * 'float32-precision', naming the column. Non-finite values are left to the caller's checks.
 */
export function toFloat32Checked(name: string, source: ArrayLike<number>, rows: number, cols: number, locate: Locate = ROW_COLUMN): Float32Array {
  if (source instanceof Float32Array) return source;
  const out = Float32Array.from(source);
  // A shape that does not match is the caller's error to report, not a loop to run.
  if (!Number.isInteger(rows) || !Number.isInteger(cols) || rows * cols !== out.length) return out;
  for (let i = 0; i < out.length; i++) {
    const v = source[i];
    if (Number.isFinite(v) && !Number.isFinite(out[i])) {
      throw new SpecialistError('INVALID_ARGUMENT', `${name} holds ${v} at ${locate.cell(Math.floor(i / cols), i % cols)}: beyond float32's range (±3.4e38), in which the SDK computes; rescale the data`, {
        argument: name,
        reason: 'float32-range',
        index: i,
        value: v,
      });
    }
  }
  if (rows < 2) return out;
  // Per column, the spread before and after the conversion, from differences to the first row (so a
  // large common offset cancels exactly) divided by their largest magnitude (so 1e-300 does not
  // underflow when squared).
  const scale = new Float64Array(cols);
  for (let i = cols; i < rows * cols; i++) scale[i % cols] = Math.max(scale[i % cols], Math.abs(source[i] - source[i % cols]));
  const sum = new Float64Array(cols), sq = new Float64Array(cols), sum32 = new Float64Array(cols), sq32 = new Float64Array(cols);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) {
      if (!(scale[c] > 0)) continue;
      const i = r * cols + c;
      const a = (source[i] - source[c]) / scale[c];
      const b = (out[i] - out[c]) / scale[c];
      sum[c] += a;
      sq[c] += a * a;
      sum32[c] += b;
      sq32[c] += b * b;
    }
  }
  for (let c = 0; c < cols; c++) {
    const spread = scale[c] * Math.sqrt(Math.max(0, sq[c] / rows - (sum[c] / rows) ** 2));
    const spread32 = scale[c] * Math.sqrt(Math.max(0, sq32[c] / rows - (sum32[c] / rows) ** 2));
    // float32 keeps about 7 significant digits: rounding normally moves the spread by ~1e-7 of it.
    if (Number.isFinite(spread) && spread > 0 && Math.abs(spread32 - spread) > 0.01 * spread) {
      throw new SpecialistError(
        'INVALID_ARGUMENT',
        `${[name, locate.column(c)].filter(Boolean).join(' ')} varies by ${spread.toPrecision(3)} (standard deviation) around ${source[c]}, but float32, in which the SDK computes, keeps about 7 significant digits: ` +
          `converted, its spread would be ${spread32.toPrecision(3)}. Subtract the column's mean (or rescale) before passing the data`,
        { argument: name, reason: 'float32-precision', column: c, std: spread, float32Std: spread32 },
      );
    }
  }
  return out;
}

/** Where options that moved or were renamed now live, for the message of an unknown key. */
const MOVED: Record<string, string> = {
  runtime: 'a KernelRuntime goes in the call options (the last argument) as `kernels`',
  pool: 'a WorkerPool goes in the call options (the last argument) as `pool`',
  signal: 'the AbortSignal goes in the call options (the last argument)',
  onProgress: 'onProgress goes in the call options (the last argument)',
};

/**
 * Throws INVALID_ARGUMENT for a key of a configuration object that `known` does not list: a typo or
 * an option of another call would otherwise be ignored in silence. `known` is a Record over the
 * options type's keys, so the compiler keeps it complete; `hints` says, for keys this call refuses
 * on purpose (renamed, or dropped by it), where they went.
 */
export function checkKeys(name: string, options: object, known: Record<string, true>, hints: Record<string, string> = {}): void {
  const unknown = Object.keys(options).filter((k) => !Object.hasOwn(known, k));
  if (unknown.length === 0) return;
  const key = unknown[0];
  const hint = Object.hasOwn(hints, key) ? hints[key] : Object.hasOwn(MOVED, key) ? MOVED[key] : undefined;
  throw new SpecialistError('INVALID_ARGUMENT', `${name} has no option "${key}"${hint ? `: ${hint}` : ''} (${name} takes ${Object.keys(known).join(', ')})`, {
    argument: name,
    option: key,
    unknown,
  });
}
