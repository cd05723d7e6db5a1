// npm run bench:encoder: generalist encoder throughput (steps per second) through Generalist.encode,
// onnxruntime-web's wasm backend against onnxruntime-node (when installed) in the same run, on
//   - the embedded default world's encoder (D = 9 -> 9, four small dense layers: mostly per-call cost)
//   - a wider synthetic encoder, 64 -> 256 -> 256 -> 64 (so the number is not all overhead)
// at the default batch size (256 rows per session run) and at 4096. Medians of several runs;
// ratios are what to read on a shared machine. BENCH_RUNS (default 9) sets the runs. The best run
// is reported beside the median: on a busy 2-core machine onnxruntime-node's two intra-op threads
// wait for each other whenever one is descheduled, which makes its samples bimodal.
import { wideEncoder } from './wide-encoder.ts';
import { Generalist, type GeneralistDevice } from '../src/generalist/generalist.ts';
import { loadOrtNode, loadOrtWeb } from '../src/generalist/ort.ts';
import { machine, time, writeResult, type Timing } from './util.ts';
import { runPipeline } from '../src/pipeline/pipeline.ts';
import { createRng, generalistWorld } from 'specialist-sdk/lab';

const runs = Number(process.env.BENCH_RUNS ?? 9);
const native = await loadOrtNode();

interface Row {
  model: string;
  backend: string;
  batchSize: number;
  steps: number;
  timing: Timing;
  stepsPerSecond: number;
  /** From the fastest run. */
  bestStepsPerSecond: number;
  /** This row's throughput over onnxruntime-web's at the same model and batch size. */
  speedupOverWeb: number;
}

interface Workload {
  model: string;
  bytes: Uint8Array;
  data: Float32Array;
  shape: number[];
}

const world = generalistWorld();
const wide = wideEncoder();
const rng = createRng(2027);
const wideRows = 16384;
const workloads: Workload[] = [
  { model: `default world encoder (${world.params.latentDims} -> ${world.params.latentDims})`, bytes: world.encoderOnnx, data: world.observations, shape: world.shapes.observations },
  { model: `wide encoder (${wide.inputDim} -> 256 -> 256 -> ${wide.outputDim})`, bytes: wide.model, data: Float32Array.from({ length: wideRows * wide.inputDim }, () => rng.normal()), shape: [wideRows, wide.inputDim] },
];
// 'wasm' is always onnxruntime-web in Node; 'auto' is onnxruntime-node when it is installed.
const backends: { name: string; device: GeneralistDevice }[] = [{ name: 'onnxruntime-web (wasm)', device: 'wasm' }];
if (native) backends.push({ name: 'onnxruntime-node (cpu)', device: 'auto' });

const rows: Row[] = [];
for (const w of workloads) {
  const steps = w.shape.slice(0, -1).reduce((a, b) => a * b, 1);
  for (const batchSize of [256, 4096]) {
    let webRate = 0;
    for (const b of backends) {
      const g = await Generalist.load(w.bytes, { device: b.device, batchSize });
      const timing = await time(() => g.encode({ data: w.data, shape: w.shape }), runs, 2);
      await g.dispose();
      const stepsPerSecond = steps / (timing.medianMs / 1000);
      if (b.device === 'wasm') webRate = stepsPerSecond;
      const bestStepsPerSecond = steps / (timing.minMs / 1000);
      rows.push({ model: w.model, backend: g.device.backend, batchSize, steps, timing, stepsPerSecond, bestStepsPerSecond, speedupOverWeb: stepsPerSecond / webRate });
      console.error(`${w.model.padEnd(40)} ${b.name.padEnd(24)} batch ${String(batchSize).padStart(5)}  ${timing.medianMs.toFixed(1).padStart(8)} ms  ${Math.round(stepsPerSecond).toLocaleString('en-US').padStart(12)} steps/s  x${(stepsPerSecond / webRate).toFixed(2)}  (best ${Math.round(bestStepsPerSecond).toLocaleString('en-US')})`);
    }
  }
}

// The stage breakdown of one full pipeline run on the embedded default world (demo settings).
const [pn, pT, pD] = world.shapes.observations;
const pipelineStarted = performance.now();
const pipeline = await runPipeline(
  {
    encoder: world.encoderOnnx,
    observations: { data: world.observations, shape: [pn, pT, pD] },
    tasks: { data: world.tasks, shape: world.shapes.tasks },
    stepTargets: { data: world.contributions, shape: [pn, pT, world.shapes.tasks[1], world.params.taskDim] },
  },
  { structure: { segmentLength: world.params.segmentLength } },
);
const pipelineStages = {
  episodes: pn,
  steps: pT,
  device: pipeline.device,
  trainingRows: pipeline.trainingRows,
  encodeMs: pipeline.timings.encodeMs,
  structureMs: pipeline.timings.structureMs,
  specialistsMs: pipeline.timings.specialistsMs,
  totalMs: performance.now() - pipelineStarted,
};
console.error(`
pipeline on the default world (${pn} x ${pT} steps): encode ${pipelineStages.encodeMs.toFixed(0)} ms, structure ${pipelineStages.structureMs.toFixed(0)} ms, specialists ${pipelineStages.specialistsMs.toFixed(0)} ms, total ${pipelineStages.totalMs.toFixed(0)} ms`);

const web = await loadOrtWeb();
const result = {
  benchmark: 'encoder',
  date: new Date().toISOString(),
  machine: machine(),
  runs,
  versions: { 'onnxruntime-web': web.env.versions, 'onnxruntime-node': native ? native.env.versions : 'not installed' },
  threads: { 'onnxruntime-web': web.env.wasm.numThreads ?? "onnxruntime's default", 'onnxruntime-node': native ? 'intra-op default (all cores)' : null },
  results: rows,
  pipelineStages,
};
console.log(JSON.stringify(result, null, 2));
console.error(`\nwritten to ${writeResult('encoder', result)}`);
