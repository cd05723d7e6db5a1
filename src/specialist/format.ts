// The .specialist model file, a safetensors-like layout:
//   [0, 8)        header length H, unsigned 64-bit little-endian
//   [8, 8 + H)    UTF-8 JSON header: format, formatVersion, sdkVersion, meta (everything that is
//                 not a tensor), tensors { name: { dtype: 'F32', shape, offsets: [begin, end] } }
//                 with offsets relative to the data section, and crc32 of the data section
//   [8 + H, end)  the tensors, little-endian float32, back to back in header order
// Loading checks every length, offset, dtype and shape, the checksum, and the meta fields, so a
// truncated or corrupted file is an INVALID_FILE error, never a wrong model.
import { SpecialistError } from '../errors.ts';
import { VERSION } from '../version.ts';
import type { LayerWeights } from './network.ts';
import type { SpecialistsState } from './model.ts';

export const FORMAT = 'specialist-model';
export const FORMAT_VERSION = 1;

const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let i = 0; i < 256; i++) {
    let c = i;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[i] = c >>> 0;
  }
  return t;
})();

export function crc32(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (let i = 0; i < bytes.length; i++) c = CRC_TABLE[(c ^ bytes[i]) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function bad(message: string, details: Record<string, unknown> = {}): SpecialistError {
  return new SpecialistError('INVALID_FILE', `model file: ${message}`, details);
}

interface TensorEntry {
  dtype: 'F32';
  shape: number[];
  offsets: [number, number];
}

/** Tensor names and shapes of a model, in file order. */
function tensorsOf(s: SpecialistsState): [string, Float32Array, number[]][] {
  const out: [string, Float32Array, number[]][] = [
    ['zMean', s.zMean, [s.d]],
    ['zStd', s.zStd, [s.d]],
    ['bnMean', s.bnMean, [s.latentDims]],
    ['bnInvStd', s.bnInvStd, [s.latentDims]],
  ];
  const layers = (prefix: string, ls: LayerWeights[]) =>
    ls.forEach((l, i) => {
      out.push([`${prefix}.${i}.w`, l.w, [l.din, l.dout]]);
      out.push([`${prefix}.${i}.b`, l.b, [l.dout]]);
    });
  layers('encoder', s.encoder);
  layers('decoder', s.decoder);
  s.heads.forEach((h, k) => {
    layers(`head${k}`, h);
    out.push([`head${k}.yMean`, s.yMean[k], [s.taskDims[k]]]);
    out.push([`head${k}.yStd`, s.yStd[k], [s.taskDims[k]]]);
    out.push([`head${k}.importance`, s.importance[k], [s.latentDims]]);
  });
  return out;
}

function layerMeta(ls: LayerWeights[]) {
  return ls.map((l) => ({ din: l.din, dout: l.dout, activation: l.activation }));
}

export function serialiseModel(s: SpecialistsState): Uint8Array {
  const tensors: Record<string, TensorEntry> = {};
  const list = tensorsOf(s);
  let offset = 0;
  for (const [name, data, shape] of list) {
    tensors[name] = { dtype: 'F32', shape, offsets: [offset, offset + data.length * 4] };
    offset += data.length * 4;
  }
  const body = new Uint8Array(offset);
  const view = new DataView(body.buffer);
  for (const [name, data] of list) {
    const start = tensors[name].offsets[0];
    data.forEach((v, i) => view.setFloat32(start + i * 4, v, true));
  }
  const meta = {
    d: s.d,
    latentDims: s.latentDims,
    encoderWidths: s.encoderWidths,
    headWidth: s.headWidth,
    taskDims: s.taskDims,
    penalty: s.penalty,
    supports: s.supports,
    lambda: s.lambda,
    threshold: s.threshold,
    converged: s.converged,
    curves: s.curves,
    layers: { encoder: layerMeta(s.encoder), decoder: layerMeta(s.decoder), heads: s.heads.map(layerMeta) },
  };
  const header = new TextEncoder().encode(JSON.stringify({ format: FORMAT, formatVersion: FORMAT_VERSION, sdkVersion: VERSION, crc32: crc32(body), meta, tensors }));
  const out = new Uint8Array(8 + header.length + body.length);
  new DataView(out.buffer).setBigUint64(0, BigInt(header.length), true);
  out.set(header, 8);
  out.set(body, 8 + header.length);
  return out;
}

const isInt = (v: unknown, min = 0): v is number => typeof v === 'number' && Number.isInteger(v) && v >= min;

function checkMeta(meta: any): void {
  const need = (cond: boolean, what: string) => {
    if (!cond) throw bad(`header field ${what} is missing or invalid`, { field: what });
  };
  need(meta && typeof meta === 'object', 'meta');
  need(isInt(meta.d, 1), 'meta.d');
  need(isInt(meta.latentDims, 1), 'meta.latentDims');
  need(Array.isArray(meta.encoderWidths) && meta.encoderWidths.every((w: unknown) => isInt(w, 1)), 'meta.encoderWidths');
  need(isInt(meta.headWidth, 1), 'meta.headWidth');
  need(Array.isArray(meta.taskDims) && meta.taskDims.length > 0 && meta.taskDims.every((w: unknown) => isInt(w, 1)), 'meta.taskDims');
  const K = meta.taskDims.length;
  need(Array.isArray(meta.supports) && meta.supports.length === K && meta.supports.every((s: unknown) => Array.isArray(s) && s.every((c) => isInt(c) && c < meta.latentDims)), 'meta.supports');
  need(Array.isArray(meta.lambda) && meta.lambda.length === K && meta.lambda.every((l: unknown) => typeof l === 'number' && Number.isFinite(l)), 'meta.lambda');
  need(typeof meta.threshold === 'number', 'meta.threshold');
  need(['group', 'jacobian', 'none'].includes(meta.penalty), 'meta.penalty');
  need(meta.layers && Array.isArray(meta.layers.encoder) && Array.isArray(meta.layers.decoder) && Array.isArray(meta.layers.heads) && meta.layers.heads.length === K, 'meta.layers');
  const chain = (ls: any[], from: number, to: number, name: string) => {
    let width = from;
    ls.forEach((l, i) => {
      need(isInt(l.din, 1) && isInt(l.dout, 1) && l.din === width && ['identity', 'leakyRelu', 'tanh'].includes(l.activation), `meta.layers.${name}[${i}]`);
      width = l.dout;
    });
    need(ls.length > 0 && width === to, `meta.layers.${name}`);
  };
  chain(meta.layers.encoder, meta.d, meta.latentDims, 'encoder');
  chain(meta.layers.decoder, meta.latentDims, meta.d, 'decoder');
  meta.layers.heads.forEach((h: any[], k: number) => chain(h, meta.latentDims, meta.taskDims[k], `heads[${k}]`));
}

export function deserialiseModel(bytes: Uint8Array): SpecialistsState {
  if (!(bytes instanceof Uint8Array)) throw bad('expected bytes (Uint8Array)');
  if (bytes.length < 8) throw bad(`${bytes.length} bytes is too short for a header`, { bytes: bytes.length });
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLength = Number(view.getBigUint64(0, true));
  if (headerLength < 2 || 8 + headerLength > bytes.length) throw bad(`header length ${headerLength} does not fit in ${bytes.length} bytes (truncated?)`, { headerLength, bytes: bytes.length });
  let header: any;
  try {
    header = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(8, 8 + headerLength)));
  } catch (error) {
    throw bad(`header is not valid JSON (${(error as Error).message})`);
  }
  if (!header || header.format !== FORMAT) throw bad(`not a specialist model (format ${JSON.stringify(header?.format)})`);
  if (header.formatVersion !== FORMAT_VERSION) {
    throw bad(`format version ${header.formatVersion} is not supported (this SDK ${VERSION} reads version ${FORMAT_VERSION})`, { formatVersion: header.formatVersion });
  }
  const body = bytes.subarray(8 + headerLength);
  if (typeof header.crc32 !== 'number' || crc32(body) !== header.crc32) throw bad('checksum mismatch: the tensor data is corrupted or truncated', { expected: header.crc32 });
  const meta = header.meta;
  checkMeta(meta);
  const tensors = header.tensors;
  if (!tensors || typeof tensors !== 'object') throw bad('header has no tensors table');
  const bodyView = new DataView(body.buffer, body.byteOffset, body.byteLength);
  const read = (name: string, shape: number[]): Float32Array => {
    const t = tensors[name] as TensorEntry | undefined;
    if (!t) throw bad(`tensor ${name} is missing`, { tensor: name });
    if (t.dtype !== 'F32') throw bad(`tensor ${name} has dtype ${JSON.stringify(t.dtype)}; expected F32`, { tensor: name });
    if (!Array.isArray(t.shape) || t.shape.length !== shape.length || t.shape.some((v, i) => v !== shape[i])) {
      throw bad(`tensor ${name} has shape ${JSON.stringify(t.shape)}; expected [${shape.join(', ')}]`, { tensor: name });
    }
    const count = shape.reduce((a, b) => a * b, 1);
    const [begin, end] = Array.isArray(t.offsets) ? t.offsets : [NaN, NaN];
    if (!isInt(begin) || !isInt(end) || end - begin !== count * 4 || end > body.length || begin % 4 !== 0) {
      throw bad(`tensor ${name} has offsets ${JSON.stringify(t.offsets)}, not ${count * 4} bytes inside the ${body.length}-byte data section`, { tensor: name });
    }
    const out = new Float32Array(count);
    for (let i = 0; i < count; i++) out[i] = bodyView.getFloat32(begin + i * 4, true);
    const nonFinite = out.findIndex((v) => !Number.isFinite(v));
    if (nonFinite >= 0) throw bad(`tensor ${name} holds ${out[nonFinite]} at index ${nonFinite}`, { tensor: name });
    return out;
  };
  const layers = (prefix: string, ls: any[]): LayerWeights[] =>
    ls.map((l, i) => ({ din: l.din, dout: l.dout, activation: l.activation, w: read(`${prefix}.${i}.w`, [l.din, l.dout]), b: read(`${prefix}.${i}.b`, [l.dout]) }));
  const state: SpecialistsState = {
    d: meta.d,
    latentDims: meta.latentDims,
    encoderWidths: meta.encoderWidths,
    headWidth: meta.headWidth,
    taskDims: meta.taskDims,
    penalty: meta.penalty,
    zMean: read('zMean', [meta.d]),
    zStd: read('zStd', [meta.d]),
    bnMean: read('bnMean', [meta.latentDims]),
    bnInvStd: read('bnInvStd', [meta.latentDims]),
    encoder: layers('encoder', meta.layers.encoder),
    decoder: layers('decoder', meta.layers.decoder),
    heads: meta.layers.heads.map((h: any[], k: number) => layers(`head${k}`, h)),
    yMean: meta.taskDims.map((dy: number, k: number) => read(`head${k}.yMean`, [dy])),
    yStd: meta.taskDims.map((dy: number, k: number) => read(`head${k}.yStd`, [dy])),
    importance: meta.taskDims.map((_: number, k: number) => read(`head${k}.importance`, [meta.latentDims])),
    supports: meta.supports,
    lambda: meta.lambda,
    threshold: meta.threshold,
    converged: Boolean(meta.converged),
    curves: meta.curves ?? { train: [], validation: [] },
  };
  return state;
}
