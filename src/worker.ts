// Worker entry for browsers (dist/worker.js, also `specialist-sdk/worker`): a module Worker serving
// every job of jobs.ts. Started by WorkerPool with the literal `new Worker(new URL('./worker.js',
// import.meta.url), ...)` that bundlers detect (worker/endpoint.ts).
import type { Endpoint } from 'comlink';
import { JOBS } from './jobs.ts';
import { serveJobs } from './worker/serve.ts';

serveJobs(JOBS, self as unknown as Endpoint);
