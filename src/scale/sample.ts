// A seeded sample of whole episodes for Layer 2, kept by each shard and merged exactly: every
// episode gets a priority hashed from (seed, shard id, its index in the shard), and a sample is the
// `size` episodes of lowest priority (bottom-k sampling). The bottom k of a union is the bottom k of
// the parts' bottom k, so merging in any order gives the same sample, and each episode of the
// whole run is in it with the same probability. Unlike the statistics, a sample holds raw rows:
// it is for server-side shards (logs, queues), never for devices (docs/scale.md).
import { SpecialistError } from '../core/errors.ts';
import type { Tensor } from '../core/tensor.ts';
import { decodeContainer, encodeContainer } from '../io/container.ts';
import { sha256Hex } from '../io/sha256.ts';

export interface EpisodeSample {
  /** Most episodes kept. */
  size: number;
  seed: number;
  /** Generalist.modelSha256 of the encoder the latents come from ('' when the shards were given latents): the heads are sealed with it. */
  encoderSha256: string;
  /** Ascending priorities of the kept episodes, in [0, 1). */
  priorities: Float64Array;
  /** [k, T, d] latents of the kept episodes. */
  states: Tensor<Float32Array>;
  /** [k, M, dg] task variables. */
  tasks: Tensor<Float32Array>;
}

/** Uniform priority in [0, 1) of episode `index` of shard `shardId` (SHA-256, so ids may be anything). */
export function episodePriority(seed: number, shardId: string, index: number): number {
  const hex = sha256Hex(new TextEncoder().encode(`${seed}\n${shardId}\n${index}`));
  return parseInt(hex.slice(0, 13), 16) / 2 ** 52;
}

export function emptySample(size: number, seed: number, shape: { steps: number; dim: number; tasks: number; taskDim: number }, encoderSha256 = ''): EpisodeSample {
  if (!Number.isInteger(size) || size < 0 || size > 10_000_000) throw new SpecialistError('INVALID_ARGUMENT', `sample size must be an integer in [0, 10^7], got ${size}`, { argument: 'sampleSize' });
  return {
    size,
    seed,
    encoderSha256,
    priorities: new Float64Array(0),
    states: { data: new Float32Array(0), shape: [0, shape.steps, shape.dim] },
    tasks: { data: new Float32Array(0), shape: [0, shape.tasks, shape.taskDim] },
  };
}

/** The `size` lowest-priority episodes of the two samples' union (same size, seed and encoder required). */
export function mergeSamples(a: EpisodeSample, b: EpisodeSample): EpisodeSample {
  if (a.encoderSha256 !== b.encoderSha256) {
    throw new SpecialistError('INVALID_ARGUMENT', `samples of latents from different encoders cannot be merged (${a.encoderSha256.slice(0, 12) || 'none'}... and ${b.encoderSha256.slice(0, 12) || 'none'}...)`, { reason: 'encoder-mismatch' });
  }
  if (a.size !== b.size || a.seed !== b.seed || a.states.shape.slice(1).join() !== b.states.shape.slice(1).join() || a.tasks.shape.slice(1).join() !== b.tasks.shape.slice(1).join()) {
    throw new SpecialistError('INVALID_ARGUMENT', 'samples of other sizes, seeds or episode shapes cannot be merged', { reason: 'settings-mismatch' });
  }
  const order = [...[...a.priorities].map((p, i): [number, number, number] => [p, 0, i]), ...[...b.priorities].map((p, i): [number, number, number] => [p, 1, i])].sort((x, y) => x[0] - y[0]);
  const keep = order.slice(0, a.size);
  const pick = (t: Tensor<Float32Array>, u: Tensor<Float32Array>) => {
    const row = t.shape[1] * t.shape[2];
    const out = new Float32Array(keep.length * row);
    keep.forEach(([, from, i], r) => out.set((from === 0 ? t : u).data.subarray(i * row, (i + 1) * row), r * row));
    return { data: out, shape: [keep.length, t.shape[1], t.shape[2]] };
  };
  return { size: a.size, seed: a.seed, encoderSha256: a.encoderSha256, priorities: Float64Array.from(keep, (k) => k[0]), states: pick(a.states, b.states), tasks: pick(a.tasks, b.tasks) };
}

/** A shard's episodes offered to its sample (rows `first` onward of the shard, in arrival order). */
export function offerEpisodes(sample: EpisodeSample, shardId: string, first: number, states: Tensor<Float32Array>, tasks: Tensor<Float32Array>): EpisodeSample {
  const n = states.shape[0];
  const priorities = Float64Array.from({ length: n }, (_, i) => episodePriority(sample.seed, shardId, first + i));
  return mergeSamples(sample, { ...sample, priorities, states: { data: states.data, shape: [n, sample.states.shape[1], sample.states.shape[2]] }, tasks: { data: tasks.data, shape: [n, sample.tasks.shape[1], sample.tasks.shape[2]] } });
}

const SAMPLE_FORMAT = 'specialist-episode-sample';

export function encodeSample(s: EpisodeSample): Uint8Array {
  return encodeContainer(
    { format: SAMPLE_FORMAT, formatVersion: '1', size: String(s.size), seed: String(s.seed), encoderSha256: s.encoderSha256 },
    { priorities: { shape: [s.priorities.length], data: s.priorities }, states: { shape: [...s.states.shape], data: s.states.data }, tasks: { shape: [...s.tasks.shape], data: s.tasks.data } },
  );
}

export function decodeSample(bytes: Uint8Array, source = 'sample file'): EpisodeSample {
  const { metadata, tensors } = decodeContainer(bytes, source, {
    checkMetadata: (m) => {
      if (m.format !== SAMPLE_FORMAT || m.formatVersion !== '1') throw new SpecialistError('INVALID_FILE', `${source}: not a ${SAMPLE_FORMAT} file of version 1`, { reason: 'format-version' });
    },
  });
  const { priorities, states, tasks } = tensors;
  const k = priorities?.shape[0];
  if (!priorities || !states || !tasks || priorities.dtype !== 'F64' || states.dtype !== 'F32' || tasks.dtype !== 'F32' || states.shape.length !== 3 || tasks.shape.length !== 3 || states.shape[0] !== k || tasks.shape[0] !== k) {
    throw new SpecialistError('INVALID_FILE', `${source}: tensors priorities [k], states [k, T, d], tasks [k, M, dg] expected`);
  }
  const size = Number(metadata.size);
  if (!Number.isInteger(size) || k > size) throw new SpecialistError('INVALID_FILE', `${source}: holds ${k} episodes, more than its size ${metadata.size}`);
  const encoderSha256 = metadata.encoderSha256 ?? '';
  if (encoderSha256 !== '' && !/^[0-9a-f]{64}$/.test(encoderSha256)) throw new SpecialistError('INVALID_FILE', `${source}: encoderSha256 must be 64 lower-case hex digits or empty`);
  return { size, seed: Number(metadata.seed), encoderSha256, priorities: priorities.data as Float64Array, states: { data: states.data as Float32Array, shape: states.shape }, tasks: { data: tasks.data as Float32Array, shape: tasks.shape } };
}
