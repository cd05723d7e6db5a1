// Every field of a model file's header, checked when loading (INVALID_FILE naming the field): types,
// ranges, the layer widths against the hyper-parameters, the duplicated top-level fields against
// the description, and afterwards the tensors against the fields (scales non-zero, each support
// equal to the one its importances and threshold give). The checksum already catches damage; these
// checks also refuse a file that was edited and re-checksummed into something the SDK never writes.
import { ACTIVATIONS, type Activation } from '../core/activation.ts';
import { SpecialistError } from '../core/errors.ts';
import type { LossCurves, SpecialistsState } from './state.ts';
import { supportFrom } from './support.ts';

/** Bounds of the fields (the fit options' own bounds where they have one). */
export const LIMITS = { width: 1 << 20, latentDims: 1024, hidden: 4096, tasks: 4096, lambda: 1e6, epochs: 1e7, classes: 4096 };
const PENALTIES = ['group', 'jacobian', 'none'];
const PHASES = ['dense', 'path', 'refit'];
export const METADATA_KEYS = ['format', 'formatVersion', 'sdkVersion', 'encoderSha256', 'latentDims', 'supports', 'hyperparameters', 'meta'];
const META_KEYS_V3 = ['d', 'latentDims', 'encoderWidths', 'headWidth', 'taskDims', 'penalty', 'supports', 'lambda', 'threshold', 'converged', 'curves', 'layers'];
/** Format 4 adds `classes`: per task its number of classes, or null (no class map). */
const META_KEYS = [...META_KEYS_V3, 'classes'];

/** The model description in the header's `meta` field, once checked. */
export interface ModelMeta {
  d: number;
  latentDims: number;
  encoderWidths: number[];
  headWidth: number;
  taskDims: number[];
  penalty: SpecialistsState['penalty'];
  supports: number[][];
  lambda: number[];
  threshold: number;
  converged: boolean;
  curves: LossCurves;
  layers: { encoder: LayerMeta[]; decoder: LayerMeta[]; heads: LayerMeta[][] };
  /** Per task, its number of classes or null; all null in a file of format 3. */
  classes: (number | null)[];
}

export interface LayerMeta {
  din: number;
  dout: number;
  activation: Activation;
}

function shown(value: unknown): string {
  const text = value === undefined ? 'nothing' : JSON.stringify(value) ?? String(value);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

function fail(field: string, expected: string, value: unknown): never {
  throw new SpecialistError('INVALID_FILE', `model file: header field ${field} must be ${expected}, got ${shown(value)} (the file was edited or is not from this SDK)`, {
    field,
    reason: 'header-field',
  });
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function integer(field: string, v: unknown, min: number, max: number): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) fail(field, `an integer in [${min}, ${max}]`, v);
  return v;
}

function finite(field: string, v: unknown, min = -Infinity, max = Infinity): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || v < min || v > max) fail(field, `a finite number in [${min}, ${max}]`, v);
  return v;
}

function list<T>(field: string, v: unknown, length: number | [number, number], item: (name: string, x: unknown, index: number) => T): T[] {
  const [lo, hi] = typeof length === 'number' ? [length, length] : length;
  if (!Array.isArray(v) || v.length < lo || v.length > hi) fail(field, lo === hi ? `an array of ${lo}` : `an array of ${lo} to ${hi}`, v);
  return v.map((x, i) => item(`${field}[${i}]`, x, i));
}

function exactKeys(field: string, v: Record<string, unknown>, keys: readonly string[]): void {
  const extra = Object.keys(v).filter((k) => !keys.includes(k));
  if (extra.length > 0) fail(field, `an object with the fields ${keys.join(', ')} only`, extra);
  const missing = keys.filter((k) => !Object.hasOwn(v, k));
  if (missing.length > 0) fail(`${field}.${missing[0]}`, 'present', undefined);
}

/** Strictly increasing coordinates of s_hat. */
function support(field: string, v: unknown, latentDims: number): number[] {
  const s = list(field, v, [0, latentDims], (name, c) => integer(name, c, 0, latentDims - 1));
  s.forEach((c, i) => {
    if (i > 0 && c <= s[i - 1]) fail(field, 'sorted and without repeats', s);
  });
  return s;
}

function layers(field: string, v: unknown, widths: number[]): LayerMeta[] {
  const out = list(field, v, widths.length - 1, (name, l) => {
    if (!isObject(l)) fail(name, 'an object', l);
    exactKeys(name, l, ['din', 'dout', 'activation']);
    if (!ACTIVATIONS.includes(l.activation as Activation)) fail(`${name}.activation`, `one of ${ACTIVATIONS.join(', ')}`, l.activation);
    return l as unknown as LayerMeta;
  });
  out.forEach((l, i) => {
    if (l.din !== widths[i] || l.dout !== widths[i + 1]) fail(`${field}[${i}]`, `${widths[i]} -> ${widths[i + 1]} wide`, [l.din, l.dout]);
  });
  if (out[out.length - 1].activation !== 'identity') fail(`${field}[${out.length - 1}].activation`, 'identity (the last layer is linear)', out[out.length - 1].activation);
  return out;
}

function curves(v: unknown, K: number, latentDims: number): LossCurves {
  if (!isObject(v)) fail('meta.curves', 'an object', v);
  exactKeys('meta.curves', v, ['train', 'validation']);
  const train = list('meta.curves.train', v.train, [0, LIMITS.epochs], (name, x) => finite(name, x, 0));
  const validation = list('meta.curves.validation', v.validation, [0, LIMITS.epochs], (name, p) => {
    if (!isObject(p)) fail(name, 'an object', p);
    exactKeys(name, p, ['phase', 'epoch', 'lambda', 'reconstruction', 'tasks', 'nonzeros']);
    if (!PHASES.includes(p.phase as string)) fail(`${name}.phase`, `one of ${PHASES.join(', ')}`, p.phase);
    integer(`${name}.epoch`, p.epoch, 0, LIMITS.epochs);
    list(`${name}.lambda`, p.lambda, K, (n, x) => finite(n, x, 0, LIMITS.lambda));
    finite(`${name}.reconstruction`, p.reconstruction, 0);
    list(`${name}.tasks`, p.tasks, K, (n, x) => finite(n, x, 0));
    list(`${name}.nonzeros`, p.nonzeros, K, (n, x) => integer(n, x, 0, latentDims));
    return p as unknown as LossCurves['validation'][number];
  });
  return { train, validation };
}

/** Parses and checks the `meta` field (of format `version`) and the top-level metadata that repeat parts of it. */
export function checkHeader(metadata: Record<string, string>, version: number): ModelMeta {
  const unknown = Object.keys(metadata).filter((k) => !METADATA_KEYS.includes(k));
  if (unknown.length > 0) fail('__metadata__', `the fields ${METADATA_KEYS.join(', ')} only`, unknown);
  if (!/^\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?$/.test(metadata.sdkVersion ?? '')) fail('sdkVersion', 'a version like 1.2.3', metadata.sdkVersion);
  if (!/^([0-9a-f]{64})?$/.test(metadata.encoderSha256 ?? '-')) fail('encoderSha256', "64 lower-case hex digits (or '' when unknown)", metadata.encoderSha256);
  let meta: unknown;
  try {
    meta = JSON.parse(metadata.meta ?? '');
  } catch {
    fail('meta', 'JSON', metadata.meta);
  }
  if (!isObject(meta)) fail('meta', 'an object', meta);
  exactKeys('meta', meta, version >= 4 ? META_KEYS : META_KEYS_V3);
  const d = integer('meta.d', meta.d, 1, LIMITS.width);
  const latentDims = integer('meta.latentDims', meta.latentDims, 1, LIMITS.latentDims);
  const encoderWidths = list('meta.encoderWidths', meta.encoderWidths, [0, 64], (n, w) => integer(n, w, 1, LIMITS.hidden));
  const headWidth = integer('meta.headWidth', meta.headWidth, 1, LIMITS.hidden);
  const taskDims = list('meta.taskDims', meta.taskDims, [1, LIMITS.tasks], (n, w) => integer(n, w, 1, LIMITS.width));
  const K = taskDims.length;
  if (!PENALTIES.includes(meta.penalty as string)) fail('meta.penalty', `one of ${PENALTIES.join(', ')}`, meta.penalty);
  const supports = list('meta.supports', meta.supports, K, (n, s) => support(n, s, latentDims));
  const lambda = list('meta.lambda', meta.lambda, K, (n, x) => finite(n, x, 0, LIMITS.lambda));
  const threshold = finite('meta.threshold', meta.threshold, Number.MIN_VALUE, 1);
  if (typeof meta.converged !== 'boolean') fail('meta.converged', 'true or false', meta.converged);
  if (!isObject(meta.layers)) fail('meta.layers', 'an object', meta.layers);
  exactKeys('meta.layers', meta.layers, ['encoder', 'decoder', 'heads']);
  const parsed: ModelMeta = {
    d,
    latentDims,
    encoderWidths,
    headWidth,
    taskDims,
    penalty: meta.penalty as ModelMeta['penalty'],
    supports,
    lambda,
    threshold,
    converged: meta.converged,
    curves: curves(meta.curves, K, latentDims),
    layers: {
      encoder: layers('meta.layers.encoder', meta.layers.encoder, [d, ...encoderWidths, latentDims]),
      decoder: layers('meta.layers.decoder', meta.layers.decoder, [latentDims, ...[...encoderWidths].reverse(), d]),
      heads: list('meta.layers.heads', meta.layers.heads, K, (n, h, k) => layers(n, h, [latentDims, headWidth, taskDims[k]])),
    },
    classes: version >= 4 ? list('meta.classes', meta.classes, K, (n, c) => (c === null ? null : integer(n, c, 2, LIMITS.classes))) : taskDims.map(() => null),
  };
  // The top-level fields repeat parts of meta for tools that read only them: they must agree.
  const repeated: [string, string][] = [
    ['latentDims', String(latentDims)],
    ['supports', JSON.stringify(supports)],
    ['hyperparameters', JSON.stringify(hyperparameters(parsed))],
  ];
  for (const [key, expected] of repeated) if (metadata[key] !== expected) fail(key, `${expected} (as meta says)`, metadata[key]);
  return parsed;
}

/** The top-level `hyperparameters` field. */
export function hyperparameters(m: Pick<ModelMeta, 'encoderWidths' | 'headWidth' | 'penalty' | 'lambda' | 'threshold'>) {
  return { encoderWidths: m.encoderWidths, headWidth: m.headWidth, penalty: m.penalty, lambda: m.lambda, threshold: m.threshold };
}

/**
 * The tensors against the description: standardisation scales positive (a zero or negative one
 * would divide by zero or flip signs), importances non-negative, and each task's support exactly the
 * coordinates whose importance exceeds threshold x the largest (how fitting chose it).
 */
export function checkTensors(state: SpecialistsState): void {
  const positive = (name: string, values: Float32Array) => {
    const at = values.findIndex((v) => !(v > 0));
    if (at >= 0) throw new SpecialistError('INVALID_FILE', `model file: tensor ${name} holds ${values[at]} at index ${at}; scales must be positive`, { tensor: name, index: at, reason: 'tensor-value' });
  };
  positive('zStd', state.zStd);
  positive('bnInvStd', state.bnInvStd);
  state.yStd.forEach((s, k) => positive(`head${k}.yStd`, s));
  state.importance.forEach((imp, k) => {
    const at = imp.findIndex((v) => v < 0);
    if (at >= 0) throw new SpecialistError('INVALID_FILE', `model file: tensor head${k}.importance holds ${imp[at]} at index ${at}; importances are non-negative`, { tensor: `head${k}.importance`, reason: 'tensor-value' });
    const expected = supportFrom(imp, state.threshold);
    const found = state.supports[k];
    if (expected.length !== found.length || expected.some((c, i) => c !== found[i])) {
      throw new SpecialistError('INVALID_FILE', `model file: task ${k}'s support [${found.join(', ')}] is not what its importances give at threshold ${state.threshold} ([${expected.join(', ')}])`, {
        field: `meta.supports[${k}]`,
        reason: 'header-field',
      });
    }
  });
}
