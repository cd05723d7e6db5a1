// The kNN-CMI kernels (blockDistances, nearestIndices, cmiCounts), in every wasm build this host
// runs, against their plain TypeScript references: random shapes, odd sizes, tiny n, exact ties.
import assert from 'node:assert/strict';
import { describe, it, before } from 'node:test';
import { supportedBuilds, type KernelBuild } from '../../src/kernels/builds.ts';
import { KernelRuntime } from '../../src/kernels/runtime.ts';
import { runKernel, runReference } from '../../src/kernels/registry.ts';
import type { Matrix } from '../../src/core/tensor.ts';
import { assertExact, createRng, expectCode, randomMatrix } from '../helpers.ts';
import type { Rng } from '../../src/core/random.ts';

/** Integer-valued points: max-norm distances tie everywhere. */
function tiedMatrix(rng: Rng, rows: number, cols: number): Matrix {
  return { data: Float32Array.from({ length: rows * cols }, () => rng.int(4)), rows, cols };
}

const SIZES = [2, 3, 5, 8, 13, 31, 64, 97];

for (const build of supportedBuilds()) {
  describe(`kNN-CMI kernels, ${build} build`, () => {
    let rt: KernelRuntime;
    before(async () => {
      rt = await KernelRuntime.create({ build: build as KernelBuild });
    });

    it('blockDistances matches the reference, alone and max-ed with another block', () => {
      const rng = createRng(31);
      for (const n of [1, ...SIZES]) {
        for (const kind of ['normal', 'edge', 'tied'] as const) {
          const d = 1 + rng.int(6);
          const points = kind === 'tied' ? tiedMatrix(rng, n, d) : randomMatrix(rng, n, d, kind);
          const columns = d > 2 ? [d - 1, 0] : undefined;
          const first = { points, columns };
          const block = runKernel('blockDistances', first, { kernels: rt });
          assertExact(block, runReference('blockDistances', first), `block n=${n} d=${d} ${kind}`);
          const second = { points, columns: [0], init: block };
          assertExact(runKernel('blockDistances', second, { kernels: rt }), runReference('blockDistances', second), `block+init n=${n} d=${d} ${kind}`);
        }
      }
    });

    it('nearestIndices matches the reference, ties broken by index', () => {
      const rng = createRng(32);
      for (const n of [1, ...SIZES]) {
        for (const kind of ['normal', 'tied'] as const) {
          const points = kind === 'tied' ? tiedMatrix(rng, n, 2) : randomMatrix(rng, n, 3);
          const distances = { data: runReference('blockDistances', { points }), rows: n, cols: n };
          for (const count of new Set([1, Math.min(n, 5), n])) {
            const input = { distances, count };
            assertExact(runKernel('nearestIndices', input, { kernels: rt }), runReference('nearestIndices', input), `nearest n=${n} s=${count} ${kind}`);
          }
        }
      }
    });

    it('cmiCounts matches the reference with and without z, with and without guesses', () => {
      const rng = createRng(33);
      for (const n of SIZES) {
        for (const kind of ['normal', 'edge', 'tied'] as const) {
          const make = (cols: number) => (kind === 'tied' ? tiedMatrix(rng, n, cols) : randomMatrix(rng, n, cols, kind));
          const dx = 1 + rng.int(3);
          const x = [make(dx), make(dx), make(dx)];
          const dz = runReference('blockDistances', { points: make(1 + rng.int(5)) });
          const y = make(1 + rng.int(3));
          const dyzWith = runReference('blockDistances', { points: y, init: dz });
          const dy = runReference('blockDistances', { points: y });
          for (const k of new Set([1, Math.max(1, Math.floor(n / 10)), Math.floor((n - 1) / 2) || 1, n - 1])) {
            for (const withZ of [true, false]) {
              const base = withZ ? { x, dyz: dyzWith, dz, k } : { x, dyz: dy, k };
              const want = runReference('cmiCounts', base);
              // Guesses: none, exact, too small, too large, zero: the result never depends on them.
              const guesses = [undefined, want.eps.slice(0, n), want.eps.map((e) => e * 0.5).slice(0, n), want.eps.map((e) => e * 3 + 1).slice(0, n), new Float32Array(n)];
              for (const guess of guesses) {
                const input = guess ? { ...base, guess } : base;
                const got = runKernel('cmiCounts', input, { kernels: rt });
                const what = `counts n=${n} dx=${dx} k=${k} z=${withZ} ${kind} guess=${guess ? 'yes' : 'no'}`;
                assertExact(got.eps, want.eps, `${what} eps`);
                assertExact(got.counts, want.counts, `${what} counts`);
              }
            }
          }
        }
      }
    });

    it('cmiCounts matches the reference at a realistic size (n = 400, k = 40, ranks with jitter)', () => {
      const rng = createRng(36);
      const n = 400;
      // Mid-rank-like values with tiny jitter: the distances the CI test feeds the kernel.
      const ranks = (cols: number) => ({ data: Float32Array.from({ length: n * cols }, () => rng.int(n) + 1e-3 * rng.normal()), rows: n, cols });
      const x = [ranks(2), ranks(2), ranks(2), ranks(2)];
      const dz = runReference('blockDistances', { points: ranks(4) });
      const dyz = runReference('blockDistances', { points: ranks(1), init: dz });
      const want = runReference('cmiCounts', { x, dyz, dz, k: 40 });
      for (const guess of [undefined, want.eps.slice(3 * n)]) {
        const got = runKernel('cmiCounts', guess ? { x, dyz, dz, k: 40, guess } : { x, dyz, dz, k: 40 }, { kernels: rt });
        assertExact(got.eps, want.eps, 'eps');
        assertExact(got.counts, want.counts, 'counts');
      }
    });

    it('cmiCounts on continuous data: the sub-space counts bound the joint count k - 1', () => {
      const rng = createRng(34);
      const n = 300;
      const x = [randomMatrix(rng, n, 2)];
      const dz = runKernel('blockDistances', { points: randomMatrix(rng, n, 3) }, { kernels: rt });
      const dyz = runKernel('blockDistances', { points: randomMatrix(rng, n, 1), init: dz }, { kernels: rt });
      const { counts } = runKernel('cmiCounts', { x, dyz, dz, k: 30 }, { kernels: rt });
      for (let i = 0; i < n; i++) {
        // The subspace counts bound the joint one: n_xz, n_yz >= k - 1 and n_z >= both.
        assert.ok(counts[i] >= 29 && counts[n + i] >= 29, `row ${i}`);
        assert.ok(counts[2 * n + i] >= Math.max(counts[i], counts[n + i]), `row ${i}`);
      }
    });

    it('rejects bad input with typed errors before any kernel call', async () => {
      const rng = createRng(35);
      const n = 6;
      const x = [randomMatrix(rng, n, 1)];
      const dyz = runReference('blockDistances', { points: randomMatrix(rng, n, 2) });
      await expectCode(() => runKernel('cmiCounts', { x, dyz, k: n }, { kernels: rt }), 'INVALID_ARGUMENT', 'k must be');
      await expectCode(() => runKernel('cmiCounts', { x, dyz: dyz.slice(1), k: 2 }, { kernels: rt }), 'SHAPE_MISMATCH', 'dyz');
      const negative = dyz.slice();
      negative[1] = -1;
      await expectCode(() => runKernel('cmiCounts', { x, dyz: negative, k: 2 }, { kernels: rt }), 'INVALID_ARGUMENT', 'negative');
      const diag = dyz.slice();
      diag[0] = 1;
      await expectCode(() => runKernel('cmiCounts', { x, dyz: diag, k: 2 }, { kernels: rt }), 'INVALID_ARGUMENT', 'dyz[0, 0]');
      await expectCode(() => runKernel('cmiCounts', { x: [x[0], randomMatrix(rng, n, 2)], dyz, k: 2 }, { kernels: rt }), 'SHAPE_MISMATCH', 'x[1]');
      await expectCode(() => runKernel('nearestIndices', { distances: { data: dyz, rows: n, cols: n }, count: n + 1 }, { kernels: rt }), 'INVALID_ARGUMENT');
      await expectCode(() => runKernel('blockDistances', { points: x[0], init: new Float32Array(3) }, { kernels: rt }), 'SHAPE_MISMATCH', 'init');
      const nan = randomMatrix(rng, n, 2);
      nan.data[3] = NaN;
      await expectCode(() => runKernel('blockDistances', { points: nan }, { kernels: rt }), 'NON_FINITE', 'row 1, column 1');
    });

    it('leaves no kernel memory in use after the calls', () => {
      assert.equal(rt.memory.bytesInUse, 0);
    });
  });
}
