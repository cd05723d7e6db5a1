// The sharded pipeline on BullMQ and Redis (docs/scale.md), for Node: submit a run, start workers
// in any number of processes, wait for the result. Needs the optional peer dependency bullmq.
import { useNodeServices } from './node/services.ts';

useNodeServices();

export { startWorkers, submitShardedJob, waitForShardedJob, type BullmqEngine, type ShardedJob, type ShardedJobResult, type ShardSource, type WorkerOptions } from './scale/engines/bullmq.node.ts';
export { finishRun, mergeRound, runShard, type CoordinatorOptions, type ShardedResult, type ShardOutput, type ShardWork } from './scale/pipeline.ts';
export * from './scale.ts';
