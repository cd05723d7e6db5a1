// npm run bench:load: how long loading (and running) a 64 MB encoder holds the main thread, at most
// at a time. A probe timer (every 5 ms) records the longest gap between its ticks while the call
// runs and for 50 ms after; in Chromium a PerformanceObserver also lists long tasks (> 50 ms).
// Side by side in one run:
//   - hashing the model: Web Crypto's digest (what Generalist.load uses) against the TypeScript
//     SHA-256 run synchronously (what it used before; still the fallback without Web Crypto);
//   - Generalist.load on the main thread (onnxruntime-web's wasm EP; in Node also onnxruntime-node),
//     where onnxruntime's own session creation runs synchronously on the calling thread; in
//     Chromium also with onnxruntime-web's proxy mode (env.wasm.proxy: its own worker);
//   - WorkerSpecialistRuntime.load (encoder + heads in a worker of its own; the documented way),
//     with the bytes copied, transferred, or read by the worker from a URL; and a run of 64
//     observations there against SpecialistRuntime.run on the main thread;
//   - the pipeline in a pool worker (runPipelineInWorker), bytes copied or transferred.
// Medians of BENCH_RUNS (default 3) runs; BENCH_PART=node or chromium runs one half. Needs a build
// (npm run build) and /usr/bin/chromium.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { wideEncoder } from './wide-encoder.ts';
import { machine, writeResult } from './util.ts';
import { Generalist } from '../src/generalist/generalist.ts';
import { sha256Hex, sha256HexAsync } from '../src/io/sha256.ts';
import { runPipelineInWorker } from '../src/pipeline/job.ts';
import { WorkerPool } from '../src/worker/pool.ts';
import { SpecialistRuntime } from '../src/deploy/specialist-runtime.ts';
import { WorkerSpecialistRuntime } from '../src/deploy/worker-runtime.ts';
import { fitSpecialists } from '../src/specialist/fit.ts';
import { launchChromium, openPage } from '../e2e/browser.ts';
import { serveRepository } from '../e2e/server.ts';
import { createRng } from 'specialist-sdk/lab';

const runs = Number(process.env.BENCH_RUNS ?? 3);
const WIDTHS = [64, 4096, 4096, 64]; // 2 x 4096 x 4096 float32 weights: 64 MiB
const EPISODES = 200; // Layer 1 needs n > 2 x (64 + 1) for its Fisher z tests on 64-dim latents
const STEPS = 2;
const RUN_ROWS = 64; // observations per deployed run: one batch
const ORT_URL = '/node_modules/onnxruntime-web/dist/ort.bundle.min.mjs';
const loadAtStart = loadavg();

/** What follows a call still counts (a collection of its garbage, its result arriving): 50 ms more of probe. */
const TAIL_MS = 50;

/** Runs `fn` while a 5 ms timer ticks; the longest gap between ticks (until TAIL_MS after it ends) is the longest block. */
async function longestBlock<R>(fn: () => Promise<R>): Promise<{ longestBlockMs: number; totalMs: number; result: R }> {
  let last = performance.now();
  let longest = 0;
  const timer = setInterval(() => {
    const now = performance.now();
    longest = Math.max(longest, now - last);
    last = now;
  }, 5);
  const t0 = performance.now();
  const result = await fn();
  const totalMs = Math.round(performance.now() - t0);
  await new Promise((resolve) => setTimeout(resolve, TAIL_MS));
  clearInterval(timer);
  longest = Math.max(longest, performance.now() - last);
  return { longestBlockMs: Math.round(longest), totalMs, result };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1];

/**
 * `prepare` (untimed) makes each run's argument (copies to hand over, fresh inputs); `cleanup`
 * (untimed) disposes what the run made.
 */
async function measure<T, R>(label: string, fn: (arg: T) => Promise<R>, prepare: () => T = () => undefined as T, cleanup: (result: R) => unknown = () => {}) {
  const samples = [];
  for (let i = 0; i < runs; i++) {
    const arg = prepare();
    const { result, ...sample } = await longestBlock(() => fn(arg));
    samples.push(sample);
    await cleanup(result);
  }
  const row = { label, longestBlockMs: median(samples.map((s) => s.longestBlockMs)), totalMs: median(samples.map((s) => s.totalMs)), samples };
  console.log(`${label.padEnd(66)} longest block ${String(row.longestBlockMs).padStart(5)} ms, total ${row.totalMs} ms`);
  return row;
}

const { model } = wideEncoder(1, WIDTHS);
const rng = createRng(3);
const D = WIDTHS[0];
const randn = (n: number) => Float32Array.from({ length: n }, () => rng.normal());
const observations = () => ({ data: randn(EPISODES * STEPS * D), shape: [EPISODES, STEPS, D] });
const tasks = () => ({ data: randn(EPISODES * 2), shape: [EPISODES, 2] });
const OPTIONS = { structure: { segmentLength: 2 }, specialists: { epochs: 1 }, generalist: { device: 'wasm' as const } };
// Heads for this encoder: fitted on random 64-dim latents (what they compute does not matter here),
// recorded against the encoder's hash so that loading accepts them.
const heads = (await fitSpecialists({ data: randn(400 * D), shape: [400, D] }, { data: randn(400), shape: [400, 1] }, { epochs: 1, encoderWidths: [16], headWidth: 8 }))
  .withEncoder(await sha256HexAsync(model))
  .serialise();
const batch = () => ({ data: randn(RUN_ROWS * D), shape: [RUN_ROWS, D] });
const dir = mkdtempSync(join(tmpdir(), 'bench-load-'));
writeFileSync(join(dir, 'encoder.onnx'), model);
writeFileSync(join(dir, 'model.specialist'), heads);
console.log(`encoder: ${(model.length / 2 ** 20).toFixed(1)} MiB; machine load ${loadAtStart.map((l) => l.toFixed(1)).join(' ')}`);

const dispose = (r: { dispose(): Promise<void> }) => r.dispose();
const part = process.env.BENCH_PART ?? 'all';
const node = [];
// Main-thread onnxruntime comes last: its thread pools outlive the sessions and would slow the rest.
if (part !== 'chromium') {
  // The floor: what the busy machine alone does to the probe, and what one copy of the bytes costs here.
  node.push(await measure('Node: idle 1 s (noise floor)', () => new Promise((resolve) => setTimeout(resolve, 1000))));
  node.push(await measure('Node: one copy of the 64 MiB (calibration)', async () => model.slice()));
  node.push(await measure('Node: SHA-256, TypeScript, synchronous (before)', async () => sha256Hex(model)));
  node.push(await measure('Node: SHA-256, Web Crypto (now)', () => sha256HexAsync(model)));
  node.push(await measure('Node: WorkerSpecialistRuntime.load, file: URL', () => WorkerSpecialistRuntime.load(pathToFileURL(join(dir, 'encoder.onnx')), pathToFileURL(join(dir, 'model.specialist'))), undefined, dispose));
  node.push(await measure('Node: WorkerSpecialistRuntime.load, bytes transferred', (bytes) => WorkerSpecialistRuntime.load(bytes, heads.slice(), {}, { transfer: true }), () => model.slice(), dispose));
  node.push(await measure('Node: WorkerSpecialistRuntime.load, bytes copied', () => WorkerSpecialistRuntime.load(model, heads), undefined, dispose));
  const inWorker = await WorkerSpecialistRuntime.load(model, heads);
  node.push(await measure(`Node: WorkerSpecialistRuntime.run, ${RUN_ROWS} rows (onnxruntime-node)`, (x) => inWorker.run(x, 0), batch));
  await inWorker.dispose();
  const pool = await WorkerPool.create({ size: 1 });
  try {
    node.push(await measure('Node: pipeline in a worker, bytes copied', (input) => runPipelineInWorker(input, OPTIONS, { pool }), () => ({ encoder: model, observations: observations(), tasks: tasks() })));
    node.push(await measure('Node: pipeline in a worker, bytes transferred', (input) => runPipelineInWorker(input, OPTIONS, { pool, transfer: true }), () => ({ encoder: model.slice(), observations: observations(), tasks: tasks() })));
  } finally {
    await pool.close();
  }
  node.push(await measure('Node: Generalist.load, onnxruntime-web wasm, main thread', () => Generalist.load(model, { device: 'wasm' }), undefined, dispose));
  node.push(await measure('Node: Generalist.load, onnxruntime-node, main thread', () => Generalist.load(model, { device: 'auto' }), undefined, dispose));
  const inThread = await SpecialistRuntime.load(model, heads);
  node.push(await measure(`Node: SpecialistRuntime.run, ${RUN_ROWS} rows, main thread (onnxruntime-node)`, (x) => inThread.run(x, 0), batch));
  await inThread.dispose();
}

// Chromium: the page's main thread; the encoder and heads served from the temporary folder under
// /models/. Each group on a page of its own: main-thread onnxruntime keeps its threads, and
// onnxruntime-web's proxy mode is global and fixed when its wasm first starts.
const chromium: { label: string; longestBlockMs: number; totalMs: number; samples: { longestBlockMs: number; totalMs: number; longTasksMs: number[] }[] }[] = [];
if (part !== 'node') {
  const server = await serveRepository(undefined, { '/models/': dir });
  const browserHost = await launchChromium();
  try {
    const args = { runs, ortUrl: ORT_URL, options: OPTIONS, episodes: EPISODES, steps: STEPS, d: D, rows: RUN_ROWS };
    for (const group of ['worker', 'main', 'proxy'] as const) {
      const page = await openPage(browserHost, `${server.origin}/e2e/pages/blank.html`);
      for (const row of await page.evaluate(chromiumRows, { ...args, group })) {
        const longest = median(row.samples.map((s) => s.longestBlockMs));
        chromium.push({ ...row, longestBlockMs: longest, totalMs: median(row.samples.map((s) => s.totalMs)) });
        console.log(`${row.label.padEnd(66)} longest block ${String(longest).padStart(5)} ms, long tasks ${JSON.stringify(row.samples.map((s) => s.longTasksMs))}`);
      }
      await page.context().close();
    }
  } finally {
    await browserHost.close();
    await server.close();
  }
}
rmSync(dir, { recursive: true, force: true });

/** The page's rows (page code cannot import from this file: longestBlock again, plus long tasks). */
async function chromiumRows({ runs, ortUrl, options, episodes, steps, d, rows, group }: { runs: number; ortUrl: string; options: object; episodes: number; steps: number; d: number; rows: number; group: 'worker' | 'main' | 'proxy' }) {
  const sdk = await import('/dist/browser.js' as string);
  sdk.configureOnnxRuntime({ moduleUrl: ortUrl });
  const ort = await import(ortUrl);
  const bytes = new Uint8Array(await (await fetch('/models/encoder.onnx')).arrayBuffer());
  const heads = new Uint8Array(await (await fetch('/models/model.specialist')).arrayBuffer());
  const longTasks: number[] = [];
  new PerformanceObserver((list) => list.getEntries().forEach((e) => longTasks.push(Math.round(e.duration)))).observe({ type: 'longtask' });
  const probe = async (fn: () => Promise<unknown>) => {
    longTasks.length = 0;
    let last = performance.now();
    let longest = 0;
    const timer = setInterval(() => {
      const now = performance.now();
      longest = Math.max(longest, now - last);
      last = now;
    }, 5);
    const t0 = performance.now();
    const result = await fn();
    const totalMs = Math.round(performance.now() - t0);
    await new Promise((r) => setTimeout(r, 50)); // what follows the call still counts; the observer delivers
    clearInterval(timer);
    return { sample: { longestBlockMs: Math.round(Math.max(longest, performance.now() - last)), totalMs, longTasksMs: [...longTasks] }, result };
  };
  const randn = (n: number) => Float32Array.from({ length: n }, () => Math.random() * 2 - 1);
  type Sample = { longestBlockMs: number; totalMs: number; longTasksMs: number[] };
  const out: { label: string; samples: Sample[] }[] = [];
  const add = async (label: string, fn: (arg: any) => Promise<unknown>, prepare: () => unknown = () => undefined, cleanup: (r: any) => unknown = () => {}) => {
    const samples = [];
    for (let i = 0; i < runs; i++) {
      const arg = prepare();
      await new Promise((r) => setTimeout(r, 100)); // the copy prepare() made is its own long task: not this row's
      const { sample, result } = await probe(() => fn(arg));
      samples.push(sample);
      await cleanup(result);
    }
    out.push({ label, samples });
  };
  const dispose = (r: { dispose(): Promise<void> }) => r.dispose();
  const wasm = { generalist: { device: 'wasm' } };
  const batch = () => ({ data: randn(rows * d), shape: [rows, d] });
  if (group === 'proxy') {
    // Session creation and runs in onnxruntime-web's own worker; it transfers (detaches) the bytes it gets.
    ort.env.wasm.proxy = true;
    await add('Chromium: Generalist.load, wasm EP, proxy mode (ort worker)', (b) => sdk.Generalist.load(b, { device: 'wasm' }), () => bytes.slice(), dispose);
    const generalist = await sdk.Generalist.load(bytes.slice(), { device: 'wasm' });
    await add(`Chromium: Generalist.encode, ${rows} rows, proxy mode`, (x) => generalist.encode(x), batch);
    await generalist.dispose();
  } else if (group === 'main') {
    await add('Chromium: Generalist.load, wasm EP, main thread', () => sdk.Generalist.load(bytes, { device: 'wasm' }), undefined, dispose);
    const inThread = await sdk.SpecialistRuntime.load(bytes, heads, wasm);
    await add(`Chromium: SpecialistRuntime.run, ${rows} rows, main thread`, (x) => inThread.run(x, 0), batch);
    await inThread.dispose();
  } else {
    await add('Chromium: idle 1 s (noise floor)', () => new Promise((resolve) => setTimeout(resolve, 1000)));
    await add('Chromium: one copy of the 64 MiB (calibration)', async () => bytes.slice());
    await add('Chromium: SHA-256, Web Crypto', () => crypto.subtle.digest('SHA-256', bytes));
    await add('Chromium: WorkerSpecialistRuntime.load, URL (worker fetches)', () => sdk.WorkerSpecialistRuntime.load('/models/encoder.onnx', '/models/model.specialist', wasm), undefined, dispose);
    await add('Chromium: WorkerSpecialistRuntime.load, bytes transferred', (b) => sdk.WorkerSpecialistRuntime.load(b, heads.slice(), wasm, { transfer: true }), () => bytes.slice(), dispose);
    await add('Chromium: WorkerSpecialistRuntime.load, bytes copied', () => sdk.WorkerSpecialistRuntime.load(bytes, heads, wasm), undefined, dispose);
    const inWorker = await sdk.WorkerSpecialistRuntime.load(bytes, heads, wasm);
    await add(`Chromium: WorkerSpecialistRuntime.run, ${rows} rows`, (x) => inWorker.run(x, 0), batch);
    await inWorker.dispose();
    const pool = await sdk.WorkerPool.create({ size: 1 });
    try {
      const input = () => ({ encoder: bytes.slice(), observations: { data: randn(episodes * steps * d), shape: [episodes, steps, d] }, tasks: { data: randn(episodes * 2), shape: [episodes, 2] } });
      await add('Chromium: pipeline in a worker, bytes copied', (x) => sdk.runPipelineInWorker(x, options, { pool }), input);
      await add('Chromium: pipeline in a worker, bytes transferred', (x) => sdk.runPipelineInWorker(x, options, { pool, transfer: true }), input);
    } finally {
      await pool.close();
    }
  }
  return out;
}

// On a busy machine every number stretches: read them against one copy of the 64 MiB in the same run.
type Row = { label: string; longestBlockMs: number };
const copyMs = (rows: Row[]) => rows.find((r) => r.label.includes('calibration'))?.longestBlockMs ?? NaN;
const perCopy = (rows: Row[]) => Object.fromEntries(rows.map((r) => [r.label, Math.round((r.longestBlockMs / copyMs(rows)) * 100) / 100]));
const file = writeResult('encoder-load', {
  machine: machine(),
  loadAverage: { start: loadAtStart, end: loadavg() },
  encoderBytes: model.length,
  widths: WIDTHS,
  runs,
  longestBlockInCopies: { node: perCopy(node), chromium: perCopy(chromium) },
  node,
  chromium,
});
console.log(`wrote ${file}; machine load at the end ${loadavg().map((l) => l.toFixed(1)).join(' ')}`);
