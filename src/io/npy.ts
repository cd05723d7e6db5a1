// NumPy .npy files (format versions 1.0, 2.0 and 3.0), read as numpy reads them: the header by
// numpy's own rules (npy-header.ts), C or Fortran order (Fortran-ordered data are transposed to C
// order), the dtypes float32, float64 and float16 (read as float32, exactly), int32, int64 (as
// float64, refused beyond 2^53), uint8 and bool. Anything numpy would not read, and any other dtype,
// is refused with a typed error that names it: silently reinterpreting bytes would corrupt data.
// Where this differs from numpy on purpose (other dtypes, bytes after the data): docs/reliability.md.
import { SpecialistError } from '../core/errors.ts';
import type { Tensor, TensorData } from '../core/tensor.ts';
import { toFloat32Checked } from '../core/validate.ts';
import { parseNpyHeader } from './npy-header.ts';

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93NUMPY

/**
 * The .npy element types the SDK reads and writes: little-endian float32, float64, float16, int32,
 * int64, and uint8 and bool.
 */
export type NpyDtype = '<f4' | '<f8' | '<f2' | '<i4' | '<i8' | '|u1' | '|b1';

/** A tensor read from .npy: float32/float64/int32 as stored; float16 as Float32Array; int64 as Float64Array; uint8/bool as Uint8Array. */
export interface NpyArray extends Tensor<Float32Array | Float64Array | Int32Array | Uint8Array> {
  dtype: NpyDtype;
}

const ITEM_SIZE: Record<NpyDtype, number> = { '<f4': 4, '<f8': 8, '<f2': 2, '<i4': 4, '<i8': 8, '|u1': 1, '|b1': 1 };

// numpy's spellings of these dtypes (numpy 2 on a little-endian 64-bit Linux, the corpus's reference):
// its type names, its one-letter codes and the typestr, each code and typestr with an optional byte
// order ('<', '=' native, '|'; '>' only for one-byte types, which have no order).
const NAMES: Record<string, NpyDtype> = {
  float32: '<f4', single: '<f4', float64: '<f8', double: '<f8', float: '<f8', float16: '<f2', half: '<f2', int32: '<i4', intc: '<i4',
  int64: '<i8', longlong: '<i8', long: '<i8', int: '<i8', int_: '<i8', intp: '<i8', uint8: '|u1', ubyte: '|u1', bool: '|b1', bool_: '|b1',
};
const CODES: Record<string, NpyDtype> = { f: '<f4', d: '<f8', e: '<f2', i: '<i4', l: '<i8', q: '<i8', p: '<i8', B: '|u1', '?': '|b1' };
const TYPESTRS: Record<string, NpyDtype> = { f2: '<f2', f4: '<f4', f8: '<f8', i4: '<i4', i8: '<i8', u1: '|u1', b1: '|b1' };

/** The dtype `descr` names, if it is one read here; numpy's typestr lets whitespace and a + precede the size. */
function dtypeOf(descr: string): NpyDtype | undefined {
  if (Object.hasOwn(NAMES, descr)) return NAMES[descr];
  const m = /^([<>=|]?)(?:([fdeilqpB?])|([fiub])[ \t\n\v\f\r]*\+?([0-9]+))$/.exec(descr);
  const dtype = m ? (m[2] ? CODES[m[2]] : TYPESTRS[`${m[3]}${Number(m[4])}`]) : undefined;
  return dtype && !(m![1] === '>' && ITEM_SIZE[dtype] > 1) ? dtype : undefined;
}

function bad(source: string, message: string, details: Record<string, unknown> = {}): SpecialistError {
  return new SpecialistError('INVALID_FILE', `${source}: ${message}`, { file: source, ...details });
}

/** The largest size numpy allocates: the product of the nonzero dims times the item size fits an int64. */
const MAX_BYTES = 2n ** 63n - 1n;

/**
 * Reads the bytes of a NumPy .npy file as numpy does; anything numpy would refuse (or could
 * misread) is INVALID_FILE, naming `source`.
 */
export function parseNpy(bytes: Uint8Array, source = 'input'): NpyArray {
  if (bytes.length < 8 || MAGIC.some((b, i) => bytes[i] !== b)) {
    throw bad(source, 'not a NumPy .npy file (missing the \\x93NUMPY magic)');
  }
  const [major, minor] = [bytes[6], bytes[7]];
  if (major < 1 || major > 3 || minor !== 0) throw bad(source, `unsupported .npy format version ${major}.${minor} (numpy writes 1.0, 2.0 and 3.0)`, { version: `${major}.${minor}` });
  const headerStart = major === 1 ? 10 : 12;
  if (bytes.length < headerStart) throw bad(source, 'truncated header');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLength = major === 1 ? view.getUint16(8, true) : view.getUint32(8, true);
  if (headerStart + headerLength > bytes.length) throw bad(source, 'truncated header', { headerLength, size: bytes.length });
  let text: string;
  try {
    // Format 3.0 is UTF-8 (a byte-order mark is kept, and refused, as numpy does); 1.0 and 2.0 are Latin-1.
    text = new TextDecoder(major === 3 ? 'utf-8' : 'latin1', { fatal: true, ignoreBOM: true }).decode(bytes.subarray(headerStart, headerStart + headerLength));
  } catch {
    throw bad(source, 'the header is not valid UTF-8', { reason: 'header' });
  }
  const header = parseNpyHeader(text, major, (message, details) => bad(source, message, details));
  const dtype = header.descr === undefined ? undefined : dtypeOf(header.descr);
  if (!dtype) {
    // Structured and subarray dtypes ('(2,)<f4', [('a', '<f4')]) hold several values per element.
    const compound = header.descr === undefined || /^\s*[(0-9]|,/.test(header.descr);
    const named = `${compound ? 'the structured or subarray dtype' : 'dtype'} ${header.descr === undefined ? '(a list or tuple)' : JSON.stringify(header.descr)}`;
    throw bad(source, `${named} is not read (float32 '<f4', float64 '<f8', float16 '<f2', int32 '<i4', int64 '<i8', uint8 '|u1' and bool '|b1' are; big-endian data are not): save it with .astype(np.float32)`, {
      dtype: header.descr ?? null,
      reason: 'dtype',
      compound,
    });
  }
  const shape = header.shape;
  const nonzero = shape.filter((d) => d !== 0n).reduce((a, b) => a * b, 1n);
  if (shape.some((d) => d < 0n || d > MAX_BYTES) || nonzero * BigInt(ITEM_SIZE[dtype]) > MAX_BYTES) {
    throw bad(source, `shape (${shape.join(', ')}) is not the shape of an array`, { shape: shape.map(String) });
  }
  if (shape.some((d) => d > BigInt(Number.MAX_SAFE_INTEGER))) throw bad(source, `shape (${shape.join(', ')}) has a dimension beyond 2^53`, { shape: shape.map(String) });
  const dims = shape.map(Number);
  const count = dims.reduce((a, b) => a * b, 1);
  const offset = headerStart + headerLength;
  const expected = count * ITEM_SIZE[dtype];
  if (bytes.length - offset !== expected) {
    throw bad(source, `shape (${dims.join(', ')}) of ${dtype} needs ${expected} data bytes but the file holds ${bytes.length - offset}`, {
      shape: dims,
      expectedBytes: expected,
      actualBytes: bytes.length - offset,
    });
  }
  // Copy into a fresh, aligned buffer: the file's data offset need not be aligned to the item size.
  const raw = new Uint8Array(bytes.subarray(offset, offset + expected)).buffer; // a copy (Buffer.slice would not copy)
  const data = decode(dtype, raw, source);
  return { dtype, shape: dims, data: header.fortranOrder && dims.length > 1 ? fromFortranOrder(data, dims) : data };
}

function decode(dtype: NpyDtype, raw: ArrayBuffer, source: string): NpyArray['data'] {
  switch (dtype) {
    case '<f4': return new Float32Array(raw);
    case '<f8': return new Float64Array(raw);
    case '<f2': return Float32Array.from(new Uint16Array(raw), halfToFloat);
    case '<i4': return new Int32Array(raw);
    case '<i8': {
      const wide = new BigInt64Array(raw);
      const at = wide.findIndex((v) => v > BigInt(Number.MAX_SAFE_INTEGER) || v < -BigInt(Number.MAX_SAFE_INTEGER));
      if (at >= 0) throw bad(source, `int64 value ${wide[at]} at index ${at} is beyond 2^53 and cannot be read exactly`, { index: at, reason: 'int64-range' });
      return Float64Array.from(wide, (v) => Number(v));
    }
    default: return new Uint8Array(raw);
  }
}

/** IEEE half precision to a number (exact: every half is a float32). */
function halfToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exponent = (h >> 10) & 0x1f;
  const fraction = h & 0x3ff;
  if (exponent === 0) return sign * fraction * 2 ** -24;
  if (exponent === 31) return fraction ? NaN : sign * Infinity;
  return sign * (1 + fraction / 1024) * 2 ** (exponent - 15);
}

/** Fortran-ordered (first index fastest) values as C order (last index fastest). */
function fromFortranOrder<T extends NpyArray['data']>(data: T, dims: number[]): T {
  const out = new (data.constructor as new (length: number) => T)(data.length);
  const index = new Array<number>(dims.length).fill(0);
  for (let c = 0; c < data.length; c++) {
    let f = 0;
    for (let axis = dims.length - 1; axis >= 0; axis--) f = f * dims[axis] + index[axis];
    out[c] = data[f];
    for (let axis = dims.length - 1; axis >= 0 && ++index[axis] === dims[axis]; axis--) index[axis] = 0;
  }
  return out;
}

/** Serialises to .npy version 1.0 (2.0 when the header needs it). */
export function formatNpy(array: Tensor<TensorData>): Uint8Array {
  const dtype: NpyDtype =
    array.data instanceof Float32Array ? '<f4' : array.data instanceof Float64Array ? '<f8' : array.data instanceof Int32Array ? '<i4' : '|u1';
  const count = array.shape.reduce((a, b) => a * b, 1);
  if (count !== array.data.length) {
    throw new SpecialistError('SHAPE_MISMATCH', `shape (${array.shape.join(', ')}) holds ${count} values but the data has ${array.data.length}`, {
      shape: [...array.shape],
      length: array.data.length,
    });
  }
  const shape = array.shape.length === 1 ? `(${array.shape[0]},)` : `(${array.shape.join(', ')})`;
  let header = `{'descr': '${dtype}', 'fortran_order': False, 'shape': ${shape}, }`;
  const v2 = header.length + 11 > 65535;
  const preamble = v2 ? 12 : 10;
  const total = Math.ceil((preamble + header.length + 1) / 64) * 64;
  header = header.padEnd(total - preamble - 1, ' ') + '\n';
  const out = new Uint8Array(total + array.data.byteLength);
  out.set(MAGIC, 0);
  out[6] = v2 ? 2 : 1;
  out[7] = 0;
  const view = new DataView(out.buffer);
  if (v2) view.setUint32(8, header.length, true);
  else view.setUint16(8, header.length, true);
  out.set(new TextEncoder().encode(header), preamble);
  out.set(new Uint8Array(array.data.buffer, array.data.byteOffset, array.data.byteLength), total);
  return out;
}

/**
 * Float32 view of a float array (integers refused: they are not measurements). float64 is narrowed
 * with the checks of core/validate.ts: a value beyond float32's range, or a column (last axis) whose
 * spread float32 cannot hold, is refused by name rather than read as Infinity or as constant.
 */
export function toFloat32(array: NpyArray, source = 'input'): Float32Array {
  if (array.data instanceof Float32Array) return array.data; // float32, or float16 widened exactly
  if (array.dtype !== '<f8') {
    throw bad(source, `holds ${array.dtype} values where measurements (float32 or float64) are expected: if they are measurements, save them with .astype(np.float32)`, { dtype: array.dtype, reason: 'dtype' });
  }
  const cols = array.shape.length < 2 ? 1 : array.shape[array.shape.length - 1];
  const flat = array.shape.length < 2;
  return toFloat32Checked(source, array.data, cols === 0 ? 0 : array.data.length / cols, cols, {
    cell: (row, column) => (flat ? `index ${row}` : `row ${row}, column ${column}`),
    column: (column) => (flat ? '' : `column ${column}`),
  });
}
