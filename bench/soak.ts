// `npm run soak`: a deployment runtime (ONNX encoder + heads) on a stream of observations:
// single observations, with a batch of 32 every 10th call, tasks in turn, every other call with the
// stream's one long-lived AbortSignal (as a live app passes it). `--worker` soaks
// WorkerSpecialistRuntime (a worker of its own), else SpecialistRuntime in this thread. It runs for
// `--seconds` (default 120) or, with `--calls N`, until N calls. Reports latency percentiles per call
// kind, the load average, memory over time (sampled after a forced GC) and the abort listeners left
// on the stream's signal, and judges the memory flat when, after the first 10% (warm-up), the fitted
// trend of the retained heap grows by less than 1 MB and RSS by less than 16 MB over the run. JSON
// in bench/results/soak-*.json. `--retain` keeps every output (a deliberate leak): the judge must fail.
import { getEventListeners } from 'node:events';
import { loadavg } from 'node:os';
import { SpecialistRuntime } from '../src/deploy/specialist-runtime.ts';
import { WorkerSpecialistRuntime } from '../src/deploy/worker-runtime.ts';
import { Generalist } from '../src/generalist/generalist.ts';
import { fitSpecialists } from '../src/specialist/fit.ts';
import { machine, writeResult } from './util.ts';
import { generalistWorld } from 'specialist-sdk/lab';


const HEAP_LIMIT_MB = 1;
const RSS_LIMIT_MB = 16;

function argument(name: string, fallback: string): string {
  const at = process.argv.indexOf(`--${name}`);
  return at >= 0 ? process.argv[at + 1] : fallback;
}

const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error('run with --expose-gc (npm run soak does)');

const worker = process.argv.includes('--worker');
const maxCalls = Number(argument('calls', 'Infinity'));
const seconds = Number(argument('seconds', Number.isFinite(maxCalls) ? '3600' : '120'));
/** Self-check of the judge: `--retain` keeps every output alive, a leak the soak must report. */
const retain = process.argv.includes('--retain');
const retained: unknown[] = [];
const device = argument('device', 'auto') as 'auto' | 'wasm';

// A world with a real ONNX encoder; heads fitted on its latents, recorded against that encoder.
const world = generalistWorld({ episodes: 400, steps: 12, seed: 3 });
const D = world.params.latentDims, T = 12, M = world.params.blockSizes.length, dg = world.params.taskDim;
const rows = 400 * T;
const encoder = await Generalist.load(world.encoderOnnx, { device });
const latents = await encoder.encode({ data: world.observations, shape: [rows, D] });
await encoder.dispose();
const targets = new Float32Array(rows * M * dg);
for (let e = 0; e < 400; e++) for (let t = 0; t < T; t++) targets.set(world.tasks.subarray(e * M * dg, (e + 1) * M * dg), (e * T + t) * M * dg);
const heads = await fitSpecialists({ data: latents.data, shape: [rows, D] }, { data: targets, shape: [rows, M, dg] }, { epochs: 8, seed: 1 });
const headsBytes = heads.withEncoder(encoder.modelSha256).serialise();
const runtime = worker
  ? await WorkerSpecialistRuntime.load(world.encoderOnnx, headsBytes, { generalist: { device } })
  : await SpecialistRuntime.load(world.encoderOnnx, headsBytes, { generalist: { device } });
/** The stream's signal: one for the whole run, as an app that can stop its stream passes it to every call. */
const stream = new AbortController();

interface Sample {
  call: number;
  seconds: number;
  rssMB: number;
  heapUsedMB: number;
  externalMB: number;
  arrayBuffersMB: number;
  loadAverage1m: number;
}
const mb = (bytes: number) => Math.round((bytes / 2 ** 20) * 100) / 100;
function sample(call: number, started: number): Sample {
  gc!();
  const m = process.memoryUsage();
  return { call, seconds: Math.round((performance.now() - started) / 10) / 100, rssMB: mb(m.rss), heapUsedMB: mb(m.heapUsed), externalMB: mb(m.external), arrayBuffersMB: mb(m.arrayBuffers), loadAverage1m: loadavg()[0] };
}

// Latencies go into buffers allocated up front, so recording them does not grow the heap we watch.
const CAPACITY = 4_000_000;
const single = { ms: new Float64Array(CAPACITY), count: 0 };
const batch = { ms: new Float64Array(CAPACITY / 10), count: 0 };
const samples: Sample[] = [];
const started = performance.now();
// About 200 samples: by time, or with --calls every calls/200 calls.
const sampleEveryMs = Math.max(250, (seconds * 1000) / 200);
const sampleEveryCalls = Number.isFinite(maxCalls) ? Math.max(1, Math.floor(maxCalls / 200)) : Infinity;
let nextSample = 0;
let call = 0;
while (performance.now() - started < seconds * 1000 && call < maxCalls && single.count < CAPACITY) {
  if (Number.isFinite(maxCalls) ? call % sampleEveryCalls === 0 : performance.now() - started >= nextSample) {
    samples.push(sample(call, started));
    nextSample += sampleEveryMs;
  }
  const isBatch = call % 10 === 9;
  const count = isBatch ? 32 : 1;
  const first = (call * 7) % (rows - count);
  const obs = world.observations.subarray(first * D, (first + count) * D);
  const t0 = performance.now();
  const out = await runtime.run(isBatch ? { data: obs, shape: [count, D] } : { data: obs, shape: [D] }, call % M, call % 2 ? { signal: stream.signal } : {});
  const record = isBatch ? batch : single;
  record.ms[record.count++] = performance.now() - t0;
  if (retain) retained.push(out);
  if (out.prediction.shape[0] !== count) throw new Error(`expected ${count} rows, got ${out.prediction.shape[0]}`);
  call++;
}
samples.push(sample(call, started));
const elapsedSeconds = (performance.now() - started) / 1000;
/** Abort listeners left on the stream's signal (one per call before the pool removed them). */
const abortListeners = getEventListeners(stream.signal, 'abort').length;
await runtime.dispose();

function percentiles({ ms, count }: { ms: Float64Array; count: number }) {
  const sorted = ms.slice(0, count).sort();
  const at = (q: number) => Math.round(sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] * 1000) / 1000;
  return { calls: count, p50Ms: at(0.5), p90Ms: at(0.9), p99Ms: at(0.99), p999Ms: at(0.999), maxMs: at(1) };
}

/** Least-squares growth of `key` over the samples after warm-up, in MB over that span. */
function growth(key: 'rssMB' | 'heapUsedMB' | 'externalMB' | 'arrayBuffersMB'): number {
  const kept = samples.slice(Math.floor(samples.length / 10));
  const xs = kept.map((s) => s.seconds), ys = kept.map((s) => s[key]);
  const mx = xs.reduce((a, b) => a + b, 0) / xs.length, my = ys.reduce((a, b) => a + b, 0) / ys.length;
  const slope = xs.reduce((s, x, i) => s + (x - mx) * (ys[i] - my), 0) / xs.reduce((s, x) => s + (x - mx) ** 2, 0);
  return Math.round(slope * (xs[xs.length - 1] - xs[0]) * 100) / 100;
}

const loads = samples.map((s) => s.loadAverage1m).sort((a, b) => a - b);
const memory = { heapGrowthMB: growth('heapUsedMB'), rssGrowthMB: growth('rssMB'), externalGrowthMB: growth('externalMB'), arrayBuffersGrowthMB: growth('arrayBuffersMB') };
const flat = memory.heapGrowthMB < HEAP_LIMIT_MB && memory.rssGrowthMB < RSS_LIMIT_MB && abortListeners === 0;
const result = {
  machine: machine(),
  config: { runtime: worker ? 'WorkerSpecialistRuntime' : 'SpecialistRuntime', seconds, maxCalls, retain, device: runtime instanceof SpecialistRuntime ? runtime.generalist.device : runtime.device, latentDims: D, tasks: M, batchEvery: 10, batchSize: 32, signalEvery: 2, limits: { heapMB: HEAP_LIMIT_MB, rssMB: RSS_LIMIT_MB } },
  calls: call,
  elapsedSeconds: Math.round(elapsedSeconds),
  callsPerSecond: Math.round(call / elapsedSeconds),
  loadAverage1m: { min: loads[0], median: loads[loads.length >> 1], max: loads[loads.length - 1] },
  abortListeners,
  latency: { single: percentiles(single), batch32: percentiles(batch) },
  memory: { ...memory, first: samples[Math.floor(samples.length / 10)], last: samples[samples.length - 1], flat },
  samples,
};
const file = writeResult('soak', result);
console.log(JSON.stringify({ runtime: result.config.runtime, calls: result.calls, elapsedSeconds: result.elapsedSeconds, callsPerSecond: result.callsPerSecond, loadAverage1m: result.loadAverage1m, abortListeners, latency: result.latency, memory: result.memory }, null, 2));
console.log(`${flat ? 'memory flat' : 'MEMORY GROWS'}; results in ${file}`);
process.exitCode = flat ? 0 : 1;
