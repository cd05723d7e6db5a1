// The readers under fuzz, each with valid seed files and an oracle. A mutated file must either be
// refused with a typed SpecialistError of the reader's code, or be accepted as something
// consistent: a .npy whose shape matches its data, an ONNX graph our own edit can extend, and a
// heads file equal, field by field, to the model that was saved.
import { isDeepStrictEqual } from 'node:util';
import { SpecialistError, type ErrorCode } from '../../src/core/errors.ts';
import { createRng, type Rng } from '../../src/core/random.ts';
import { Generalist } from '../../src/generalist/generalist.ts';
import { loadOrtNode, loadOrtWeb } from '../../src/generalist/ort.ts';
import { formatNpy, parseNpy, toFloat32 } from '../../src/io/npy.ts';
import { SEAL_KEY, SEAL_LENGTH, SEAL_MARKER_KEY } from '../../src/io/onnx-seal.ts';
import { exposeTensor, readGraphInfo } from '../../src/onnx/graph.ts';
import { exportSpecialistOnnx } from '../../src/specialist/export-onnx.ts';
import { fitSpecialists } from '../../src/specialist/fit.ts';
import { Specialists } from '../../src/specialist/model.ts';
import { twoLayerModel } from '../onnx/models.ts';
import { mutate } from './mutate.ts';

export interface SeedFile {
  bytes: Uint8Array;
  /** Byte range of the text header, where half of the mutations go. */
  header?: [number, number];
}

export interface FuzzTarget {
  name: string;
  /** Codes a refusal may carry. */
  codes: ErrorCode[];
  seeds: SeedFile[];
  /** Reads `bytes`; returns normally when accepted (and consistent), throws when refused. */
  read(bytes: Uint8Array): void | Promise<void>;
  /** Counts of accepted mutants worth telling apart, filled by read (copied into the result). */
  notes?: Record<string, number>;
}

/** A finding: an untyped error, a wrong code, or an accepted file that is not what was saved. */
export class FuzzFinding extends Error {}

export interface FuzzResult {
  target: string;
  iterations: number;
  accepted: number;
  refused: Partial<Record<ErrorCode, number>>;
  findings: { iteration: number; problem: string; bytes: string }[];
  slowestMs: number;
  notes?: Record<string, number>;
}

/** Runs `iterations` seeded mutations against `target`; findings are collected, never thrown. */
export async function fuzz(target: FuzzTarget, iterations: number, seed: number, onIteration?: (i: number) => void): Promise<FuzzResult> {
  const rng: Rng = createRng(seed);
  const result: FuzzResult = { target: target.name, iterations, accepted: 0, refused: {}, findings: [], slowestMs: 0 };
  for (let i = 0; i < iterations; i++) {
    const file = target.seeds[rng.int(target.seeds.length)];
    const bytes = mutate(file.bytes, rng, file.header);
    const started = performance.now();
    try {
      await target.read(bytes);
      result.accepted++;
    } catch (error) {
      const problem =
        error instanceof FuzzFinding
          ? error.message
          : !(error instanceof SpecialistError)
            ? `untyped ${(error as Error)?.name}: ${(error as Error)?.message ?? error}`
            : !target.codes.includes(error.code)
              ? `code ${error.code}: ${error.message}`
              : undefined;
      if (problem) result.findings.push({ iteration: i, problem, bytes: Buffer.from(bytes).toString('base64').slice(0, 2000) });
      else result.refused[(error as SpecialistError).code] = (result.refused[(error as SpecialistError).code] ?? 0) + 1;
    }
    result.slowestMs = Math.max(result.slowestMs, performance.now() - started);
    onIteration?.(i);
  }
  if (target.notes) result.notes = { ...target.notes };
  return result;
}

function npyHeader(bytes: Uint8Array): [number, number] {
  const length = bytes[6] === 1 ? bytes[8] | (bytes[9] << 8) : new DataView(bytes.buffer).getUint32(8, true);
  const start = bytes[6] === 1 ? 10 : 12;
  return [start, start + length];
}

export function npyTarget(): FuzzTarget {
  const rng = createRng(7);
  const arrays = [
    { shape: [3, 4], data: Float32Array.from({ length: 12 }, () => rng.normal()) },
    { shape: [5], data: Float64Array.from({ length: 5 }, () => rng.normal() * 1e3) },
    { shape: [2, 2, 2], data: Int32Array.from({ length: 8 }, (_, i) => i - 4) },
    { shape: [6, 1], data: Uint8Array.from({ length: 6 }, (_, i) => i % 2) },
    { shape: [0, 3], data: new Float32Array(0) },
    { shape: [], data: new Float64Array([2.5]) },
  ];
  return {
    name: 'npy',
    // INVALID_ARGUMENT: float64 values that float32 cannot hold (toFloat32).
    codes: ['INVALID_FILE', 'INVALID_ARGUMENT'],
    seeds: arrays.map((a) => {
      const bytes = formatNpy(a);
      return { bytes, header: npyHeader(bytes) };
    }),
    read(bytes) {
      const array = parseNpy(bytes, 'fuzz.npy');
      const count = array.shape.reduce((a, b) => a * b, 1);
      if (count !== array.data.length) throw new FuzzFinding(`accepted shape (${array.shape}) with ${array.data.length} values`);
      if (array.dtype === '<f4' || array.dtype === '<f8') toFloat32(array, 'fuzz.npy');
    },
  };
}

export function onnxTarget(): FuzzTarget {
  const models = [twoLayerModel(13).model, twoLayerModel(18).model];
  return {
    name: 'onnx',
    codes: ['INVALID_FILE'],
    // The models as built, and one already edited by exposeTensor (pooled, opset 18).
    seeds: [...models, exposeTensor(models[1], 'l0.a', { poolAxes: [1] }).model].map((bytes) => ({ bytes })),
    read(bytes) {
      const info = readGraphInfo(bytes);
      // Whatever we accept, our own edit must extend into a model we can read again.
      const name = info.nodeOutputs[info.nodeOutputs.length - 1] ?? info.inputs[0]?.name;
      if (name === undefined) return;
      const exposed = exposeTensor(bytes, name, { poolAxes: [1] });
      const again = readGraphInfo(exposed.model);
      if (!again.outputs.some((o) => o.name === exposed.output)) throw new FuzzFinding(`exposeTensor lost its output ${exposed.output}`);
    },
  };
}

/**
 * Our reader and onnxruntime behind it, as Generalist.load and encode use them: whatever onnxruntime
 * makes of a mutated model must come back typed, and an accepted encoder must encode.
 */
export async function onnxRuntimeTarget(): Promise<FuzzTarget> {
  const reader = onnxTarget();
  // onnxruntime logs every refused model to stderr: keep only fatal messages.
  for (const ort of [await loadOrtNode(), await loadOrtWeb()]) if (ort) ort.env.logLevel = 'fatal';
  const observations = { data: Float32Array.from({ length: 12 }, (_, i) => i / 4 - 1), shape: [4, 3] };
  return {
    ...reader,
    name: 'onnx-runtime',
    codes: ['INVALID_FILE', 'INVALID_ARGUMENT', 'SHAPE_MISMATCH', 'NON_FINITE'],
    async read(bytes) {
      const encoder = await Generalist.load(bytes);
      try {
        const latents = await encoder.encode(observations);
        if (latents.shape[0] !== 4 || latents.data.length !== 4 * latents.shape[1]) throw new FuzzFinding(`accepted an encoder whose latents have shape [${latents.shape}]`);
      } finally {
        await encoder.dispose();
      }
    },
  };
}

/** A small fitted model with sparse supports and an encoder hash: every field has a value to damage. */
async function smallModel(): Promise<Specialists> {
  const rng = createRng(5);
  const n = 240, d = 6;
  const z = Float32Array.from({ length: n * d }, () => rng.normal());
  const y = Float32Array.from({ length: n * 2 }, (_, i) => (i % 2 === 0 ? z[(i >> 1) * d] : z[(i >> 1) * d + 3] - z[(i >> 1) * d + 4]));
  const fitted = await fitSpecialists({ data: z, shape: [n, d] }, { data: y, shape: [n, 2] }, { epochs: 12, encoderWidths: [8], headWidth: 8, lambda: 1 });
  return fitted.withEncoder('0123456789abcdef'.repeat(4));
}

export async function headsTarget(): Promise<FuzzTarget> {
  const model = await smallModel();
  const bytes = model.serialise();
  const headerEnd = 8 + Number(new DataView(bytes.buffer).getBigUint64(0, true));
  return {
    name: 'heads',
    codes: ['INVALID_FILE'],
    seeds: [{ bytes, header: [8, headerEnd] }],
    read(mutated) {
      const loaded = Specialists.deserialise(mutated);
      if (!isDeepStrictEqual(loaded.state, model.state)) throw new FuzzFinding('accepted a heads file whose content differs from what was saved');
    },
  };
}

/**
 * Exported ONNX heads, sealed with their checksum (io/onnx-seal.ts), through Generalist.load: a
 * mutant whose bytes differ from the head exported must be refused, whatever it changed. Half of
 * the mutations go to the seal's marker (the first field) or to the seal itself (the last).
 */
export async function onnxSealTarget(): Promise<FuzzTarget> {
  for (const ort of [await loadOrtNode(), await loadOrtWeb()]) if (ort) ort.env.logLevel = 'fatal';
  const model = await smallModel();
  const heads = [0, 1].map((task) => exportSpecialistOnnx(model, task, { encoderSha256: model.encoderSha256 }));
  const seeds = heads.flatMap((bytes): SeedFile[] => [
    { bytes, header: [0, 64] },
    { bytes, header: [bytes.length - SEAL_LENGTH, bytes.length] },
  ]);
  const notes = { 'accepted unchanged': 0, 'accepted with both seal keys destroyed (indistinguishable from a model without a seal)': 0 };
  const mentions = (bytes: Uint8Array, key: string) => Buffer.from(bytes).includes(key);
  return {
    name: 'onnx-seal',
    codes: ['INVALID_FILE'],
    seeds,
    notes,
    async read(bytes) {
      const encoder = await Generalist.load(bytes);
      await encoder.dispose();
      if (heads.some((head) => head.length === bytes.length && head.every((b, i) => b === bytes[i]))) notes['accepted unchanged']++;
      else if (mentions(bytes, SEAL_MARKER_KEY) || mentions(bytes, SEAL_KEY)) throw new FuzzFinding('accepted a changed head that still names its seal');
      else notes['accepted with both seal keys destroyed (indistinguishable from a model without a seal)']++;
    },
  };
}
