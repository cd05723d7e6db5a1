// Worker entry (dist/worker.js): serves every job of the SDK, from this one list. A new job is
// written beside its domain (a JobHandler and its typed client) and added here.
import { ciBatchJob } from './structure/ci-batch-job.ts';
import { fitJob } from './specialist/job.ts';
import { pipelineJob } from './pipeline/job.ts';
import { kernelJob } from './worker/kernel-job.ts';
import { serveJobs } from './worker/serve.ts';

await serveJobs([kernelJob, ciBatchJob, fitJob, pipelineJob]);
