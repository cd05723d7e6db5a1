// The built browser bundle in real Chromium: every kernel build runs in a module Worker from a
// page served with COOP/COEP, and each result equals the TypeScript reference computed in Node.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { blankPage } from './browser.ts';
import { createRng } from '../src/core/random.ts';
import { runReference, type KernelName } from '../src/kernels/registry.ts';

describe('kernels in Chromium workers', () => {
  const chromium = blankPage();

  it('the page is cross-origin isolated and validates all three builds', async () => {
    const info = await chromium.page.evaluate(async () => {
      const lab = await import('/dist/lab.js' as string);
      return { isolated: globalThis.crossOriginIsolated, builds: lab.supportedBuilds() };
    });
    assert.equal(info.isolated, true);
    assert.deepEqual(info.builds, ['relaxed-simd', 'simd', 'scalar']);
  });

  // Inputs and references are computed here, in Node, from the TypeScript source; the page gets
  // them as plain arrays and runs the kernels of the bundle in its workers.
  const rng = createRng(7);
  const mat = (rows: number, cols: number) => ({ data: Float32Array.from({ length: rows * cols }, () => rng.normal()), rows, cols });
  const points = mat(301, 7);
  const a = mat(45, 33);
  const b = mat(33, 19);
  const radius = runReference('knnDistance', { points, k: 5 });
  const picks: Record<string, (out: any) => ArrayLike<number>> = {
    pairwiseDistances: (o) => o.data,
    knnDistance: (o) => o,
    countWithinRadius: (o) => o,
    gemm: (o) => o.data,
    columnMeans: (o) => o,
    covariance: (o) => o.cov,
  };
  const cases: [KernelName, any][] = [
    ['pairwiseDistances', { a: points, metric: 'max' }],
    ['pairwiseDistances', { a: points, b: mat(20, 7), metric: 'sqeuclidean' }],
    ['knnDistance', { points, k: 5, columns: [6, 0, 3] }],
    ['countWithinRadius', { points, radius }],
    ['gemm', { a, b }],
    ['gemm', { a: b, b: a, transA: true, transB: true }],
    ['columnMeans', { x: points }],
    ['covariance', { x: points }],
  ];
  // Typed arrays cross page.evaluate as plain arrays, tagged so the page can rebuild them.
  const plain = (v: any): any =>
    ArrayBuffer.isView(v) ? { f32: Array.from(v as Float32Array) } : Array.isArray(v) ? v : v && typeof v === 'object' ? Object.fromEntries(Object.entries(v).map(([k, x]) => [k, plain(x)])) : v;
  const sent = cases.map(([name, input]) => ({ name, input: plain(input), want: Array.from(picks[name](runReference(name, input))) }));

  for (const build of ['relaxed-simd', 'simd', 'scalar']) {
    it(`${build}: every kernel in a worker equals the reference`, async () => {
      const report = await chromium.page.evaluate(async ({ build, sent }) => {
        const sdk = await import('/dist/browser.js' as string);
        const lab = await import('/dist/lab.js' as string);
        const typed = (v: any): any =>
          v && typeof v === 'object' && !Array.isArray(v) ? ('f32' in v ? Float32Array.from(v.f32) : Object.fromEntries(Object.entries(v).map(([k, x]) => [k, typed(x)]))) : v;
        const pick = (name: string, o: any) => (name === 'covariance' ? o.cov : o.data ?? o);
        const maxDiff = (x: ArrayLike<number>, y: ArrayLike<number>) => {
          if (x.length !== y.length) return Infinity;
          let m = 0;
          for (let i = 0; i < x.length; i++) m = Math.max(m, Math.abs(x[i] - y[i]));
          return m;
        };
        const pool = await sdk.WorkerPool.create({ size: 2, kernelOptions: { build } });
        try {
          const diffs: Record<string, number> = {};
          for (const { name, input, want } of sent) {
            const got = await lab.runKernelInWorker(name, typed(input), { pool });
            diffs[`${name}#${Object.keys(diffs).length}`] = maxDiff(pick(name, got), want);
          }
          return { build: pool.build, diffs };
        } finally {
          await pool.close();
        }
      }, { build, sent });
      assert.equal(report.build, build);
      for (const [name, diff] of Object.entries(report.diffs)) {
        const exact = name.startsWith('knnDistance') || name.startsWith('countWithinRadius') || name.startsWith('pairwiseDistances#0');
        assert.ok(exact ? diff === 0 : diff < 1e-4, `${build} ${name}: max difference ${diff}`);
      }
    });
  }

  it('errors keep their code across the worker hop, and an abort rejects with ABORTED', async () => {
    const result = await chromium.page.evaluate(async () => {
      const sdk = await import('/dist/browser.js' as string);
      const lab = await import('/dist/lab.js' as string);
      const pool = await sdk.WorkerPool.create({ size: 1 });
      try {
        const bad = await lab.runKernelInWorker('knnDistance', { points: { data: new Float32Array([1, NaN, 3, 4]), rows: 2, cols: 2 }, k: 1 }, { pool }).catch((e: any) => e);
        const big = { data: new Float32Array(6000 * 16).map((_, i) => Math.sin(i)), rows: 6000, cols: 16 };
        const controller = new AbortController();
        const aborted = lab
          .runKernelInWorker('knnDistance', { points: big, k: 3 }, { pool, signal: controller.signal, onProgress: () => controller.abort('stop') })
          .catch((e: any) => e);
        const abortError = await aborted;
        const after = await lab.runKernelInWorker('columnMeans', { x: { data: new Float32Array([1, 2, 3, 4]), rows: 2, cols: 2 } }, { pool });
        return {
          bad: { name: bad.name, code: bad.code, row: bad.details?.row, isSdkError: bad instanceof sdk.SpecialistError },
          abort: { code: abortError.code, message: abortError.message },
          after: Array.from(after),
          restarts: pool.stats().restarts,
        };
      } finally {
        await pool.close();
      }
    });
    assert.deepEqual(result.bad, { name: 'SpecialistError', code: 'NON_FINITE', row: 0, isSdkError: true });
    assert.deepEqual(result.abort, { code: 'ABORTED', message: 'Aborted: stop' });
    assert.deepEqual(result.after, [2, 3]);
    assert.equal(result.restarts, 1);
  });
});
