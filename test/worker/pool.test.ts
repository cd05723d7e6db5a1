// The worker pool: results equal the references, errors keep their code across the hop, aborts
// terminate the worker (freeing its memory) without disturbing other jobs, Node exits cleanly.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import { WorkerPool } from '../../src/worker/pool.ts';
import { runKernelInWorker } from '../../src/worker/kernel-job.ts';
import { runReference } from '../../src/kernels/registry.ts';
import { SpecialistError } from '../../src/core/errors.ts';
import { assertClose, assertExact, createRng, expectCode, randomMatrix } from '../helpers.ts';

describe('worker pool', () => {
  let pool: WorkerPool;
  before(async () => {
    pool = await WorkerPool.create({ size: 2 });
  });
  after(async () => {
    await pool.close();
  });

  it('runs every kernel in workers with results equal to the references', async () => {
    const rng = createRng(21);
    const points = randomMatrix(rng, 257, 5);
    const a = randomMatrix(rng, 33, 17);
    const b = randomMatrix(rng, 17, 29);
    const radius = runReference('knnDistance', { points, k: 4 });
    const [knn, count, dist, prod, cov, means] = await Promise.all([
      runKernelInWorker('knnDistance', { points, k: 4, columns: [0, 2, 4] }, { pool }),
      runKernelInWorker('countWithinRadius', { points, radius }, { pool }),
      runKernelInWorker('pairwiseDistances', { a: points, metric: 'max' }, { pool }),
      runKernelInWorker('gemm', { a, b }, { pool }),
      runKernelInWorker('covariance', { x: points }, { pool }),
      runKernelInWorker('columnMeans', { x: points }, { pool }),
    ]);
    assertExact(knn, runReference('knnDistance', { points, k: 4, columns: [0, 2, 4] }), 'knn');
    assertExact(count, runReference('countWithinRadius', { points, radius }), 'count');
    assertExact(dist.data, runReference('pairwiseDistances', { a: points, metric: 'max' }).data, 'distances');
    assertClose(prod.data, runReference('gemm', { a, b }).data, { abs: 1e-4 }, 'gemm');
    assertClose(cov.cov, runReference('covariance', { x: points }).cov, { abs: 1e-9 }, 'cov');
    assertClose(means, runReference('columnMeans', { x: points }), { abs: 1e-9 }, 'means');
    assert.ok(knn instanceof Float32Array && count instanceof Int32Array);
  });

  it('uses the best build the host runs', () => {
    assert.equal(pool.build, 'relaxed-simd'); // the test runner passes --experimental-wasm-relaxed-simd
  });

  it('errors thrown in a worker arrive as SpecialistError with code and details', async () => {
    const points = randomMatrix(createRng(22), 10, 2);
    const error = await expectCode(() => runKernelInWorker('knnDistance', { points, k: 99 }, { pool }), 'INVALID_ARGUMENT', 'k must be an integer');
    assert.deepEqual(error.details, { argument: 'k', value: 99, min: 1, max: 9 });
    const data = points.data.slice();
    data[5] = NaN;
    const nan = await expectCode(() => runKernelInWorker('covariance', { x: { ...points, data } }, { pool }), 'NON_FINITE');
    assert.equal(nan.details.row, 2);
    assert.ok(nan.stack?.includes('checkFinite'), 'the worker-side stack is kept');
    await expectCode(() => runKernelInWorker('nope' as never, {} as never, { pool }), 'UNKNOWN_KERNEL');
  });

  it('runs jobs by kind from the worker entry\'s list; an unknown kind or an uncloneable payload is a typed error', async () => {
    assert.deepEqual([...pool.jobs].sort(), ['ciBatch', 'deploy.dispose', 'deploy.load', 'deploy.run', 'fitSpecialists', 'fitSpecialistsShard', 'kernel', 'pipeline']);
    const x = { data: new Float32Array([1, 2, 3, 4]), rows: 2, cols: 2 };
    assert.deepEqual(Array.from(await pool.run<Float32Array>('kernel', { name: 'columnMeans', input: { x } })), [2, 3]);
    await expectCode(() => pool.run('train-a-dragon', {}), 'INVALID_ARGUMENT', 'Unknown job kind');
    const uncloneable = { name: 'columnMeans', input: { x, hook: () => 1 } };
    await expectCode(() => pool.run('kernel', uncloneable), 'INVALID_ARGUMENT', 'cannot be sent to a worker');
    assert.deepEqual(Array.from(await runKernelInWorker('columnMeans', { x }, { pool })), [2, 3]);
  });

  it('a throwing onProgress rejects only its own call (CALLBACK_FAILED); the pool and the process live on', async () => {
    const points = randomMatrix(createRng(23), 3000, 8);
    const failing = runKernelInWorker('knnDistance', { points, k: 3 }, {
      pool,
      onProgress: () => {
        throw new Error('my progress bar broke');
      },
    });
    const bystander = runKernelInWorker('columnMeans', { x: points }, { pool });
    const error = await expectCode(() => failing, 'CALLBACK_FAILED', 'my progress bar broke');
    assert.equal(error.details.callback, 'onProgress');
    assertClose(await bystander, runReference('columnMeans', { x: points }), { abs: 1e-9 }, 'other job');
    assertExact(await runKernelInWorker('knnDistance', { points, k: 3 }, { pool }), runReference('knnDistance', { points, k: 3 }), 'after');
  });

  it('an abort mid-job rejects with ABORTED, retires that worker and leaves other jobs running', async () => {
    const big = randomMatrix(createRng(23), 4000, 32);
    const small = randomMatrix(createRng(24), 500, 4);
    const controller = new AbortController();
    const restartsBefore = pool.stats().restarts;
    let progressCalls = 0;
    const doomed = runKernelInWorker('knnDistance', { points: big, k: 10 }, {
      pool,
      signal: controller.signal,
      onProgress: () => ++progressCalls === 2 && controller.abort('user cancelled'),
    });
    const survivor = runKernelInWorker('knnDistance', { points: small, k: 3 }, { pool });
    const error = await expectCode(() => doomed, 'ABORTED', 'user cancelled');
    assert.equal(error.details.reason, 'user cancelled');
    assertExact(await survivor, runReference('knnDistance', { points: small, k: 3 }), 'concurrent job');
    assert.equal(pool.stats().restarts, restartsBefore + 1);
    // The pool replaces the worker on demand and keeps working.
    assertExact(await runKernelInWorker('knnDistance', { points: small, k: 3 }, { pool }), runReference('knnDistance', { points: small, k: 3 }), 'after abort');
    assert.equal(pool.stats().busy, 0);
  });

  it('reports progress from the worker', async () => {
    const points = randomMatrix(createRng(26), 3000, 8);
    const seen: number[] = [];
    await runKernelInWorker('knnDistance', { points, k: 5 }, { pool, onProgress: ({ done, total }) => seen.push(done / total) });
    assert.ok(seen.length >= 3, `got ${seen.length} progress messages`);
    for (let i = 1; i < seen.length; i++) assert.ok(seen[i] >= seen[i - 1]);
  });

  it('copies inputs by default and transfers them when asked', async () => {
    const x = randomMatrix(createRng(27), 64, 4);
    await runKernelInWorker('columnMeans', { x }, { pool });
    assert.equal(x.data.length, 256, 'copied: the caller keeps its array');
    const expected = runReference('columnMeans', { x: { ...x, data: x.data.slice() } });
    const got = await runKernelInWorker('columnMeans', { x }, { pool, transfer: true });
    assert.equal(x.data.length, 0, 'transferred: the caller array is detached');
    assertClose(got, expected, { abs: 1e-9 }, 'means after transfer');
  });
});

describe('worker pool lifecycle', () => {
  it('aborting a queued job removes it before it starts; an aborted signal rejects at once', async () => {
    const pool = await WorkerPool.create({ size: 1 });
    const big = randomMatrix(createRng(25), 2500, 16);
    const blocker = runKernelInWorker('knnDistance', { points: big, k: 5 }, { pool });
    const controller = new AbortController();
    const queued = runKernelInWorker('covariance', { x: big }, { pool, signal: controller.signal });
    assert.deepEqual([pool.stats().busy, pool.stats().queued], [1, 1]);
    controller.abort();
    await expectCode(() => queued, 'ABORTED');
    assert.equal(pool.stats().queued, 0);
    await blocker;
    assert.equal(pool.stats().restarts, 0, 'no worker was killed for a queued job');
    await expectCode(() => runKernelInWorker('covariance', { x: big }, { pool, signal: AbortSignal.abort() }), 'ABORTED');
    await pool.close();
  });

  it('close() rejects running and queued jobs with ABORTED', async () => {
    const pool = await WorkerPool.create({ size: 1 });
    const big = randomMatrix(createRng(28), 3000, 16);
    const jobs = [runKernelInWorker('knnDistance', { points: big, k: 5 }, { pool }), runKernelInWorker('knnDistance', { points: big, k: 5 }, { pool })];
    const settled = Promise.allSettled(jobs);
    await pool.close();
    for (const outcome of await settled) {
      assert.equal(outcome.status, 'rejected');
      assert.equal((outcome as PromiseRejectedResult).reason.code, 'ABORTED');
    }
    await expectCode(() => runKernelInWorker('columnMeans', { x: big }, { pool }), 'ABORTED', 'closed');
  });

  it('pinned jobs: an abort or a failing callback rejects at once without ending the worker; release() and close() end the pin', async () => {
    const pool = await WorkerPool.create({ size: 1 });
    const pin = pool.pin();
    const big = randomMatrix(createRng(29), 3000, 16);
    const controller = new AbortController();
    const aborted = runKernelInWorker('knnDistance', { points: big, k: 5 }, { pool: pin, signal: controller.signal });
    controller.abort('enough');
    await expectCode(() => aborted, 'ABORTED', 'enough');
    const failing = runKernelInWorker('knnDistance', { points: big, k: 5 }, {
      pool: pin,
      onProgress: () => {
        throw new Error('bar broke');
      },
    });
    await expectCode(() => failing, 'CALLBACK_FAILED', 'bar broke');
    const x = { data: new Float32Array([1, 2, 3, 4]), rows: 2, cols: 2 };
    assert.deepEqual(Array.from(await runKernelInWorker('columnMeans', { x }, { pool: pin })), [2, 3]);
    assert.equal(pool.stats().restarts, 0, 'the pinned worker was never ended');

    const running = runKernelInWorker('knnDistance', { points: big, k: 5 }, { pool: pin });
    const queued = runKernelInWorker('columnMeans', { x }, { pool: pin });
    pin.release();
    await expectCode(() => queued, 'ABORTED', 'released');
    assert.equal((await running).length, 3000, 'the running job finishes');
    assert.equal((await pin.ended).details.reason, 'released');
    await expectCode(() => runKernelInWorker('columnMeans', { x }, { pool: pin }), 'ABORTED', 'released');

    const other = pool.pin();
    await pool.close();
    assert.equal((await other.ended).details.reason, 'closed');
    assert.equal((await pool.pin().ended).details.reason, 'closed', 'a pin of a closed pool is over at once');
  });

  it('a worker script that cannot start is WORKER_FAILED', async () => {
    const error = await expectCode(() => WorkerPool.create({ size: 1, workerUrl: new URL('../no-such-worker.js', import.meta.url) }), 'WORKER_FAILED');
    assert.ok(error instanceof SpecialistError);
  });

  it('bad kernel options fail at create() with their own code', async () => {
    await expectCode(() => WorkerPool.create({ size: 1, kernelOptions: { wasm: new Uint8Array([1, 2, 3]) } }), 'INVALID_WASM');
    await expectCode(() => WorkerPool.create({ size: 0 }), 'INVALID_ARGUMENT', 'pool size');
    // 0.1's name of the option is refused with the new one, not ignored.
    await expectCode(() => WorkerPool.create({ size: 1, kernels: { build: 'scalar' } } as never), 'INVALID_ARGUMENT', 'are `kernelOptions`');
  });

  it('a Node process that never closes its pool still exits by itself', () => {
    const script = `
      import { useNodeServices } from './src/node/services.ts';
      useNodeServices();
      import { WorkerPool } from './src/worker/pool.ts';
      import { runKernelInWorker } from './src/worker/kernel-job.ts';
      const pool = await WorkerPool.create({ size: 2 });
      const x = { data: new Float32Array([1, 2, 3, 4, 5, 6]), rows: 3, cols: 2 };
      const r = await runKernelInWorker('columnMeans', { x }, { pool, onProgress: () => {} });
      console.log(JSON.stringify(Array.from(r)));`;
    const t0 = Date.now();
    const out = execFileSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { encoding: 'utf8', timeout: 20000 });
    assert.equal(out.trim(), '[3,4]');
    assert.ok(Date.now() - t0 < 20000);
  });
});
