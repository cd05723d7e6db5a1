// The one worker model of the job contract (src/worker/job.ts), across every public call that takes
// a pool: the pool goes last, in the call options; 0.1's order (the pool first) and a missing pool
// are typed errors naming the new form; what a worker call would drop (`kernels`: each worker runs
// on its own runtime) is refused by name; progress has one shape, `{ done, total, ...detail }`,
// from this thread and across the worker hop alike; a pool without pin() cannot host a deployment.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { KernelRuntime } from '../../src/kernels/runtime.ts';
import { runKernel } from '../../src/kernels/registry.ts';
import { runPipelineInWorker } from '../../src/pipeline/job.ts';
import { fitSpecialistsInWorker } from '../../src/specialist/job.ts';
import { runCiBatches } from '../../src/structure/ci-batch-job.ts';
import { WorkerSpecialistRuntime } from '../../src/deploy/worker-runtime.ts';
import { runKernelInWorker } from '../../src/worker/kernel-job.ts';
import { WorkerPool } from '../../src/worker/pool.ts';
import type { Progress } from '../../src/core/call-options.ts';
import { createRng, expectCode, randomMatrix } from '../helpers.ts';

describe('one worker model', () => {
  let pool: WorkerPool;
  before(async () => {
    pool = await WorkerPool.create({ size: 1 });
  });
  after(async () => {
    await pool.close();
  });

  const x = randomMatrix(createRng(3), 40, 3);
  const latents = { data: x.data, shape: [40, 3] };
  const targets = { data: x.data.slice(0, 40), shape: [40, 1] };
  const input = { encoder: new Uint8Array(8), observations: { data: new Float32Array(24), shape: [2, 3, 4] }, tasks: { data: new Float32Array(2), shape: [2, 1] } };

  it("0.1's order, the pool first, is a typed error that shows the new call", async () => {
    const old = (call: () => unknown, name: string) => expectCode(call, 'INVALID_ARGUMENT', `${name} takes the pool last, in its call options, since 1.0: ${name}(..., { pool })`);
    await old(() => runKernelInWorker(pool as never, 'columnMeans' as never, { x } as never), 'runKernelInWorker');
    await old(() => runPipelineInWorker(pool as never, input as never, {} as never), 'runPipelineInWorker');
    await old(() => fitSpecialistsInWorker(pool as never, latents as never, targets as never, {} as never), 'fitSpecialistsInWorker');
    await old(() => runCiBatches(pool as never, { name: 'fisherz' } as never, x as never, [] as never), 'runCiBatches');
    const kernels = await KernelRuntime.create();
    await expectCode(() => runKernel(kernels as never, 'columnMeans' as never, { x } as never), 'INVALID_ARGUMENT', 'runKernel(name, input, { kernels })');
  });

  it('a call that runs in a worker without a pool in its call options says where the pool goes', async () => {
    await expectCode(() => runKernelInWorker('columnMeans', { x }, {} as never), 'INVALID_ARGUMENT', 'needs a pool in its call options');
    await expectCode(() => runPipelineInWorker(input, { structure: { segmentLength: 1 } }, undefined as never), 'INVALID_ARGUMENT', 'runPipelineInWorker(..., { pool })');
    await expectCode(() => fitSpecialistsInWorker(latents, targets, {}, { pool: {} } as never), 'INVALID_ARGUMENT', 'a WorkerPool');
    await expectCode(() => runKernel('columnMeans', { x }, {} as never), 'INVALID_ARGUMENT', 'runKernel(name, input, { kernels })');
  });

  it('worker calls refuse what they would drop: a kernel runtime (the worker has its own), unknown keys', async () => {
    const kernels = await KernelRuntime.create();
    const refused = 'a worker runs on its own kernel runtime: set it up with WorkerPool.create({ kernelOptions })';
    await expectCode(() => fitSpecialistsInWorker(latents, targets, {}, { pool, kernels } as never), 'INVALID_ARGUMENT', `FitInWorkerOptions has no option "kernels": ${refused}`);
    await expectCode(() => runPipelineInWorker(input, { structure: { segmentLength: 1 } }, { pool, kernels } as never), 'INVALID_ARGUMENT', `PipelineInWorkerOptions has no option "kernels"`);
    await expectCode(() => runKernelInWorker('columnMeans', { x }, { pool, kernels } as never), 'INVALID_ARGUMENT', 'KernelInWorkerOptions has no option "kernels"');
    await expectCode(() => runCiBatches({ name: 'fisherz' }, latents, [], { pool, seeds: 1 } as never), 'INVALID_ARGUMENT', 'CiBatchOptions has no option "seeds"');
  });

  it('progress has one shape, { done, total }, in this thread and from a worker', async () => {
    const kernels = await KernelRuntime.create();
    const big = randomMatrix(createRng(4), 3000, 8);
    const here: Progress[] = [];
    const there: Progress[] = [];
    const expected = runKernel('knnDistance', { points: big, k: 3 }, { kernels, onProgress: (p) => here.push(p) });
    const got = await runKernelInWorker('knnDistance', { points: big, k: 3 }, { pool, onProgress: (p) => there.push(p) });
    assert.deepEqual(Array.from(got), Array.from(expected));
    assert.ok(here.length >= 2, 'several chunks');
    assert.deepEqual(here.at(-1), { done: 3000, total: 3000 });
    // The worker's progress travels on the job's own port, beside the result: under load its last
    // messages may trail the result (and are then dropped, as the job is settled). What arrived is
    // the same sequence of the same objects.
    assert.ok(there.length >= 1, 'progress from the worker');
    assert.deepEqual(there, here.slice(0, there.length));
    for (const p of there) assert.deepEqual(Object.keys(p).sort(), ['done', 'total']);
  });

  it('a deployment needs a pool that can pin a worker: a PinnedRunner cannot host one', async () => {
    const pinned = pool.pin();
    try {
      assert.equal(typeof pool.pin, 'function');
      assert.equal('pin' in pinned, false);
      await expectCode(() => WorkerSpecialistRuntime.load(new Uint8Array(8), new Uint8Array(8), {}, { pool: pinned }), 'INVALID_ARGUMENT', 'able to pin a worker');
    } finally {
      pinned.release();
    }
  });
});
