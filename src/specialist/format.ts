// The .specialist model file: the safetensors layout of src/io/container.ts (8-byte little-endian
// header length, JSON header with every tensor's dtype, shape and byte offsets, raw little-endian
// tensors) whose string metadata holds the format name and version, the SDK version, the SHA-256 of
// the generalist encoder the heads were fitted on, latent dims, supports, hyper-parameters, and a
// SHA-256 over the header and the tensor bytes. Loading checks every length, offset, dtype, shape,
// the checksum and every header field (format-checks.ts), so a truncated, corrupted or edited file
// is an INVALID_FILE error, never a wrong model. Saving runs the same checks on what it wrote.
import { SpecialistError } from '../core/errors.ts';
import { VERSION } from '../core/version.ts';
import { decodeContainer, encodeContainer } from '../io/container.ts';
import { checkHeader, checkTensors, hyperparameters, type LayerMeta } from './format-checks.ts';
import type { LayerWeights } from './layers.ts';
import type { SpecialistsState } from './state.ts';

export const FORMAT = 'specialist-model';
/**
 * 3: the checksum covers the header too, and every header field is checked on loading.
 * 4: class-coded tasks keep their class read-out (meta.classes, tensors headK.classes.w / .b and
 * headK.classCodes). Files of format 3 are still read, as models without class maps.
 */
export const FORMAT_VERSION = 4;
/** Versions this SDK reads: the current one and 3 (same checksum scheme, no class maps). */
const READABLE = [3, FORMAT_VERSION];

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
    const map = s.classes?.[k];
    if (map) {
      out.push([`head${k}.classes.w`, map.scores.w, [map.scores.din, map.scores.dout]]);
      out.push([`head${k}.classes.b`, map.scores.b, [map.scores.dout]]);
      out.push([`head${k}.classCodes`, map.codes, [map.classes, s.taskDims[k]]]);
    }
  });
  return out;
}

function layerMeta(ls: LayerWeights[]) {
  return ls.map((l) => ({ din: l.din, dout: l.dout, activation: l.activation }));
}

export interface ModelFileInfo {
  sdkVersion: string;
  formatVersion: number;
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
    classes: s.taskDims.map((_, k) => s.classes?.[k]?.classes ?? null),
  };
  const tensors = Object.fromEntries(tensorsOf(s).map(([name, data, shape]) => [name, { data, shape }]));
  const bytes = encodeContainer(
    {
      format: FORMAT,
      formatVersion: String(FORMAT_VERSION),
      sdkVersion: VERSION,
      encoderSha256: s.encoderSha256 ?? '',
      latentDims: String(s.latentDims),
      supports: JSON.stringify(s.supports),
      hyperparameters: JSON.stringify(hyperparameters(s)),
      meta: JSON.stringify(meta),
    },
    tensors,
  );
  try {
    deserialiseModel(bytes);
  } catch (error) {
    // A state this SDK would refuse to load (edited by hand, NaN scales) is refused before it is saved.
    if (error instanceof SpecialistError) throw new SpecialistError('INVALID_ARGUMENT', `this model cannot be saved: ${error.message.replace(/^model file: /, '')}`, error.details);
    throw error;
  }
  return bytes;
}

/** Refuses other formats and versions by name, before the checksum (whose scheme they may not share). */
function checkVersion(metadata: Record<string, string>): void {
  if (metadata.format !== FORMAT) throw bad(`not a specialist model (format ${JSON.stringify(metadata.format)})`);
  if (READABLE.some((v) => metadata.formatVersion === String(v))) return;
  const old = /^[12]$/.test(metadata.formatVersion ?? '');
  throw bad(
    old
      ? `format version ${metadata.formatVersion} (SDK ${metadata.sdkVersion}) is no longer read: its checksum does not cover the header, so a changed support or encoder hash would pass. Fit the heads again with this SDK (${VERSION}, format ${FORMAT_VERSION})`
      : `format version ${metadata.formatVersion} is not supported (this SDK ${VERSION} reads versions ${READABLE.join(' and ')})`,
    { reason: 'format-version', formatVersion: metadata.formatVersion, supportedVersion: FORMAT_VERSION },
  );
}

/**
 * Reads serialiseModel's bytes. Every structural fault, checksum mismatch, unknown version and header
 * field out of range or inconsistent with the tensors is INVALID_FILE (details.field names the field).
 */
export function deserialiseModel(bytes: Uint8Array): SpecialistsState & { file: ModelFileInfo } {
  if (!(bytes instanceof Uint8Array)) throw bad('expected bytes (Uint8Array)');
  const { metadata, tensors, checksum } = decodeContainer(bytes, 'model file', { checkMetadata: checkVersion });
  if (checksum !== 'header+data') throw bad('the checksum does not cover the header', { reason: 'format-version' });
  const formatVersion = Number(metadata.formatVersion);
  const meta = checkHeader(metadata, formatVersion);
  const expected = new Set<string>();
  const read = (name: string, shape: number[]): Float32Array => {
    expected.add(name);
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
  const layers = (prefix: string, ls: LayerMeta[]): LayerWeights[] =>
    ls.map((l, i) => ({ ...l, w: read(`${prefix}.${i}.w`, [l.din, l.dout]), b: read(`${prefix}.${i}.b`, [l.dout]) }));
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
    heads: meta.layers.heads.map((h, k) => layers(`head${k}`, h)),
    yMean: meta.taskDims.map((dy, k) => read(`head${k}.yMean`, [dy])),
    yStd: meta.taskDims.map((dy, k) => read(`head${k}.yStd`, [dy])),
    importance: meta.taskDims.map((_, k) => read(`head${k}.importance`, [meta.latentDims])),
    supports: meta.supports,
    lambda: meta.lambda,
    threshold: meta.threshold,
    converged: meta.converged,
    curves: meta.curves,
    encoderSha256: metadata.encoderSha256 || undefined,
  };
  // Format 3 kept no class maps: its models load without one (classes absent, as they were fitted).
  if (formatVersion >= 4) {
    state.classes = meta.classes.map((K, k) => {
      if (K === null) return null;
      const scores = { din: meta.headWidth, dout: K, activation: 'identity' as const, w: read(`head${k}.classes.w`, [meta.headWidth, K]), b: read(`head${k}.classes.b`, [K]) };
      return { codes: read(`head${k}.classCodes`, [K, meta.taskDims[k]]), classes: K, scores };
    });
  }
  const extra = Object.keys(tensors).find((name) => !expected.has(name));
  if (extra !== undefined) throw bad(`tensor ${extra} is not part of this model`, { tensor: extra });
  checkTensors(state);
  return { ...state, file: { sdkVersion: metadata.sdkVersion, formatVersion, encoderSha256: metadata.encoderSha256 } };
}
