// WorkerSpecialistRuntime: the encoder and heads loaded into a worker and run there give what the
// in-thread SpecialistRuntime gives; bytes are copied or transferred as asked; aborts, dispose and
// a dying worker end in typed errors and leave nothing behind; bad input is refused with its code.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { getEventListeners } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { WorkerSpecialistRuntime } from '../../src/deploy/worker-runtime.ts';
import { generalistWorld } from '../../src/synthetic/generalist-world.ts';
import { WorkerPool } from '../../src/worker/pool.ts';
import { runKernelInWorker } from '../../src/worker/kernel-job.ts';
import { assertClose, createRng, expectCode, randomMatrix } from '../helpers.ts';
import { headsFixture as fixture, type HeadsFixture as Fixture } from './heads-fixture.ts';

// Same onnxruntime in both threads (onnxruntime-node here), same bytes: equal up to float noise.
const TOL = { abs: 1e-6, rel: 1e-6 };

const copyOf = (t: { data: Float32Array; shape: number[] }) => ({ data: t.data.slice(), shape: [...t.shape] });

describe('WorkerSpecialistRuntime', () => {
  let f: Fixture;
  let runtime: WorkerSpecialistRuntime;
  let pool: WorkerPool;
  before(async () => {
    f = await fixture();
    runtime = await WorkerSpecialistRuntime.load(f.encoder, f.heads);
    pool = await WorkerPool.create({ size: 1 });
  });
  after(async () => {
    await runtime?.dispose();
    await pool?.close();
    await f?.inThread.dispose();
  });

  it('gives the in-thread runtime\'s blocks and predictions, for batches and single observations', async () => {
    assert.equal(runtime.tasks, 2);
    assert.deepEqual(runtime.supports, f.inThread.heads.supports);
    assert.equal(runtime.encoderSha256, f.inThread.generalist.modelSha256);
    assert.deepEqual(runtime.observationDims, f.inThread.generalist.observationDims);
    assert.equal(runtime.device.backend, f.inThread.generalist.device.backend);
    for (const task of [0, 1]) {
      const got = await runtime.run(f.observations, task);
      const want = await f.inThread.run(f.observations, task);
      assert.deepEqual(got.block.shape, want.block.shape);
      assert.deepEqual(got.prediction.shape, want.prediction.shape);
      assertClose(got.block.data, want.block.data, TOL, `task ${task} block`);
      assertClose(got.prediction.data, want.prediction.data, TOL, `task ${task} prediction`);
    }
    const D = f.observations.shape[1];
    const one = { data: f.observations.data.slice(D, 2 * D), shape: [D] };
    const single = await runtime.run(one, 1);
    assert.deepEqual(single.prediction.shape, [1, 1]);
    assertClose(single.prediction.data, (await f.inThread.run(one, 1)).prediction.data, TOL, 'single observation');
  });

  it('copies bytes and observations by default, transfers them when asked; reads file: URLs itself', async () => {
    const input = copyOf(f.observations);
    await runtime.run(input, 0);
    assert.equal(input.data.length, f.observations.data.length, 'copied: the caller keeps its array');
    const want = await runtime.run(f.observations, 0);
    const got = await runtime.run(input, 0, { transfer: true });
    assert.equal(input.data.length, 0, 'transferred: the caller array is detached');
    assertClose(got.prediction.data, want.prediction.data, TOL, 'after transfer');

    const encoder = f.encoder.slice();
    const heads = f.heads.slice();
    const moved = await WorkerSpecialistRuntime.load(encoder, heads, {}, { transfer: true });
    try {
      assert.equal(encoder.byteLength, 0, 'the encoder bytes were transferred');
      assert.equal(heads.byteLength, 0, 'the heads bytes were transferred');
      assertClose((await moved.run(f.observations, 0)).prediction.data, want.prediction.data, TOL, 'loaded from transferred bytes');
    } finally {
      await moved.dispose();
    }

    const dir = mkdtempSync(join(tmpdir(), 'worker-runtime-'));
    writeFileSync(join(dir, 'encoder.onnx'), f.encoder);
    writeFileSync(join(dir, 'model.specialist'), f.heads);
    const fromFiles = await WorkerSpecialistRuntime.load(pathToFileURL(join(dir, 'encoder.onnx')), pathToFileURL(join(dir, 'model.specialist')).href);
    try {
      assert.equal(fromFiles.encoderSha256, runtime.encoderSha256, 'hashed in the worker from the file');
      assertClose((await fromFiles.run(f.observations, 0)).prediction.data, want.prediction.data, TOL, 'loaded from files');
    } finally {
      await fromFiles.dispose();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses bad input with typed errors, and keeps working', async () => {
    const D = f.observations.shape[1];
    await expectCode(() => runtime.run(null as never, 0), 'INVALID_ARGUMENT', 'observations must be');
    await expectCode(() => runtime.run({ data: [1, 2] as never, shape: [2] }, 0), 'INVALID_ARGUMENT', 'observations must be');
    await expectCode(() => runtime.run(f.observations, 2), 'INVALID_ARGUMENT', 'task must be an integer in [0, 1]');
    await expectCode(() => runtime.run(f.observations, 0.5), 'INVALID_ARGUMENT', 'task must be');
    await expectCode(() => runtime.run({ data: new Float32Array(3 * (D + 1)), shape: [3, D + 1] }, 0), 'SHAPE_MISMATCH');
    await expectCode(() => runtime.run({ data: new Float32Array(2 * D), shape: [3, D] }, 0), 'SHAPE_MISMATCH');
    const nan = copyOf(f.observations);
    nan.data[7] = NaN;
    await expectCode(() => runtime.run(nan, 0), 'NON_FINITE');
    await expectCode(() => runtime.run(f.observations, 0, { signal: AbortSignal.abort('late') }), 'ABORTED', 'late');
    await expectCode(() => runtime.run(f.observations, 0, null as never), 'INVALID_ARGUMENT', 'run options');
    await expectCode(() => runtime.run(f.observations, 0, { signl: 1 } as never), 'INVALID_ARGUMENT', 'signl');

    await expectCode(() => WorkerSpecialistRuntime.load(42 as never, f.heads), 'INVALID_ARGUMENT', 'The encoder must be');
    await expectCode(() => WorkerSpecialistRuntime.load(f.encoder, f.heads, { generalst: {} } as never), 'INVALID_ARGUMENT', 'generalst');
    await expectCode(() => WorkerSpecialistRuntime.load(f.encoder, f.heads, {}, { pool: {} as never }), 'INVALID_ARGUMENT', 'pool must be a WorkerPool');
    await expectCode(() => WorkerSpecialistRuntime.load(f.encoder, f.heads, {}, { tranfser: true } as never), 'INVALID_ARGUMENT', 'tranfser');
    // Refused in the worker (one shared pool, so that each case does not start a worker).
    const inPool = (encoder: Uint8Array | URL, heads: Uint8Array, options = {}) => WorkerSpecialistRuntime.load(encoder, heads, options, { pool });
    await expectCode(() => inPool(f.encoder, f.heads, { generalist: { device: 'tpu' } }), 'INVALID_ARGUMENT', 'device');
    await expectCode(() => inPool(f.encoder.subarray(0, 100), f.heads), 'INVALID_FILE');
    await expectCode(() => inPool(f.encoder, f.heads.subarray(0, 50)), 'INVALID_FILE');
    await expectCode(() => inPool(f.heads, f.heads), 'INVALID_FILE');
    await expectCode(() => inPool(pathToFileURL(join(tmpdir(), 'no-such-encoder.onnx')), f.heads), 'INVALID_FILE');
    await expectCode(() => inPool(f.encoder, f.heads, { generalist: { fixedInputs: { x: { data: new Float32Array(1), dims: [1], hook: () => 1 } } } }), 'INVALID_ARGUMENT', 'cannot be sent');
    const other = generalistWorld({ episodes: 4, steps: 4, seed: 6 }).encoderOnnx;
    await expectCode(() => inPool(other, f.heads), 'ENCODER_MISMATCH');
    const mismatched = await inPool(other, f.heads, { allowEncoderMismatch: true });
    await mismatched.dispose();
    assert.equal(pool.stats().restarts, 0, 'no refusal ended the worker');
    // A runtime with a worker of its own ends it when the load fails.
    await expectCode(() => WorkerSpecialistRuntime.load(other, f.heads), 'ENCODER_MISMATCH');
    assert.equal((await runtime.run(f.observations, 1)).prediction.shape[0], 50, 'still works');
  });
});

describe('WorkerSpecialistRuntime: abort, dispose, a dying worker', () => {
  let f: Fixture;
  const big = () => {
    const D = f.observations.shape[1];
    const rng = createRng(9);
    return { data: Float32Array.from({ length: 20000 * D }, () => rng.normal()), shape: [20000, D] };
  };
  before(async () => {
    f = await fixture();
  });
  after(async () => {
    await f?.inThread.dispose();
  });

  it('an aborted run rejects with ABORTED and the runtime lives on in the same worker', async () => {
    const pool = await WorkerPool.create({ size: 1 });
    try {
      const runtime = await WorkerSpecialistRuntime.load(f.encoder, f.heads, {}, { pool });
      const controller = new AbortController();
      const doomed = runtime.run(big(), 0, { signal: controller.signal });
      controller.abort('user moved on');
      const error = await expectCode(() => doomed, 'ABORTED', 'user moved on');
      assert.equal(error.details.reason, 'user moved on');
      const want = await f.inThread.run(f.observations, 0);
      assertClose((await runtime.run(f.observations, 0)).prediction.data, want.prediction.data, TOL, 'after the abort');
      assert.equal(pool.stats().restarts, 0, 'the worker was not ended');
      await runtime.dispose();
    } finally {
      await pool.close();
    }
  });

  it('an aborted load rejects with ABORTED and leaves the shared pool working', async () => {
    const pool = await WorkerPool.create({ size: 1 });
    try {
      const controller = new AbortController();
      const loading = WorkerSpecialistRuntime.load(f.encoder, f.heads, {}, { pool, signal: controller.signal });
      setTimeout(() => controller.abort(), 1);
      await expectCode(() => loading, 'ABORTED');
      await expectCode(() => WorkerSpecialistRuntime.load(f.encoder, f.heads, {}, { pool, signal: AbortSignal.abort() }), 'ABORTED');
      const runtime = await WorkerSpecialistRuntime.load(f.encoder, f.heads, {}, { pool });
      assert.equal((await runtime.run(f.observations, 0)).block.shape[0], 50);
      await runtime.dispose();
      assert.equal(pool.stats().restarts, 0);
    } finally {
      await pool.close();
    }
  });

  it('dispose() rejects runs still going with ABORTED, refuses later ones and frees the worker\'s copy', async () => {
    const pool = await WorkerPool.create({ size: 1 });
    try {
      const runtime = await WorkerSpecialistRuntime.load(f.encoder, f.heads, {}, { pool });
      const handle = (runtime as unknown as { info: { handle: number } }).info.handle;
      const running = expectCode(() => runtime.run(big(), 1), 'ABORTED', 'runtime disposed');
      await runtime.dispose();
      await running;
      await expectCode(() => runtime.run(f.observations, 0), 'ABORTED', 'disposed');
      await runtime.dispose(); // twice: nothing happens
      // The worker dropped it: a run for the same handle on that worker (the pool's only one) finds nothing.
      await expectCode(() => pool.run('deploy.run', { handle, observations: f.observations, task: 0 }), 'INVALID_ARGUMENT', 'holds no runtime');
      assert.equal(pool.stats().restarts, 0);
    } finally {
      await pool.close();
    }
  });

  it('a worker that dies takes its runtimes along: WORKER_FAILED for runs queued then and after', async () => {
    const pool = await WorkerPool.create({ size: 1, workerUrl: new URL('./crashing-worker.ts', import.meta.url) });
    try {
      const runtime = await WorkerSpecialistRuntime.load(f.encoder, f.heads, {}, { pool });
      const crash = pool.run('crash', {});
      const queued = runtime.run(f.observations, 0);
      await expectCode(() => crash, 'WORKER_FAILED', 'exited with code 3');
      await expectCode(() => queued, 'WORKER_FAILED', 'exited with code 3');
      await expectCode(() => runtime.run(f.observations, 0), 'WORKER_FAILED', 'exited with code 3');
      await runtime.dispose(); // nothing left to free; must not throw
      const again = await WorkerSpecialistRuntime.load(f.encoder, f.heads, {}, { pool });
      assert.equal((await again.run(f.observations, 1)).prediction.shape[0], 50, 'a new worker serves a new load');
      await again.dispose();
    } finally {
      await pool.close();
    }
  });

  it('sharing a pool: runtimes take separate workers while the pool can grow; another job\'s abort ends its worker (WORKER_FAILED, reason aborted); close() ends them (ABORTED)', async () => {
    const pool = await WorkerPool.create({ size: 2 });
    try {
      const a = await WorkerSpecialistRuntime.load(f.encoder, f.heads, {}, { pool });
      const b = await WorkerSpecialistRuntime.load(f.encoder, f.heads, {}, { pool });
      assert.equal(pool.stats().workers, 2, 'one worker each');
      const want = await f.inThread.run(f.observations, 1);
      const [ra, rb] = await Promise.all([a.run(f.observations, 1), b.run(f.observations, 1)]);
      assertClose(ra.prediction.data, want.prediction.data, TOL, 'a');
      assertClose(rb.prediction.data, want.prediction.data, TOL, 'b');
      // Both workers hold a runtime, so an ordinary job shares one; aborting it ends that worker.
      const controller = new AbortController();
      const points = randomMatrix(createRng(3), 4000, 16);
      const job = runKernelInWorker('knnDistance', { points, k: 5 }, { pool, signal: controller.signal });
      controller.abort(); // the job went to an idle worker synchronously: this ends it mid-job
      await expectCode(() => job, 'ABORTED');
      const outcomes = await Promise.allSettled([a.run(f.observations, 0), b.run(f.observations, 0)]);
      const failed = outcomes.filter((o) => o.status === 'rejected') as PromiseRejectedResult[];
      assert.equal(failed.length, 1, 'exactly the runtime on the ended worker is gone');
      assert.equal(failed[0].reason.code, 'WORKER_FAILED');
      assert.equal(failed[0].reason.details.reason, 'aborted');
      const survivor = outcomes[0].status === 'fulfilled' ? a : b;
      const lost = survivor === a ? b : a;
      await lost.dispose();
      const closing = pool.close();
      await expectCode(() => survivor.run(f.observations, 0), 'ABORTED', 'closed');
      await closing;
      await survivor.dispose();
    } finally {
      await pool.close();
    }
  });

  it('a long stream leaves no listener behind: none on the caller\'s signal, none on the runtime\'s, no MaxListenersExceededWarning', async () => {
    const warnings: string[] = [];
    const onWarning = (warning: Error) => warnings.push(warning.name);
    process.on('warning', onWarning);
    const pool = await WorkerPool.create({ size: 1 });
    try {
      const runtime = await WorkerSpecialistRuntime.load(f.encoder, f.heads, {}, { pool });
      const stream = new AbortController();
      const D = f.observations.shape[1];
      const one = { data: f.observations.data.slice(0, D), shape: [D] };
      for (let i = 0; i < 300; i++) await runtime.run(one, i % 2, i % 3 ? { signal: stream.signal } : {});
      assert.equal(getEventListeners(stream.signal, 'abort').length, 0, 'the caller\'s signal');
      assert.equal(getEventListeners((runtime as unknown as { disposal: AbortController }).disposal.signal, 'abort').length, 0, 'the runtime\'s own signal');
      // The pool itself, for any job run with a long-lived signal.
      for (let i = 0; i < 50; i++) await runKernelInWorker('knnDistance', { points: randomMatrix(createRng(i), 20, 2), k: 2 }, { pool, signal: stream.signal });
      assert.equal(getEventListeners(stream.signal, 'abort').length, 0, 'after pool jobs');
      await runtime.dispose();
      await new Promise((resolve) => setImmediate(resolve));
      assert.deepEqual(warnings.filter((w) => w === 'MaxListenersExceededWarning'), []);
    } finally {
      process.off('warning', onWarning);
      await pool.close();
    }
  });

  it('a Node process with a runtime it never disposed still exits by itself', () => {
    const dir = mkdtempSync(join(tmpdir(), 'worker-runtime-exit-'));
    writeFileSync(join(dir, 'encoder.onnx'), f.encoder);
    writeFileSync(join(dir, 'model.specialist'), f.heads);
    const script = `
      import { useNodeServices } from './src/node/services.ts';
      import { pathToFileURL } from 'node:url';
      useNodeServices();
      const { WorkerSpecialistRuntime } = await import('./src/deploy/worker-runtime.ts');
      const dir = ${JSON.stringify(dir)};
      const runtime = await WorkerSpecialistRuntime.load(pathToFileURL(dir + '/encoder.onnx'), pathToFileURL(dir + '/model.specialist'));
      const r = await runtime.run({ data: new Float32Array(${f.observations.shape[1]}), shape: [${f.observations.shape[1]}] }, 0);
      console.log(r.block.shape.join('x'));`;
    let out: string;
    try {
      out = execFileSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { encoding: 'utf8', timeout: 30000 });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    assert.equal(out.trim(), `1x${f.inThread.heads.supports[0].length}`);
  });
});
