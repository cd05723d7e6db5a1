// The page's code: the SDK imported by its package name, the pipeline in the SDK's worker; the
// summary (or the error) lands in window.__result for the test to read.
import './configure.js';
import { WorkerPool, runPipelineInWorker } from 'specialist-sdk';
import { WorkerSpecialistRuntime } from 'specialist-sdk/deploy';
import { generalistWorld } from 'specialist-sdk/lab';
import { runScenario } from './scenario.js';

runScenario({ WorkerPool, runPipelineInWorker, generalistWorld, WorkerSpecialistRuntime }).then(
  (summary) => (window.__result = summary),
  (error) => (window.__result = { error: `${error?.code ?? error?.name}: ${error?.message}` }),
);
