// The sharded Layer 1 (docs/scale.md): statistics gathered where the episodes are, merged exactly,
// decided by the pooled run's code. No encoder, no Node built-in: it runs in a page, a worker, a
// Durable Object or a server. (The BullMQ adapter, Node only, is the specialist-sdk/scale/bullmq entry.)
export { StatisticsAccumulator, deterministicKernels, type AccumulatorOptions } from './scale/accumulator.ts';
export { calibrateShards, type CalibrationOptions, type ShardTestChoice } from './scale/calibrate.ts';
export { decideFromStatistics, mergeStatistics, nextRound, type DecideOptions } from './scale/rounds.ts';
export { resolveShardSettings, settingsFingerprint, STATISTICS_FORMAT_VERSION, type ShardSettings, type ShardTest } from './scale/settings.ts';
export type { RoundBroadcast, Statistics } from './scale/statistics.ts';
export { decodeBroadcast, decodeStatistics, encodeBroadcast, encodeStatistics, MIN_EPISODES_PER_FILE, STATISTICS_FORMAT } from './scale/wire.ts';
export type { RcotCalibration } from './structure/ci/rcot/index.ts';
export { SpecialistError } from './core/errors.ts';
