// A worker script for tests: the SDK's Node worker plus one job, 'crash', that ends the worker
// thread the way a crash would (exit code 3), so tests can see what a dying worker does to the
// runtimes it held.
import { parentPort } from 'node:worker_threads';
import nodeEndpoint from 'comlink/dist/esm/node-adapter.mjs';
import { JOBS } from '../../src/jobs.ts';
import { useNodeServices } from '../../src/node/services.ts';
import type { JobHandler } from '../../src/worker/job.ts';
import { serveJobs } from '../../src/worker/serve.ts';

const crashJob: JobHandler<unknown, never> = {
  kind: 'crash',
  run: () => {
    setTimeout(() => process.exit(3), 0); // in a worker thread, ends the thread only
    return new Promise<never>(() => {});
  },
};

useNodeServices();
serveJobs([...JOBS, crashJob as JobHandler<never, unknown>], nodeEndpoint(parentPort!));
