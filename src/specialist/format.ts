// The .specialist model file: the safetensors layout of src/io/container.ts (8-byte little-endian
// header length, JSON header with every tensor's dtype, shape and byte offsets, raw little-endian
// tensors) whose string metadata holds the format name and version, the SDK version, the SHA-256 of
// the generalist encoder the heads were fitted on, latent dims, supports, hyper-parameters, and a
// SHA-256 of the tensor bytes. Loading checks every length, offset, dtype, shape and the checksum,
// and the meta fields, so a truncated or corrupted file is an INVALID_FILE error, never a wrong model.
import { SpecialistError } from '../core/errors.ts';
import { VERSION } from '../core/version.ts';
import { decodeContainer, encodeContainer } from '../io/container.ts';
import type { LayerWeights } from './layers.ts';
import type { SpecialistsState } from './state.ts';

export const FORMAT = 'specialist-model';
export const FORMAT_VERSION = 2;

function bad(message: string, details: Record<string, unknown> = {}): SpecialistError {
  return new SpecialistError('INVALID_FILE', `model file: ${message}`, details);
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

export interface ModelFileInfo {
  sdkVersion: string;
  /** SHA-256 of the encoder the heads were fitted on; '' when unknown. */
  encoderSha256: string;
}

export function serialiseModel(s: SpecialistsState): Uint8Array {
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
  const tensors = Object.fromEntries(tensorsOf(s).map(([name, data, shape]) => [name, { data, shape }]));
  return encodeContainer(
    {
      format: FORMAT,
      formatVersion: String(FORMAT_VERSION),
      sdkVersion: VERSION,
      encoderSha256: s.encoderSha256 ?? '',
      latentDims: String(s.latentDims),
      supports: JSON.stringify(s.supports),
      hyperparameters: JSON.stringify({ encoderWidths: s.encoderWidths, headWidth: s.headWidth, penalty: s.penalty, lambda: s.lambda, threshold: s.threshold }),
      meta: JSON.stringify(meta),
    },
    tensors,
  );
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

export function deserialiseModel(bytes: Uint8Array): SpecialistsState & { file: ModelFileInfo } {
  if (!(bytes instanceof Uint8Array)) throw bad('expected bytes (Uint8Array)');
  const { metadata, tensors } = decodeContainer(bytes, 'model file');
  if (metadata.format !== FORMAT) throw bad(`not a specialist model (format ${JSON.stringify(metadata.format)})`);
  if (metadata.formatVersion !== String(FORMAT_VERSION)) {
    throw bad(`format version ${metadata.formatVersion} is not supported (this SDK ${VERSION} reads version ${FORMAT_VERSION})`, { formatVersion: metadata.formatVersion });
  }
  let meta: any;
  try {
    meta = JSON.parse(metadata.meta ?? '');
  } catch {
    throw bad('the meta field is not valid JSON');
  }
  checkMeta(meta);
  const read = (name: string, shape: number[]): Float32Array => {
    const t = tensors[name];
    if (!t) throw bad(`tensor ${name} is missing`, { tensor: name });
    if (t.dtype !== 'F32') throw bad(`tensor ${name} has dtype ${JSON.stringify(t.dtype)}; expected F32`, { tensor: name });
    if (t.shape.length !== shape.length || t.shape.some((v, i) => v !== shape[i])) {
      throw bad(`tensor ${name} has shape ${JSON.stringify(t.shape)}; expected [${shape.join(', ')}]`, { tensor: name });
    }
    const out = t.data as Float32Array;
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
    encoderSha256: metadata.encoderSha256 || undefined,
  };
  return { ...state, file: { sdkVersion: metadata.sdkVersion ?? '', encoderSha256: metadata.encoderSha256 ?? '' } };
}
