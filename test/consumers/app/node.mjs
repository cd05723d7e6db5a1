// The same scenario in Node from the installed package (its node entry and worker_threads); prints JSON.
import { WorkerPool, runPipelineInWorker } from 'specialist-sdk';
import { WorkerSpecialistRuntime } from 'specialist-sdk/deploy';
import { generalistWorld } from 'specialist-sdk/lab';
import { runScenario } from './scenario.js';

console.log(JSON.stringify(await runScenario({ WorkerPool, runPipelineInWorker, generalistWorld, WorkerSpecialistRuntime })));
