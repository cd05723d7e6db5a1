// The specialist file container, in the safetensors layout: an 8-byte little-endian header length,
// a JSON header (tensor name -> dtype, shape, byte offsets; "__metadata__" -> string map), then the
// raw little-endian tensor bytes. We add to the metadata a SHA-256 over the header (as JSON, without
// the checksum itself) and the data section, and check every offset, length, dtype and the checksum
// before any tensor is used: no byte that changes what the file means can change unnoticed.
import { SpecialistError } from '../core/errors.ts';
import { sha256Hex } from './sha256.ts';

export type ContainerDtype = 'F32' | 'F64' | 'I32' | 'U8';
export type ContainerArray = Float32Array | Float64Array | Int32Array | Uint8Array;

const SIZE: Record<ContainerDtype, number> = { F32: 4, F64: 8, I32: 4, U8: 1 };
/** Headers beyond this are refused before parsing (a corrupted length must not allocate gigabytes). */
const MAX_HEADER_BYTES = 16 * 1024 * 1024;
const CHECKSUM_KEY = 'sha256';
/** Files of format 2 and before: a checksum of the data section only (read to name their version). */
const LEGACY_CHECKSUM_KEY = 'data_sha256';

export interface ContainerTensor {
  dtype: ContainerDtype;
  shape: number[];
  data: ContainerArray;
}

export interface Container {
  metadata: Record<string, string>;
  tensors: Record<string, ContainerTensor>;
  /** What the verified checksum covered: 'header+data', or 'data' for a legacy file. */
  checksum: 'header+data' | 'data';
}

function dtypeOf(data: ContainerArray): ContainerDtype {
  if (data instanceof Float32Array) return 'F32';
  if (data instanceof Float64Array) return 'F64';
  if (data instanceof Int32Array) return 'I32';
  return 'U8';
}

function invalid(source: string, message: string, details: Record<string, unknown> = {}): SpecialistError {
  return new SpecialistError('INVALID_FILE', `${source}: ${message}`, { file: source, ...details });
}

/**
 * SHA-256 over the header as JSON without the checksum entry (keys in the order they are stored, so
 * whitespace is all an edit may change) followed by the data section, with the JSON's length first.
 */
function fileChecksum(header: Record<string, unknown>, body: Uint8Array): string {
  const canonical: Record<string, unknown> = Object.create(null); // a key "__proto__" stays a key
  for (const [key, value] of Object.entries(header)) {
    if (key !== '__metadata__') canonical[key] = value;
    else canonical[key] = Object.fromEntries(Object.entries(value as Record<string, string>).filter(([k]) => k !== CHECKSUM_KEY));
  }
  const json = new TextEncoder().encode(JSON.stringify(canonical));
  const all = new Uint8Array(8 + json.length + body.length);
  new DataView(all.buffer).setBigUint64(0, BigInt(json.length), true);
  all.set(json, 8);
  all.set(body, 8 + json.length);
  return sha256Hex(all);
}

export function encodeContainer(metadata: Record<string, string>, tensors: Record<string, { shape: number[]; data: ContainerArray }>): Uint8Array {
  const header: Record<string, unknown> = {};
  const names = Object.keys(tensors).sort();
  let offset = 0;
  for (const name of names) {
    const { shape, data } = tensors[name];
    const count = shape.reduce((a, b) => a * b, 1);
    if (count !== data.length) throw new SpecialistError('SHAPE_MISMATCH', `tensor ${name}: shape [${shape.join(', ')}] holds ${count} values, data has ${data.length}`);
    header[name] = { dtype: dtypeOf(data), shape, data_offsets: [offset, offset + data.byteLength] };
    // Keep every tensor aligned to 8 bytes inside the data section.
    offset += Math.ceil(data.byteLength / 8) * 8;
  }
  const body = new Uint8Array(offset);
  for (const name of names) {
    const { data } = tensors[name];
    body.set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength), (header[name] as { data_offsets: number[] }).data_offsets[0]);
  }
  header.__metadata__ = { ...metadata };
  (header.__metadata__ as Record<string, string>)[CHECKSUM_KEY] = fileChecksum(header, body);
  const json = new TextEncoder().encode(JSON.stringify(header));
  const jsonBytes = new Uint8Array(Math.ceil(json.length / 8) * 8).fill(0x20); // space-padded: data start 8-aligned
  jsonBytes.set(json);
  const out = new Uint8Array(8 + jsonBytes.length + body.length);
  new DataView(out.buffer).setBigUint64(0, BigInt(jsonBytes.length), true);
  out.set(jsonBytes, 8);
  out.set(body, 8 + jsonBytes.length);
  return out;
}

export interface DecodeOptions {
  /**
   * Called with the metadata (checksum removed) before any tensor is read or verified, so a file of
   * another format or version is named as such rather than reported as damaged.
   */
  checkMetadata?: (metadata: Record<string, string>) => void;
}

export function decodeContainer(bytes: Uint8Array, source = 'specialist file', options: DecodeOptions = {}): Container {
  if (bytes.length < 8) throw invalid(source, `${bytes.length} bytes is too short to be a specialist file`);
  const headerLength = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getBigUint64(0, true);
  if (headerLength > BigInt(Math.min(MAX_HEADER_BYTES, bytes.length - 8))) {
    throw invalid(source, `header length ${headerLength} does not fit in a file of ${bytes.length} bytes (not a specialist file, or truncated)`, { headerLength: String(headerLength) });
  }
  const start = 8 + Number(headerLength);
  let header: Record<string, unknown>;
  try {
    header = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(8, start)));
  } catch {
    throw invalid(source, 'the header is not valid JSON (not a specialist file, or corrupted)');
  }
  if (typeof header !== 'object' || header === null || Array.isArray(header)) throw invalid(source, 'the header is not a JSON object');
  const meta = header.__metadata__;
  if (typeof meta !== 'object' || meta === null || Object.values(meta).some((v) => typeof v !== 'string')) {
    throw invalid(source, '__metadata__ is missing or holds non-string values');
  }
  const metadata = { ...(meta as Record<string, string>) };
  const body = bytes.subarray(start);
  const expected = metadata[CHECKSUM_KEY];
  const legacy = metadata[LEGACY_CHECKSUM_KEY];
  delete metadata[CHECKSUM_KEY];
  delete metadata[LEGACY_CHECKSUM_KEY];
  options.checkMetadata?.(metadata);

  const spans: [number, number, string][] = [];
  const tensors: Record<string, ContainerTensor> = {};
  for (const [name, entry] of Object.entries(header)) {
    if (name === '__metadata__') continue;
    if (name === '__proto__') throw invalid(source, 'a tensor may not be named "__proto__"');
    const e = entry as { dtype?: unknown; shape?: unknown; data_offsets?: unknown };
    if (typeof e !== 'object' || e === null || typeof e.dtype !== 'string' || !Object.hasOwn(SIZE, e.dtype)) {
      throw invalid(source, `tensor "${name}" has dtype ${JSON.stringify(e?.dtype)}; expected one of ${Object.keys(SIZE).join(', ')}`, { tensor: name });
    }
    const dtype = e.dtype as ContainerDtype;
    if (!Array.isArray(e.shape) || e.shape.some((d) => !Number.isSafeInteger(d) || d < 0)) throw invalid(source, `tensor "${name}" has a bad shape ${JSON.stringify(e.shape)}`, { tensor: name });
    const offsets = e.data_offsets;
    if (!Array.isArray(offsets) || offsets.length !== 2 || offsets.some((o) => !Number.isSafeInteger(o) || o < 0) || offsets[0] > offsets[1] || offsets[1] > body.length) {
      throw invalid(source, `tensor "${name}" has offsets ${JSON.stringify(offsets)} outside the ${body.length}-byte data section (truncated or corrupted)`, { tensor: name });
    }
    const shape = e.shape as number[];
    const byteLength = shape.reduce((a, b) => a * b, 1) * SIZE[dtype];
    if (offsets[1] - offsets[0] !== byteLength) {
      throw invalid(source, `tensor "${name}": shape [${shape.join(', ')}] of ${dtype} needs ${byteLength} bytes, its offsets span ${offsets[1] - offsets[0]}`, { tensor: name });
    }
    spans.push([offsets[0], offsets[1], name]);
    const copy = new Uint8Array(body.subarray(offsets[0], offsets[1])).buffer; // a copy: aligned, detached from the file bytes (Buffer.slice would not copy)
    const data = dtype === 'F32' ? new Float32Array(copy) : dtype === 'F64' ? new Float64Array(copy) : dtype === 'I32' ? new Int32Array(copy) : new Uint8Array(copy);
    tensors[name] = { dtype, shape, data };
  }
  spans.sort((a, b) => a[0] - b[0]);
  for (let i = 1; i < spans.length; i++) {
    if (spans[i][0] < spans[i - 1][1]) throw invalid(source, `tensors "${spans[i - 1][2]}" and "${spans[i][2]}" overlap`);
  }
  if (expected !== undefined) {
    const actual = fileChecksum(header, body);
    if (actual !== expected) throw invalid(source, 'checksum mismatch: the header or the tensor data were altered or damaged', { expected, actual });
    return { metadata, tensors, checksum: 'header+data' };
  }
  if (legacy === undefined) throw invalid(source, `the metadata holds no ${CHECKSUM_KEY}: the file cannot be verified`);
  const actual = sha256Hex(body);
  if (actual !== legacy) throw invalid(source, 'checksum mismatch: the tensor data were altered or damaged', { expected: legacy, actual });
  return { metadata, tensors, checksum: 'data' };
}
