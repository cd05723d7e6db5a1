// The sharded pipeline, engine-neutral: a shard encodes its episodes (optional encoder),
// accumulates the round's statistics and keeps a seeded sample of episodes for Layer 2; the
// coordinator merges each round, broadcasts what the next round needs, decides Layer 1 from the
// merged statistics, fits Layer 2 on the merged sample and hands back the heads file. The engines
// (engines/bullmq.node.ts, examples/fleet's Durable Object) only move these bytes.
import { SpecialistError } from '../core/errors.ts';
import type { Tensor } from '../core/tensor.ts';
import { Generalist } from '../generalist/generalist.ts';
import { kernelsFor, type KernelRuntime } from '../kernels/runtime.ts';
import { fitHeads } from '../pipeline/fit-inputs.ts';
import type { PipelineOptions } from '../pipeline/pipeline.ts';
import type { StructureResult } from '../structure/decide.ts';
import { StatisticsAccumulator } from './accumulator.ts';
import { decideFromStatistics, mergeStatistics, nextRound, type DecideOptions } from './rounds.ts';
import { emptySample, encodeSample, decodeSample, mergeSamples, offerEpisodes, type EpisodeSample } from './sample.ts';
import { resolveShardSettings, type ShardSettings } from './settings.ts';
import { decodeBroadcast, decodeStatistics, encodeBroadcast, encodeStatistics } from './wire.ts';

export interface ShardWork {
  settings: ShardSettings;
  shardId: string;
  /** [n, T, d] latents, or with `encoder` the observations [n, T, ...obs] to encode first. */
  states: Tensor;
  /** [n, M, dg] task variables. */
  tasks: Tensor;
  /** ONNX bytes of the generalist encoder; absent when `states` are latents already. */
  encoder?: Uint8Array;
  /** Round 2 (RCoT): the coordinator's broadcast file. */
  broadcast?: Uint8Array;
  /** Keep a sample of this many episodes for Layer 2 (round 1 only; server shards only). Default 0. */
  sampleSize?: number;
  /** Seed of the sample's priorities. Default 0. */
  sampleSeed?: number;
}

export interface ShardOutput {
  /** The statistics file of the round. */
  statistics: Uint8Array;
  /** The sample file (round 1 with sampleSize > 0), else null. */
  sample: Uint8Array | null;
}

/** One shard's part of a round. */
export async function runShard(work: ShardWork, call: { kernels?: KernelRuntime; signal?: AbortSignal } = {}): Promise<ShardOutput> {
  const s = resolveShardSettings(work.settings);
  let states = work.states;
  let encoderSha256 = '';
  if (work.encoder) {
    const generalist = await Generalist.load(work.encoder);
    encoderSha256 = generalist.modelSha256;
    try {
      const latents = await generalist.encode(work.states as Tensor<Float32Array>, { signal: call.signal });
      states = { data: latents.data, shape: [work.states.shape[0], work.states.shape[1], latents.shape[latents.shape.length - 1]] };
    } finally {
      await generalist.dispose();
    }
  }
  const broadcast = work.broadcast ? decodeBroadcast(work.broadcast, work.settings) : undefined;
  const acc = await StatisticsAccumulator.create(work.settings, { shardId: work.shardId, broadcast, kernels: call.kernels });
  acc.add(states, work.tasks);
  let sample: Uint8Array | null = null;
  if (!broadcast && (work.sampleSize ?? 0) > 0) {
    const empty = emptySample(work.sampleSize as number, work.sampleSeed ?? 0, s, encoderSha256);
    const f32 = (t: Tensor) => ({ data: Float32Array.from(t.data), shape: t.shape });
    sample = encodeSample(offerEpisodes(empty, work.shardId, 0, f32(states), f32(work.tasks)));
  }
  return { statistics: encodeStatistics(acc.statistics()), sample };
}

/** The coordinator's answer to a round: a broadcast for the next round, or the merged rounds to decide. */
export function mergeRound(files: readonly Uint8Array[]): { merged: Uint8Array; broadcast: Uint8Array | null } {
  const merged = mergeStatistics(files.map((f, j) => decodeStatistics(f, `statistics file ${j}`)));
  const next = nextRound(merged);
  return { merged: encodeStatistics(merged), broadcast: next ? encodeBroadcast(next) : null };
}

export interface CoordinatorOptions extends Pick<PipelineOptions, 'specialists' | 'maxTrainingRows' | 'seed'> {
  /** alpha, correction, rule of Layer 1's decision. */
  decide?: DecideOptions;
}

export interface ShardedResult {
  structure: StructureResult;
  /** The heads file (Specialists.serialise()), null without a sample or when no task has a step. */
  heads: Uint8Array | null;
  fittedTasks: number[];
  trainingRows: number;
  /** Episodes counted by Layer 1 and in the Layer 2 sample. */
  episodes: number;
  sampleEpisodes: number;
  warnings: string[];
}

/** Layer 1 from the merged rounds (files from mergeRound), Layer 2 on the merged sample. */
export async function finishRun(rounds: readonly Uint8Array[], samples: readonly Uint8Array[], options: CoordinatorOptions = {}, call: { kernels?: KernelRuntime; signal?: AbortSignal } = {}): Promise<ShardedResult> {
  const merged = rounds.map((f, j) => decodeStatistics(f, `merged round ${j + 1}`));
  const structure = await decideFromStatistics(merged, options.decide ?? {}, { signal: call.signal });
  const warnings = structure.warnings.map((w) => `Layer 1: ${w}`);
  let sample: EpisodeSample | null = null;
  for (const [j, bytes] of samples.entries()) {
    const part = decodeSample(bytes, `sample file ${j}`);
    sample = sample ? mergeSamples(sample, part) : part;
  }
  if (!sample || sample.priorities.length === 0) {
    return { structure, heads: null, fittedTasks: [], trainingRows: 0, episodes: merged[0].episodes, sampleEpisodes: 0, warnings: [...warnings, 'no sample of episodes: Layer 2 was not fitted'] };
  }
  if (sample.states.shape[1] !== merged[0].settings.steps) throw new SpecialistError('INVALID_ARGUMENT', 'the sample does not hold episodes of these settings', { reason: 'settings-mismatch' });
  const kernels = await kernelsFor(call);
  // Sealed with the shards' encoder, as runPipeline seals its heads: a runtime refuses them on another encoder.
  const fitted = await fitHeads({ latents: sample.states, tasks: sample.tasks }, structure, options, { kernels, signal: call.signal, encoderSha256: sample.encoderSha256 || undefined });
  return {
    structure,
    heads: fitted.specialists?.serialise() ?? null,
    fittedTasks: fitted.fittedTasks,
    trainingRows: fitted.trainingRows,
    episodes: merged[0].episodes,
    sampleEpisodes: sample.priorities.length,
    warnings: [...warnings, ...fitted.warnings],
  };
}
