// Worker entry for Node (dist/worker.node.js): a worker_threads thread serving every job of
// jobs.ts, with Node's services (files, onnxruntime-node when installed).
import { parentPort } from 'node:worker_threads';
import nodeEndpoint from 'comlink/dist/esm/node-adapter.mjs';
import { SpecialistError } from './core/errors.ts';
import { JOBS } from './jobs.ts';
import { useNodeServices } from './node/services.ts';
import { serveJobs } from './worker/serve.ts';

if (!parentPort) throw new SpecialistError('WORKER_FAILED', 'worker.node.js runs only as a worker thread (WorkerPool starts it)');
useNodeServices();
serveJobs(JOBS, nodeEndpoint(parentPort));
