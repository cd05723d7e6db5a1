// npm run bench:load: how long loading a 64 MB encoder holds the main thread, at most at a time.
// A probe timer (every 5 ms) records the longest gap between its ticks while the load runs; in
// Chromium a PerformanceObserver also lists long tasks (> 50 ms). Side by side in one run:
//   - hashing the model: Web Crypto's digest (what Generalist.load uses) against the TypeScript
//     SHA-256 run synchronously (what it used before; still the fallback without Web Crypto);
//   - Generalist.load on the main thread (onnxruntime-web's wasm EP; in Node also onnxruntime-node),
//     where onnxruntime's own session creation runs synchronously on the calling thread;
//   - the pipeline in a pool worker (runPipelineInWorker), where the load happens off the main
//     thread: only the hand-over of the bytes touches it (copied, or transferred with transfer: true).
// Medians of BENCH_RUNS (default 3) runs. Needs a build (npm run build) and /usr/bin/chromium.
import { wideEncoder } from './wide-encoder.ts';
import { machine, writeResult } from './util.ts';
import { Generalist } from '../src/generalist/generalist.ts';
import { sha256Hex, sha256HexAsync } from '../src/io/sha256.ts';
import { runPipelineInWorker } from '../src/pipeline/job.ts';
import { WorkerPool } from '../src/worker/pool.ts';
import { createRng } from '../src/core/random.ts';
import { useNodeServices } from '../src/node/services.ts';
import { launchChromium, openPage } from '../e2e/browser.ts';
import { serveRepository } from '../e2e/server.ts';

useNodeServices();
const runs = Number(process.env.BENCH_RUNS ?? 3);
const WIDTHS = [64, 4096, 4096, 64]; // 2 x 4096 x 4096 float32 weights: 64 MiB
const EPISODES = 200; // Layer 1 needs n > 2 x (64 + 1) for its Fisher z tests on 64-dim latents
const STEPS = 2;
const ORT_URL = '/node_modules/onnxruntime-web/dist/ort.bundle.min.mjs';

/** Runs `fn` while a 5 ms timer ticks; the longest gap between ticks (and to the end) is the longest block. */
async function longestBlock(fn: () => Promise<unknown>): Promise<{ longestBlockMs: number; totalMs: number }> {
  let last = performance.now();
  let longest = 0;
  const timer = setInterval(() => {
    const now = performance.now();
    longest = Math.max(longest, now - last);
    last = now;
  }, 5);
  const t0 = performance.now();
  await fn();
  const end = performance.now();
  clearInterval(timer);
  longest = Math.max(longest, end - last);
  return { longestBlockMs: Math.round(longest), totalMs: Math.round(end - t0) };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
/** `prepare` (untimed) makes each run's arguments: copies to hand over, fresh inputs. */
async function measure<T>(label: string, fn: (arg: T) => Promise<unknown>, prepare: () => T = () => undefined as T) {
  const samples = [];
  for (let i = 0; i < runs; i++) {
    const arg = prepare();
    samples.push(await longestBlock(() => fn(arg)));
  }
  const row = { label, longestBlockMs: median(samples.map((s) => s.longestBlockMs)), totalMs: median(samples.map((s) => s.totalMs)), samples };
  console.log(`${label.padEnd(58)} longest block ${String(row.longestBlockMs).padStart(5)} ms, total ${row.totalMs} ms`);
  return row;
}

const { model } = wideEncoder(1, WIDTHS);
const rng = createRng(3);
const D = WIDTHS[0];
const observations = () => ({ data: Float32Array.from({ length: EPISODES * STEPS * D }, () => rng.normal()), shape: [EPISODES, STEPS, D] });
const tasks = () => ({ data: Float32Array.from({ length: EPISODES * 2 }, () => rng.normal()), shape: [EPISODES, 2] });
const OPTIONS = { structure: { segmentLength: 2 }, specialists: { epochs: 1 }, generalist: { device: 'wasm' as const } };
console.log(`encoder: ${(model.length / 2 ** 20).toFixed(1)} MiB; machine load ${machine().loadAverage1m.toFixed(1)}`);

const node = [
  // The floor: what the busy machine alone does to the probe, and what one copy of the bytes costs here.
  await measure('Node: idle 1 s (noise floor)', () => new Promise((resolve) => setTimeout(resolve, 1000))),
  await measure('Node: one copy of the 64 MiB (calibration)', async () => model.slice()),
  await measure('Node: SHA-256, TypeScript, synchronous (before)', async () => sha256Hex(model)),
  await measure('Node: SHA-256, Web Crypto (now)', () => sha256HexAsync(model)),
  await measure('Node: Generalist.load, onnxruntime-web wasm, main thread', () => Generalist.load(model, { device: 'wasm' })),
  await measure('Node: Generalist.load, onnxruntime-node, main thread', () => Generalist.load(model, { device: 'auto' })),
];
const pool = await WorkerPool.create({ size: 1 });
try {
  node.push(
    await measure(
      'Node: pipeline in a worker, bytes copied',
      (input) => runPipelineInWorker(pool, input, OPTIONS),
      () => ({ encoder: model, observations: observations(), tasks: tasks() }),
    ),
  );
  node.push(
    await measure(
      'Node: pipeline in a worker, bytes transferred',
      (input) => runPipelineInWorker(pool, input, OPTIONS, { transfer: true }),
      () => ({ encoder: model.slice(), observations: observations(), tasks: tasks() }),
    ),
  );
} finally {
  await pool.close();
}

// Chromium: the page's main thread, the encoder fetched from a route the test serves.
const server = await serveRepository();
const browserHost = await launchChromium();
let chromium: unknown[] = [];
try {
  const page = await openPage(browserHost, `${server.origin}/e2e/pages/blank.html`);
  await page.route('**/encoder-64mb.onnx', (route) => route.fulfill({ body: Buffer.from(model), contentType: 'application/octet-stream' }));
  chromium = await page.evaluate(
    async ({ runs, ortUrl, options, episodes, steps, d }) => {
      const sdk = await import('/dist/browser.js' as string);
      sdk.configureOnnxRuntime({ moduleUrl: ortUrl });
      const bytes = new Uint8Array(await (await fetch('/encoder-64mb.onnx')).arrayBuffer());
      const longTasks: number[] = [];
      new PerformanceObserver((list) => list.getEntries().forEach((e) => longTasks.push(Math.round(e.duration)))).observe({ type: 'longtask' });
      // longestBlock() again, plus long tasks: page code cannot import from this file.
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
        await fn();
        const end = performance.now();
        clearInterval(timer);
        await new Promise((r) => setTimeout(r, 50)); // let the observer deliver
        return { longestBlockMs: Math.round(Math.max(longest, end - last)), totalMs: Math.round(end - t0), longTasksMs: [...longTasks] };
      };
      const randn = (n: number) => Float32Array.from({ length: n }, () => Math.random() * 2 - 1);
      const rows: { label: string; samples: unknown[] }[] = [];
      const add = async (label: string, fn: (arg: any) => Promise<unknown>, prepare: () => unknown = () => undefined) => {
        const samples = [];
        for (let i = 0; i < runs; i++) {
          const arg = prepare();
          samples.push(await probe(() => fn(arg)));
        }
        rows.push({ label, samples });
      };
      await add('Chromium: idle 1 s (noise floor)', () => new Promise((resolve) => setTimeout(resolve, 1000)));
      await add('Chromium: one copy of the 64 MiB (calibration)', async () => bytes.slice());
      await add('Chromium: SHA-256, Web Crypto', () => crypto.subtle.digest('SHA-256', bytes));
      await add('Chromium: Generalist.load, wasm EP, main thread', () => sdk.Generalist.load(bytes, { device: 'wasm' }));
      const pool = await sdk.WorkerPool.create({ size: 1 });
      try {
        const input = () => ({ encoder: bytes.slice(), observations: { data: randn(episodes * steps * d), shape: [episodes, steps, d] }, tasks: { data: randn(episodes * 2), shape: [episodes, 2] } });
        await add('Chromium: pipeline in a worker, bytes copied', (x) => sdk.runPipelineInWorker(pool, x, options), input);
        await add('Chromium: pipeline in a worker, bytes transferred', (x) => sdk.runPipelineInWorker(pool, x, options, { transfer: true }), input);
      } finally {
        await pool.close();
      }
      return rows;
    },
    { runs, ortUrl: ORT_URL, options: OPTIONS, episodes: EPISODES, steps: STEPS, d: D },
  );
  for (const row of chromium as { label: string; samples: { longestBlockMs: number; totalMs: number; longTasksMs: number[] }[] }[]) {
    const longest = median(row.samples.map((s) => s.longestBlockMs));
    Object.assign(row, { longestBlockMs: longest, totalMs: median(row.samples.map((s) => s.totalMs)) });
    console.log(`${row.label.padEnd(58)} longest block ${String(longest).padStart(5)} ms, long tasks ${JSON.stringify(row.samples.map((s) => s.longTasksMs))}`);
  }
} finally {
  await browserHost.close();
  await server.close();
}

// On a busy machine every number stretches: read them against one copy of the 64 MiB in the same run.
const copyMs = (rows: { label: string; longestBlockMs: number }[]) => rows.find((r) => r.label.includes('calibration'))?.longestBlockMs ?? NaN;
const perCopy = (rows: { label: string; longestBlockMs: number }[]) =>
  Object.fromEntries(rows.map((r) => [r.label, Math.round((r.longestBlockMs / copyMs(rows)) * 100) / 100]));
const chromiumRows = chromium as { label: string; longestBlockMs: number }[];
const file = writeResult('encoder-load', {
  machine: machine(),
  encoderBytes: model.length,
  widths: WIDTHS,
  runs,
  longestBlockInCopies: { node: perCopy(node), chromium: perCopy(chromiumRows) },
  node,
  chromium,
});
console.log(`wrote ${file}`);
