// Bad inputs to the computing calls: Layer 2 (fit, transform), Layer 1, the pipeline, the pool,
// the deployment runtimes (in-thread and in a worker), kernels, and sizes no array can hold.
import { join } from 'node:path';
import { SpecialistRuntime } from '../../src/deploy/specialist-runtime.ts';
import { WorkerSpecialistRuntime } from '../../src/deploy/worker-runtime.ts';
import { KernelRuntime } from '../../src/kernels/runtime.ts';
import { runKernel } from '../../src/kernels/registry.ts';
import { runPipeline } from '../../src/pipeline/pipeline.ts';
import { runPipelineInWorker } from '../../src/pipeline/job.ts';
import { fitSpecialists } from '../../src/specialist/fit.ts';
import { discoverTaskStructure } from '../../src/structure/discover.ts';
import { generalistWorld } from '../../src/synthetic/generalist-world.ts';
import { linearColliderWorld } from '../../src/synthetic/structure-worlds.ts';
import { WorkerPool } from '../../src/worker/pool.ts';
import type { Case } from './context.ts';

const FIT = 'Layer 2: fit, transform, predict';
const L1 = 'Layer 1: discoverTaskStructure';
const RUN = 'Pipeline, pool, deployment';
const SIZE = 'Sizes and kernels';

const n = 100;
const noise = (count: number, seed: number) => {
  let s = seed;
  return Float32Array.from({ length: count }, () => ((s = (s * 1103515245 + 12345) >>> 0) / 2 ** 32) * 2 - 1);
};
const latents = () => ({ data: noise(n * 4, 1), shape: [n, 4] });
const targets = () => ({ data: noise(n, 2), shape: [n, 1] });
const quick = { epochs: 1 };

const world = () => linearColliderWorld({ episodes: 120, steps: 6, tasks: 2, seed: 4 });
const structureArgs = () => {
  const w = world();
  return [{ data: w.states, shape: w.shapes.states }, { data: w.tasks, shape: w.shapes.tasks }] as const;
};

/** A tiny pipeline input: 30 episodes x 4 steps of the generalist world. */
function pipelineInput() {
  const w = generalistWorld({ episodes: 30, steps: 4 });
  return { encoder: w.encoderOnnx, observations: { data: w.observations, shape: [30, 4, w.params.latentDims] }, tasks: { data: w.tasks, shape: [30, 3, w.params.taskDim] } };
}

async function withPool<T>(use: (pool: WorkerPool) => Promise<T>): Promise<T> {
  const pool = await WorkerPool.create({ size: 1 });
  try {
    return await use(pool);
  } finally {
    await pool.close();
  }
}

export const callCases: Case[] = [
  { area: FIT, input: 'constant latents', entry: 'fitSpecialists', expect: 'INVALID_ARGUMENT', run: () => fitSpecialists({ data: new Float32Array(n * 4).fill(3), shape: [n, 4] }, targets(), quick) },
  { area: FIT, input: 'a task whose targets are constant', entry: 'fitSpecialists', expect: 'INVALID_ARGUMENT', run: () => fitSpecialists(latents(), { data: new Float32Array(n).fill(1), shape: [n, 1] }, quick) },
  { area: FIT, input: 'NaN in the latents', entry: 'fitSpecialists', expect: 'NON_FINITE', run: () => { const z = latents(); z.data[7] = NaN; return fitSpecialists(z, targets(), quick); } },
  { area: FIT, input: 'float64 latents with a large offset (x + 1e9)', entry: 'fitSpecialists', expect: 'INVALID_ARGUMENT', run: () => fitSpecialists({ data: Float64Array.from(noise(n * 4, 3), (v) => v + 1e9), shape: [n, 4] }, targets(), quick) },
  { area: FIT, input: 'fewer than 20 rows', entry: 'fitSpecialists', expect: 'SHAPE_MISMATCH', run: () => fitSpecialists({ data: noise(40, 1), shape: [10, 4] }, { data: noise(10, 2), shape: [10, 1] }, quick) },
  { area: FIT, input: 'targets with other rows than the latents', entry: 'CLI fit --targets', expect: 'SHAPE_MISMATCH', run: (c) => c.cli('fit', '--latents', c.files.latents, '--targets', c.files.states, '--out', join(c.dir, 'm4.specialist')) },
  { area: FIT, input: 'membership holding 2', entry: 'fitSpecialists', expect: 'INVALID_ARGUMENT', run: () => fitSpecialists(latents(), targets(), quick, { membership: { data: new Float32Array(n).fill(2), shape: [n, 1] } }) },
  { area: FIT, input: 'epochs 0', entry: 'fitSpecialists', expect: 'INVALID_ARGUMENT', run: () => fitSpecialists(latents(), targets(), { epochs: 0 }) },
  { area: FIT, input: 'epochs 1e9', entry: 'CLI fit --epochs', expect: 'INVALID_ARGUMENT', run: (c) => c.cli('fit', '--latents', c.files.latents, '--targets', c.files.targets, '--epochs', '1e9', '--out', join(c.dir, 'm5.specialist')) },
  { area: FIT, input: 'unknown option (typo latentDim)', entry: 'fitSpecialists', expect: 'INVALID_ARGUMENT', run: () => fitSpecialists(latents(), targets(), { latentDim: 3 } as never) },
  { area: FIT, input: 'kernels: {} (not a KernelRuntime)', entry: 'fitSpecialists', expect: 'INVALID_ARGUMENT', run: () => fitSpecialists(latents(), targets(), quick, { kernels: {} as never }) },
  { area: FIT, input: 'onProgress that throws', entry: 'fitSpecialists', expect: 'CALLBACK_FAILED', run: () => fitSpecialists(latents(), targets(), quick, { onProgress: () => { throw new Error('boom'); } }) },
  { area: FIT, input: 'signal already aborted', entry: 'fitSpecialists', expect: 'ABORTED', run: () => fitSpecialists(latents(), targets(), quick, { signal: AbortSignal.abort('stop') }) },
  { area: FIT, input: 'latents of another width', entry: 'Specialists.transform', expect: 'SHAPE_MISMATCH', run: async (c) => c.model.transform({ data: noise(20, 1), shape: [4, 5] }) },
  { area: FIT, input: 'task index out of range', entry: 'Specialists.predict', expect: 'INVALID_ARGUMENT', run: async (c) => c.model.predict({ data: noise(24, 1), shape: [4, 6] }, 2) },
  { area: FIT, input: 'latents far outside the fitted range (3e38)', entry: 'Specialists.transform', expect: 'NON_FINITE', run: async (c) => c.model.transform({ data: new Float32Array(12).fill(3e38), shape: [2, 6] }) },
  { area: L1, input: 'one episode', entry: 'discoverTaskStructure', expect: 'INVALID_ARGUMENT', run: () => discoverTaskStructure({ data: noise(6, 1), shape: [1, 6] }, { data: noise(1, 2), shape: [1, 1] }, { segmentLength: 2 }) },
  { area: L1, input: 'steps not a multiple of the segment length', entry: 'CLI structure', expect: 'INVALID_ARGUMENT', run: (c) => c.cli('structure', '--states', c.files.states, '--tasks', c.files.tasks, '--segment-length', '4') },
  { area: L1, input: '--knn with --test rcot (an option of cmiknn only)', entry: 'CLI structure', expect: 'INVALID_ARGUMENT', run: (c) => c.cli('structure', '--states', c.files.states, '--tasks', c.files.tasks, '--segment-length', '2', '--test', 'rcot', '--knn', '5') },
  { area: L1, input: '--seed 1e-400 (read as 0 before)', entry: 'CLI structure', expect: 'INVALID_ARGUMENT', run: (c) => c.cli('structure', '--states', c.files.states, '--tasks', c.files.tasks, '--segment-length', '2', '--seed', '1e-400') },
  { area: L1, input: 'a constant column', entry: 'discoverTaskStructure', expect: 'INVALID_ARGUMENT', run: () => { const [s, t] = structureArgs(); const data = s.data.slice(); for (let e = 0; e < 120; e++) data[e * 6 + 2] = 1; return discoverTaskStructure({ data, shape: s.shape }, t, { segmentLength: 2 }); } },
  { area: L1, input: 'tasks with other episodes than the states', entry: 'discoverTaskStructure', expect: 'SHAPE_MISMATCH', run: () => { const [s] = structureArgs(); return discoverTaskStructure(s, { data: noise(20, 1), shape: [10, 2] }, { segmentLength: 2 }); } },
  { area: L1, input: 'runtime: {} in the options (the old name)', entry: 'discoverTaskStructure', expect: 'INVALID_ARGUMENT', run: () => { const [s, t] = structureArgs(); return discoverTaskStructure(s, t, { segmentLength: 2, runtime: {} } as never); } },
  { area: L1, input: 'a CiTest object in options.test with a pool', entry: 'discoverTaskStructure', expect: 'INVALID_ARGUMENT', run: () => withPool((pool) => { const [s, t] = structureArgs(); return discoverTaskStructure(s, t, { segmentLength: 2, test: { name: 'mine', prepare: () => ({}) } } as never, { pool }); }) },
  {
    area: L1, input: 'your own CiTest object with a pool', entry: 'discoverTaskStructure', expect: 'ok', note: 'it runs in this thread (a function cannot cross to a worker); the pool serves built-in tests',
    run: () => withPool(async (pool) => {
      const [s, t] = structureArgs();
      let calls = 0;
      const ciTest = { name: 'always-independent', prepare: () => ({ test: () => (calls++, { statistic: 0, pValue: 0.9 }) }) };
      const result = await discoverTaskStructure(s, t, { segmentLength: 2 }, { pool, ciTest });
      if (calls === 0 || result.relation.flat().some((v) => v !== 0)) throw new Error(`the test ran ${calls} times here; relation ${result.relation}`);
    }),
  },
  { area: L1, input: 'alpha 1.5', entry: 'discoverTaskStructure', expect: 'INVALID_ARGUMENT', run: () => { const [s, t] = structureArgs(); return discoverTaskStructure(s, t, { segmentLength: 2, alpha: 1.5 }); } },
  { area: RUN, input: 'pipeline options {} (no structure options)', entry: 'runPipelineInWorker', expect: 'INVALID_ARGUMENT', run: () => withPool((pool) => runPipelineInWorker(pipelineInput(), {} as never, { pool })) },
  { area: RUN, input: 'pipeline input null', entry: 'runPipeline', expect: 'INVALID_ARGUMENT', run: () => runPipeline(null as never, { structure: { segmentLength: 2 } }) },
  { area: RUN, input: 'maxTrainingRows NaN', entry: 'runPipeline', expect: 'INVALID_ARGUMENT', run: () => runPipeline(pipelineInput(), { structure: { segmentLength: 2 }, maxTrainingRows: NaN }) },
  { area: RUN, input: 'a job kind no worker runs', entry: 'WorkerPool.run', expect: 'INVALID_ARGUMENT', run: () => withPool((pool) => pool.run('nope', {})) },
  { area: RUN, input: 'a payload that cannot be cloned (a function)', entry: 'WorkerPool.run', expect: 'INVALID_ARGUMENT', run: () => withPool((pool) => pool.run('kernel', { f: () => 1 })) },
  { area: RUN, input: 'pool size 1e9', entry: 'WorkerPool.create', expect: 'INVALID_ARGUMENT', run: () => WorkerPool.create({ size: 1e9 }) },
  { area: RUN, input: 'observations null', entry: 'SpecialistRuntime.run', expect: 'INVALID_ARGUMENT', run: async (c) => { const rt = await SpecialistRuntime.load(c.encoder, c.modelBytes); try { return await rt.run(null as never, 0); } finally { await rt.dispose(); } } },
  { area: RUN, input: 'observations of another width', entry: 'WorkerSpecialistRuntime.run', expect: 'SHAPE_MISMATCH', run: async (c) => { const rt = await WorkerSpecialistRuntime.load(c.encoder, c.modelBytes); try { return await rt.run({ data: new Float32Array(3 * (c.observationDims + 1)), shape: [3, c.observationDims + 1] }, 0); } finally { await rt.dispose(); } } },
  { area: RUN, input: 'a run after dispose()', entry: 'SpecialistRuntime.run', expect: 'ABORTED', run: async (c) => { const rt = await SpecialistRuntime.load(c.encoder, c.modelBytes); await rt.dispose(); await rt.dispose(); return rt.run({ data: new Float32Array(c.observationDims), shape: [c.observationDims] }, 0); } },
  { area: RUN, input: 'a run after dispose()', entry: 'WorkerSpecialistRuntime.run', expect: 'ABORTED', run: async (c) => { const rt = await WorkerSpecialistRuntime.load(c.encoder, c.modelBytes); await rt.dispose(); return rt.run({ data: new Float32Array(c.observationDims), shape: [c.observationDims] }, 0); } },
  { area: RUN, input: 'task index out of range', entry: 'CLI run --task', expect: 'INVALID_ARGUMENT', run: (c) => c.cli('run', '--encoder', c.files.encoder, '--head', c.files.model, '--input', c.files.observations, '--task', '5', '--out', join(c.dir, 'y.npy')) },
  { area: SIZE, input: '1e7 episodes', entry: 'CLI synth structure --episodes', expect: 'INVALID_ARGUMENT', run: (c) => c.cli('synth', 'structure', '--episodes', '10000000', '--out-dir', join(c.dir, 'w')) },
  { area: SIZE, input: 'a world larger than one array can hold', entry: 'linearColliderWorld', expect: 'OUT_OF_MEMORY', run: async () => linearColliderWorld({ episodes: 10_000_000, steps: 100, tasks: 2 }) },
  { area: SIZE, input: 'kernel memory above its maximum', entry: 'runKernel', expect: 'OUT_OF_MEMORY', run: async () => runKernel('pairwiseDistances', { a: { data: noise(1000 * 4, 1), rows: 1000, cols: 4 }, metric: 'max' }, { kernels: await KernelRuntime.create({ memory: { maximumBytes: 1 << 20 } }) }) },
  { area: SIZE, input: 'a kernel build that does not exist', entry: 'KernelRuntime.create', expect: 'INVALID_ARGUMENT', run: () => KernelRuntime.create({ build: 'avx512' as never }) },
];
