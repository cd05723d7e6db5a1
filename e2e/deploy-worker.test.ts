// WorkerSpecialistRuntime in Chromium, from the deployment bundle (dist/deploy.js): the encoder
// and heads load in a module Worker from URLs relative to the page (or from transferred bytes),
// and give what the in-thread SpecialistRuntime gives in Node on the same wasm backend; abort,
// dispose, a worker ended under the runtime and bad input end in typed errors. (A worker that
// crashes by itself cannot be provoked from a page: test/deploy covers it in Node.)
//
// Tolerance: 1e-5 relative to max(1, |value|), the wasm EP against Node's onnxruntime-web wasm.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { BrowserContext } from 'playwright-core';
import { generalistWorld } from '../src/synthetic/generalist-world.ts';
import { headsFixture, type HeadsFixture } from '../test/deploy/heads-fixture.ts';
import { blankPage, maxScaledDiff } from './browser.ts';

const ORT_URL = '/node_modules/onnxruntime-web/dist/ort.bundle.min.mjs';
const TOL = 1e-5;

describe('WorkerSpecialistRuntime in Chromium', () => {
  let f: HeadsFixture;
  const chromium = blankPage();

  before(async () => {
    f = await headsFixture({ device: 'wasm' });
    // The model files, as a site would host them (fetched by the worker, hence on the context).
    const context: BrowserContext = chromium.page.context();
    await context.route('**/models/encoder.onnx', (route) => route.fulfill({ body: Buffer.from(f.encoder), contentType: 'application/octet-stream' }));
    const other = generalistWorld({ episodes: 4, steps: 4, seed: 6 }).encoderOnnx;
    await context.route('**/models/other.onnx', (route) => route.fulfill({ body: Buffer.from(other), contentType: 'application/octet-stream' }));
    await context.route('**/models/model.specialist', (route) => route.fulfill({ body: Buffer.from(f.heads), contentType: 'application/octet-stream' }));
  });
  after(async () => {
    await f?.inThread.dispose();
  });

  it('loads from page-relative URLs and from transferred bytes; results equal the in-thread runtime in Node', async () => {
    const got = await chromium.page.evaluate(
      async ({ ortUrl, observations, encoder, heads }) => {
        const sdk = await import('/dist/deploy.js' as string);
        sdk.configureOnnxRuntime({ moduleUrl: ortUrl });
        const runtime = await sdk.WorkerSpecialistRuntime.load('models/encoder.onnx', '../pages/models/model.specialist', { generalist: { device: 'wasm' } });
        const moved = await sdk.WorkerSpecialistRuntime.load(encoder, heads, { generalist: { device: 'wasm' } }, { transfer: true });
        try {
          const runs = [await runtime.run(observations, 0), await runtime.run(observations, 1)];
          const input = { data: observations.data.slice(), shape: observations.shape };
          const viaTransfer = await moved.run(input, 1, { transfer: true });
          return {
            tasks: runtime.tasks,
            supports: runtime.supports,
            sha256: runtime.encoderSha256,
            device: runtime.device,
            runs: runs.map((r: { block: { data: Float32Array; shape: number[] }; prediction: { data: Float32Array; shape: number[] } }) => ({ block: r.block, prediction: r.prediction })),
            viaTransfer: viaTransfer.prediction.data,
            detached: [encoder.byteLength, heads.byteLength, input.data.length],
          };
        } finally {
          await runtime.dispose();
          await moved.dispose();
        }
      },
      { ortUrl: ORT_URL, observations: f.observations, encoder: f.encoder, heads: f.heads },
    );
    assert.equal(got.tasks, 2);
    assert.deepEqual(got.supports, f.inThread.heads.supports);
    assert.equal(got.sha256, f.inThread.generalist.modelSha256, 'hashed in the worker');
    assert.equal(got.device.device, 'wasm', got.device.reason);
    for (const task of [0, 1]) {
      const want = await f.inThread.run(f.observations, task);
      assert.deepEqual(got.runs[task].block.shape, want.block.shape);
      assert.ok(maxScaledDiff(Object.values(got.runs[task].block.data), want.block.data) <= TOL, `task ${task} block`);
      assert.ok(maxScaledDiff(Object.values(got.runs[task].prediction.data), want.prediction.data) <= TOL, `task ${task} prediction`);
    }
    assert.ok(maxScaledDiff(Object.values(got.viaTransfer), (await f.inThread.run(f.observations, 1)).prediction.data) <= TOL, 'from transferred bytes');
    assert.deepEqual(got.detached, [0, 0, 0], 'transferred: encoder, heads and observations detached in the page');
  });

  it('abort, dispose, an ended worker and bad input end in typed errors; an aborted run leaves the runtime working', async () => {
    const got = await chromium.page.evaluate(
      async ({ ortUrl, observations }) => {
        const sdk = await import('/dist/deploy.js' as string);
        sdk.configureOnnxRuntime({ moduleUrl: ortUrl });
        const code = (promise: Promise<unknown>) =>
          promise.then(
            () => 'resolved',
            (e: { code?: string; details?: { reason?: string } }) => `${e.code}${e.details?.reason ? ` (${e.details.reason})` : ''}`,
          );
        const options = { generalist: { device: 'wasm' } };
        const pool = await sdk.WorkerPool.create({ size: 1 });
        const out: Record<string, string | number> = {};
        const runtime = await sdk.WorkerSpecialistRuntime.load('models/encoder.onnx', 'models/model.specialist', options, { pool });
        const D = observations.shape[1];
        const big = { data: new Float32Array(20000 * D).fill(0.5), shape: [20000, D] };
        const controller = new AbortController();
        const doomed = runtime.run(big, 0, { signal: controller.signal });
        controller.abort('moved on');
        out.abortedRun = await code(doomed);
        out.afterAbort = (await runtime.run(observations, 0)).prediction.shape[0];
        out.restartsAfterAbort = pool.stats().restarts;
        out.nullObservations = await code(runtime.run(null, 0));
        out.badTask = await code(runtime.run(observations, 5));
        out.badShape = await code(runtime.run({ data: new Float32Array(D + 1), shape: [1, D + 1] }, 0));
        out.missingFile = await code(sdk.WorkerSpecialistRuntime.load('models/none.onnx', 'models/model.specialist', options, { pool }));
        out.otherEncoder = await code(sdk.WorkerSpecialistRuntime.load('models/other.onnx', 'models/model.specialist', options, { pool }));
        // Another job on the runtime's worker is aborted: that worker is ended, and the runtime with it.
        const points = { data: new Float32Array(4000 * 16).map(() => Math.random()), rows: 4000, cols: 16 };
        const stop = new AbortController();
        const job = pool.run('kernel', { name: 'knnDistance', input: { points, k: 5 } }, { signal: stop.signal });
        stop.abort('cancelled'); // the job went to the idle worker synchronously: this ends it mid-job
        out.otherJob = await code(job);
        out.runOnEndedWorker = await code(runtime.run(observations, 0));
        await runtime.dispose();
        const second = await sdk.WorkerSpecialistRuntime.load('models/encoder.onnx', 'models/model.specialist', options, { pool });
        const running = code(second.run(big, 1));
        await second.dispose();
        out.runDuringDispose = await running;
        out.runAfterDispose = await code(second.run(observations, 0));
        const third = await sdk.WorkerSpecialistRuntime.load('models/encoder.onnx', 'models/model.specialist', options, { pool });
        await pool.close();
        out.runAfterPoolClosed = await code(third.run(observations, 0));
        await third.dispose();
        return out;
      },
      { ortUrl: ORT_URL, observations: f.observations },
    );
    assert.deepEqual(got, {
      abortedRun: 'ABORTED (moved on)',
      afterAbort: 50,
      restartsAfterAbort: 0,
      nullObservations: 'INVALID_ARGUMENT',
      badTask: 'INVALID_ARGUMENT',
      badShape: 'SHAPE_MISMATCH',
      missingFile: 'INVALID_FILE',
      otherEncoder: 'ENCODER_MISMATCH',
      otherJob: 'ABORTED (cancelled)',
      runOnEndedWorker: 'WORKER_FAILED (aborted)',
      runDuringDispose: 'ABORTED (runtime disposed)',
      runAfterDispose: 'ABORTED (runtime disposed)',
      runAfterPoolClosed: 'ABORTED (closed)',
    });
  });
});
