// The same scenario in Node from the installed package (its node entry and worker_threads); prints JSON.
import { WorkerPool, generalistWorld, runPipelineInWorker } from 'specialist-sdk';
import { WorkerSpecialistRuntime } from 'specialist-sdk/deploy';
import { runScenario } from './scenario.js';

console.log(JSON.stringify(await runScenario({ WorkerPool, runPipelineInWorker, generalistWorld, WorkerSpecialistRuntime })));
