// CI tests spread over the worker pool give exactly the in-thread results, in query order, with
// progress (tests done / total) and abort.
import assert from 'node:assert/strict';
import { describe, it, before, after } from 'node:test';
import { KernelRuntime } from '../../src/kernels/runtime.ts';
import type { Matrix } from '../../src/core/tensor.ts';
import { WorkerPool } from '../../src/worker/pool.ts';
import type { CiQuery } from '../../src/structure/ci-test.ts';
import { ciTestFromSpec, type CiTestSpec } from '../../src/structure/ci/builtins.ts';
import { runCiBatches } from '../../src/structure/ci-batch-job.ts';
import { discoverTaskStructure, type StructureOptions, type StructureResult } from '../../src/structure/discover.ts';
import { linearColliderWorld } from '../../src/synthetic/structure-worlds.ts';
import { createRng, expectCode } from '../helpers.ts';

function world(n: number): Matrix {
  const rng = createRng(51);
  const cols = 6;
  const data = new Float32Array(n * cols);
  for (let r = 0; r < n; r++) {
    const z = rng.normal();
    const x = z + rng.normal();
    data.set([x, z + 0.5 * x + rng.normal(), z, Math.sin(z) + rng.normal(), rng.normal(), x * x + rng.normal()], r * cols);
  }
  return { data, rows: n, cols };
}

/** The same samples as runCiBatches takes them: a Tensor. */
const tensorOf = (m: Matrix) => ({ data: m.data, shape: [m.rows, m.cols] });

const queries: CiQuery[] = [
  { x: [0], y: [1], z: [2] },
  { x: [0], y: [3], z: [2] },
  { x: [4], y: [1], z: [] },
  { x: [0], y: [5], z: [] },
  { x: [3], y: [4], z: [0, 2] },
  { x: [1, 3], y: [5], z: [2] },
  { x: [2], y: [4], z: [1] },
];

describe('CI tests on the worker pool', () => {
  let pool: WorkerPool;
  let runtime: KernelRuntime;
  before(async () => {
    pool = await WorkerPool.create({ size: 2, kernelOptions: { build: 'simd' } });
    runtime = await KernelRuntime.create({ build: 'simd' });
  });
  after(async () => {
    await pool.close();
  });

  const data = world(150);
  // The intersection crosses as a spec too: the worker rebuilds both of its tests and their alpha.
  const specs: CiTestSpec[] = [{ name: 'cmiknn', options: { permutations: 39 } }, { name: 'fisherz' }, { name: 'intersection', options: { alpha: 0.05 } }];
  for (const spec of specs) {
    it(`${spec.name}: equals the in-thread results exactly, in order, with progress`, async () => {
      const seed = 5;
      const family = queries.length;
      const prepared = ciTestFromSpec(spec).prepare(data, { kernels: runtime, seed });
      const local = queries.map((q) => prepared.test(q, { family }));
      const seen: [number, number][] = [];
      const remote = await runCiBatches(spec, tensorOf(data), queries, { pool, seed, family, onProgress: ({ done, total }) => seen.push([done, total]) });
      assert.deepEqual(remote, local);
      assert.deepEqual(seen.at(-1), [queries.length, queries.length]);
      assert.ok(seen.every(([done], i) => i === 0 || done >= seen[i - 1][0]), 'progress never goes back');
    });
  }

  it('aborts with ABORTED and the pool keeps working afterwards', async () => {
    const controller = new AbortController();
    const slow: CiTestSpec = { name: 'cmiknn', options: { permutations: 5000, adaptive: false } };
    const run = runCiBatches(slow, tensorOf(world(400)), queries, { pool, signal: controller.signal });
    setTimeout(() => controller.abort(), 50);
    await expectCode(() => run, 'ABORTED');
    const again = await runCiBatches({ name: 'fisherz' }, tensorOf(data), queries.slice(0, 2), { pool });
    assert.equal(again.length, 2);
  });

  it('discoverTaskStructure with a pool: kNN-CMI results identical to the in-thread run, progress to the total', async () => {
    const w = linearColliderWorld({ episodes: 160, steps: 6, tasks: 2, seed: 4 });
    const states = { data: w.states, shape: w.shapes.states };
    const tasks = { data: w.tasks, shape: w.shapes.tasks };
    const decisions = (r: StructureResult) => {
      const { timings: _t, elapsedMs: _e, ...rest } = r;
      return rest;
    };
    for (const method of ['direct', 'pairwise'] as const) {
      const options: StructureOptions = { segmentLength: 2, method, test: { name: 'cmiknn', options: { knn: 8, permutations: 19 } }, seed: 9 };
      const local = await discoverTaskStructure(states, tasks, options, { kernels: runtime });
      const seen: [number, number][] = [];
      const pooled = await discoverTaskStructure(states, tasks, options, { pool, onProgress: ({ done, total }) => seen.push([done, total]) });
      assert.deepEqual(decisions(pooled), decisions(local), method);
      assert.equal(pooled.timings.prepareMs, 0);
      assert.deepEqual(seen.at(-1), [local.tests, local.tests]);
      assert.ok(seen.every(([done], i) => i === 0 || done >= seen[i - 1][0]), 'progress never goes back');
    }
    // Fisher z stays in this thread (same answer either way); a pool that is not one is a typed error.
    const fz = await discoverTaskStructure(states, tasks, { segmentLength: 2 }, { pool, kernels: runtime });
    assert.ok(fz.timings.prepareMs > 0);
    await expectCode(() => discoverTaskStructure(states, tasks, { segmentLength: 2 }, { pool: {} as WorkerPool, kernels: runtime }), 'INVALID_ARGUMENT', 'pool must be');
  });

  it('rejects an unknown test by name', async () => {
    await expectCode(() => runCiBatches({ name: 'nope' } as unknown as CiTestSpec, tensorOf(data), queries, { pool }), 'INVALID_ARGUMENT', 'Unknown CI test');
  });

  it("takes a Tensor like every public call: 0.1's Matrix is a typed error that says so", async () => {
    await expectCode(() => runCiBatches({ name: 'fisherz' }, data as never, queries, { pool }), 'INVALID_ARGUMENT', 'takes a Tensor { data, shape: [rows, columns] } since 1.0');
  });
});
