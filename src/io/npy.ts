// NumPy .npy files (format versions 1.0, 2.0 and 3.0): little-endian float32 / float64 (and int32,
// int64, uint8, bool for masks), C order. Anything else is refused with a typed error that says what
// the file holds, because silently reinterpreting bytes would corrupt the user's data.
import { SpecialistError } from '../core/errors.ts';
import type { Tensor, TensorData } from '../core/tensor.ts';
import { toFloat32Checked } from '../core/validate.ts';

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93NUMPY

export type NpyDtype = '<f4' | '<f8' | '<i4' | '<i8' | '|u1' | '|b1';

/** A tensor read from .npy: float32/float64/int32 as stored; int64 widened to Float64Array; uint8/bool as Uint8Array. */
export interface NpyArray extends Tensor<Float32Array | Float64Array | Int32Array | Uint8Array> {
  dtype: NpyDtype;
}

const ITEM_SIZE: Record<NpyDtype, number> = { '<f4': 4, '<f8': 8, '<i4': 4, '<i8': 8, '|u1': 1, '|b1': 1 };

function bad(source: string, message: string, details: Record<string, unknown> = {}): SpecialistError {
  return new SpecialistError('INVALID_FILE', `${source}: ${message}`, { file: source, ...details });
}

/** Parses the Python-literal header dict, e.g. {'descr': '<f4', 'fortran_order': False, 'shape': (3, 4), } */
function parseHeader(text: string, source: string): { descr: string; fortran: boolean; shape: number[] } {
  const descr = /'descr'\s*:\s*'([^']*)'/.exec(text)?.[1];
  const fortran = /'fortran_order'\s*:\s*(True|False)/.exec(text)?.[1];
  const shapeText = /'shape'\s*:\s*\(([^)]*)\)/.exec(text)?.[1];
  if (descr === undefined || fortran === undefined || shapeText === undefined) {
    throw bad(source, `not a valid .npy header: ${JSON.stringify(text.trim().slice(0, 120))}`);
  }
  const shape = shapeText
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0)
    .map((s) => {
      const v = Number(s.replace(/L$/, ''));
      if (!Number.isInteger(v) || v < 0) throw bad(source, `bad dimension "${s}" in shape (${shapeText})`);
      return v;
    });
  return { descr, fortran: fortran === 'True', shape };
}

export function parseNpy(bytes: Uint8Array, source = 'input'): NpyArray {
  if (bytes.length < 10 || MAGIC.some((b, i) => bytes[i] !== b)) {
    throw bad(source, 'not a NumPy .npy file (missing the \\x93NUMPY magic)');
  }
  const major = bytes[6];
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let headerLength: number;
  let headerStart: number;
  if (major === 1) {
    headerLength = view.getUint16(8, true);
    headerStart = 10;
  } else if (major === 2 || major === 3) {
    if (bytes.length < 12) throw bad(source, 'truncated header');
    headerLength = view.getUint32(8, true);
    headerStart = 12;
  } else {
    throw bad(source, `unsupported .npy format version ${major}.${bytes[7]}`, { version: major });
  }
  if (headerStart + headerLength > bytes.length) throw bad(source, 'truncated header', { headerLength, size: bytes.length });
  const header = parseHeader(new TextDecoder(major === 3 ? 'utf-8' : 'latin1').decode(bytes.subarray(headerStart, headerStart + headerLength)), source);
  const dtype = (header.descr === '<u1' ? '|u1' : header.descr === '<b1' ? '|b1' : header.descr) as NpyDtype;
  if (!(dtype in ITEM_SIZE)) {
    throw bad(source, `dtype ${header.descr} is not supported (expected little-endian float32 '<f4' or float64 '<f8'; int32, int64, uint8 and bool also read)`, {
      dtype: header.descr,
    });
  }
  if (header.fortran && header.shape.filter((d) => d > 1).length > 1) {
    throw bad(source, 'Fortran-order arrays are not supported; save with np.ascontiguousarray', { fortranOrder: true });
  }
  const count = header.shape.reduce((a, b) => a * b, 1);
  const offset = headerStart + headerLength;
  const expected = count * ITEM_SIZE[dtype];
  if (bytes.length - offset !== expected) {
    throw bad(source, `shape (${header.shape.join(', ')}) of ${header.descr} needs ${expected} data bytes but the file holds ${bytes.length - offset}`, {
      shape: header.shape,
      expectedBytes: expected,
      actualBytes: bytes.length - offset,
    });
  }
  // Copy into a fresh, aligned buffer: the file's data offset need not be aligned to the item size.
  const raw = new Uint8Array(bytes.subarray(offset, offset + expected)).buffer; // a copy (Buffer.slice would not copy)
  let data: NpyArray['data'];
  switch (dtype) {
    case '<f4': data = new Float32Array(raw); break;
    case '<f8': data = new Float64Array(raw); break;
    case '<i4': data = new Int32Array(raw); break;
    case '<i8': {
      const wide = new BigInt64Array(raw);
      data = Float64Array.from(wide, (v) => Number(v));
      break;
    }
    default: data = new Uint8Array(raw);
  }
  return { dtype, shape: header.shape, data };
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
  if (array.data instanceof Float32Array) return array.data;
  if (array.dtype !== '<f8') throw bad(source, `expected a float32 or float64 array, got ${array.dtype}`, { dtype: array.dtype });
  const cols = array.shape.length < 2 ? 1 : array.shape[array.shape.length - 1];
  const flat = array.shape.length < 2;
  return toFloat32Checked(source, array.data, cols === 0 ? 0 : array.data.length / cols, cols, {
    cell: (row, column) => (flat ? `index ${row}` : `row ${row}, column ${column}`),
    column: (column) => (flat ? '' : `column ${column}`),
  });
}
