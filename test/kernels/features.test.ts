// The random-Fourier-feature kernel in every build against its plain TypeScript reference (the
// same float32 argument, the cosine in float64), on odd shapes and arguments far from 0.
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { supportedBuilds, type KernelBuild } from '../../src/kernels/builds.ts';
import { runKernel, runReference } from '../../src/kernels/registry.ts';
import { KernelRuntime } from '../../src/kernels/runtime.ts';
import { assertClose, createRng, expectCode, randomMatrix } from '../helpers.ts';

for (const build of supportedBuilds()) {
  describe(`fourierFeatures, ${build} build`, () => {
    let rt: KernelRuntime;
    before(async () => {
      rt = await KernelRuntime.create({ build: build as KernelBuild });
    });

    it('matches the reference within the float32 rounding of its argument (|t| up to ~100, m not a multiple of 4)', () => {
      const rng = createRng(61);
      for (const [n, b, m] of [[1, 1, 1], [7, 3, 5], [33, 2, 16], [100, 8, 37], [5, 1, 130]]) {
        const x = randomMatrix(rng, n, b);
        const scale = 1 + 10 * rng.next();
        const w = { data: Float32Array.from({ length: b * m }, () => scale * rng.normal()), rows: b, cols: m };
        const phase = Float32Array.from({ length: m }, () => 2 * Math.PI * rng.next());
        const got = runKernel('fourierFeatures', { x, w, phase }, { kernels: rt });
        assert.deepEqual([got.rows, got.cols], [n, m]);
        const want = runReference('fourierFeatures', { x, w, phase }).data;
        for (let i = 0; i < n; i++) {
          for (let j = 0; j < m; j++) {
            // The sum of b + 1 terms in float32, fused or not: its rounding moves the argument by
            // at most about (b + 1) 2^-24 times the sum of their magnitudes; the cosine moves as much.
            let magnitude = Math.abs(phase[j]);
            for (let c = 0; c < b; c++) magnitude += Math.abs(x.data[i * b + c] * w.data[c * m + j]);
            const tolerance = 2e-6 + 2 * (b + 1) * 2 ** -24 * magnitude;
            const diff = Math.abs(got.data[i * m + j] - want[i * m + j]);
            assert.ok(diff <= tolerance, `[${n}, ${b}] x [${b}, ${m}] at ${i}, ${j}: ${got.data[i * m + j]} vs ${want[i * m + j]} (tolerance ${tolerance})`);
          }
        }
      }
    });

    it('gives sqrt(2) cos of the phase when x is zero, exactly at the extremes', () => {
      const x = { data: new Float32Array(3), rows: 3, cols: 1 };
      const w = { data: Float32Array.from([1, 2, 3, 4]), rows: 1, cols: 4 };
      const phase = Float32Array.from([0, Math.PI, Math.PI / 2, 40 * Math.PI]);
      const got = runKernel('fourierFeatures', { x, w, phase }, { kernels: rt }).data;
      assertClose(got.subarray(0, 4), [Math.SQRT2, -Math.SQRT2, 0, Math.SQRT2], { abs: 2e-6 }, 'row 0');
    });

    it('bad shapes are typed errors', () => {
      const x = { data: new Float32Array(6), rows: 3, cols: 2 };
      expectCode(() => runKernel('fourierFeatures', { x, w: { data: new Float32Array(3), rows: 1, cols: 3 }, phase: new Float32Array(3) }, { kernels: rt }), 'SHAPE_MISMATCH');
      expectCode(() => runKernel('fourierFeatures', { x, w: { data: new Float32Array(6), rows: 2, cols: 3 }, phase: new Float32Array(2) }, { kernels: rt }), 'SHAPE_MISMATCH');
      expectCode(() => runKernel('fourierFeatures', { x, w: { data: new Float32Array(6), rows: 2, cols: 3 }, phase: Float32Array.from([0, NaN, 0]) }, { kernels: rt }), 'NON_FINITE');
    });
  });
}
