// Every job of the SDK, in one list, served by both worker entries (worker.ts for browsers,
// worker.node.ts for Node). A new job is written beside its domain (a JobHandler and its typed
// client) and added here.
import { ciBatchJob } from './structure/ci-batch-job.ts';
import { fitJob } from './specialist/job.ts';
import { fitShardJob } from './specialist/parallel.ts';
import { pipelineJob } from './pipeline/job.ts';
import { kernelJob } from './worker/kernel-job.ts';
import { deployDisposeJob, deployLoadJob, deployRunJob } from './deploy/job.ts';
import type { JobHandler } from './worker/job.ts';

export const JOBS: readonly JobHandler<never, unknown>[] = [kernelJob, ciBatchJob, fitJob, fitShardJob, pipelineJob, deployLoadJob, deployRunJob, deployDisposeJob];
