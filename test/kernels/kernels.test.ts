// Every kernel, in every wasm build this host runs, against its plain TypeScript reference on
// random shapes (n = 1, n below the tile size, odd d) and edge values (ties, zeros, 1e4, 1e-4).
import assert from 'node:assert/strict';
import { describe, it, before } from 'node:test';
import { supportedBuilds, KERNEL_BUILDS, type KernelBuild } from '../../src/kernels/builds.ts';
import { KernelRuntime } from '../../src/kernels/runtime.ts';
import { kernelNames, runKernel, runReference } from '../../src/kernels/registry.ts';
import { SHAPES, assertClose, assertExact, createRng, randomMatrix } from '../helpers.ts';

const builds = supportedBuilds();

it('the test host runs every build (relaxed SIMD via --experimental-wasm-relaxed-simd)', () => {
  assert.deepEqual(builds, [...KERNEL_BUILDS]);
});

for (const build of builds) {
  describe(`kernels, ${build} build`, () => {
    let rt: KernelRuntime;
    before(async () => {
      rt = await KernelRuntime.create({ build: build as KernelBuild });
      assert.equal(rt.build, build);
    });

    it('registers the six base kernels and the kNN-CMI kernels', () => {
      // Other layers register more kernels (tested in their own files); these must be among them.
      const names = kernelNames();
      for (const name of ['columnMeans', 'countWithinRadius', 'covariance', 'gemm', 'knnDistance', 'pairwiseDistances', 'blockDistances', 'nearestIndices', 'cmiCounts']) {
        assert.ok(names.includes(name as never), `${name} is registered`);
      }
    });

    for (const kind of ['normal', 'edge'] as const) {
      it(`pairwiseDistances matches the reference (${kind} values)`, () => {
        const rng = createRng(11);
        for (const [n, d] of SHAPES) {
          const a = randomMatrix(rng, n, d, kind);
          const b = randomMatrix(rng, 1 + rng.int(80), d, kind);
          for (const input of [{ a, metric: 'max' as const }, { a, b, metric: 'max' as const }]) {
            assertExact(runKernel('pairwiseDistances', input, { kernels: rt }).data, runReference('pairwiseDistances', input).data, `max [${n}, ${d}]`);
          }
          const sq = { a, b, metric: 'sqeuclidean' as const };
          const got = runKernel('pairwiseDistances', sq, { kernels: rt });
          assert.deepEqual([got.rows, got.cols], [n, b.rows]);
          // Summation order differs from the reference (4 lanes, fused multiply-add in relaxed).
          assertClose(got.data, runReference('pairwiseDistances', sq).data, { abs: 1e-5, rel: 1e-5 * Math.max(1, d) }, `sqeuclidean [${n}, ${d}]`);
        }
      });

      it(`knnDistance and countWithinRadius match exactly on column subsets (${kind} values)`, () => {
        const rng = createRng(12);
        for (const [n, d] of SHAPES) {
          if (n < 2) continue;
          const points = randomMatrix(rng, n, d, kind);
          const columns = d > 2 ? [d - 1, 0, Math.floor(d / 2)] : undefined;
          for (const k of [1, Math.max(1, Math.floor((n - 1) / 2)), n - 1]) {
            const input = { points, columns, k };
            const knn = runKernel('knnDistance', input, { kernels: rt });
            assertExact(knn, runReference('knnDistance', input), `knn [${n}, ${d}] k=${k}`);
            // Radii at the kNN distance (ties included) and just above it.
            for (const radius of [knn, knn.map((r) => r * 1.5 + 1e-3)]) {
              const count = { points, columns, radius };
              assertExact(runKernel('countWithinRadius', count, { kernels: rt }), runReference('countWithinRadius', count), `count [${n}, ${d}] k=${k}`);
            }
          }
        }
      });
    }

    it('countWithinRadius counts strictly fewer than k points inside the k-th neighbour distance', () => {
      const rng = createRng(13);
      const points = randomMatrix(rng, 300, 3);
      const radius = runKernel('knnDistance', { points, k: 7 }, { kernels: rt });
      const counts = runKernel('countWithinRadius', { points, radius }, { kernels: rt });
      // Continuous data have no ties: exactly k - 1 points are strictly closer.
      assert.ok(counts.every((c) => c === 6));
    });

    it('gemm matches the float64 reference in all four transpose modes, with alpha and beta', () => {
      const rng = createRng(14);
      for (const [m, n, k] of [[1, 1, 1], [3, 5, 7], [17, 16, 9], [33, 31, 64], [64, 65, 3], [5, 130, 17]]) {
        for (const transA of [false, true]) {
          for (const transB of [false, true]) {
            const a = randomMatrix(rng, transA ? k : m, transA ? m : k);
            const b = randomMatrix(rng, transB ? n : k, transB ? k : n);
            const c = randomMatrix(rng, m, n);
            for (const [alpha, beta] of [[1, 0], [0.5, -2]]) {
              const input = { a, b, c, transA, transB, alpha, beta };
              const got = runKernel('gemm', input, { kernels: rt });
              assert.deepEqual([got.rows, got.cols], [m, n]);
              assertClose(got.data, runReference('gemm', input).data, { abs: 1e-5 * k, rel: 1e-5 }, `gemm ${m}x${n}x${k} tA=${transA} tB=${transB}`);
            }
          }
        }
      }
    });

    it('columnMeans and covariance match the float64 reference', () => {
      const rng = createRng(16);
      for (const [n, d] of [...SHAPES, [1000, 9] as [number, number]]) {
        if (n < 2) continue;
        const x = randomMatrix(rng, n, d, 'edge');
        assertClose(runKernel('columnMeans', { x }, { kernels: rt }), runReference('columnMeans', { x }), { abs: 1e-9, rel: 1e-12 }, `means [${n}, ${d}]`);
        for (const ddof of [0, 1]) {
          const got = runKernel('covariance', { x, ddof }, { kernels: rt });
          const want = runReference('covariance', { x, ddof });
          assertClose(got.cov, want.cov, { abs: 1e-9, rel: 1e-9 }, `cov [${n}, ${d}]`);
          assertClose(got.means, want.means, { abs: 1e-9, rel: 1e-12 }, `cov means [${n}, ${d}]`);
        }
      }
    });

    it('covariance recovers a known covariance (closed form) from 20,000 samples', () => {
      // x = L e with e standard normal: Cov(x) = L L^T.
      const rng = createRng(17);
      const L = [[1, 0, 0], [0.5, 2, 0], [-1, 0.3, 0.5]];
      const n = 20000;
      const data = new Float32Array(n * 3);
      for (let r = 0; r < n; r++) {
        const e = [rng.normal(), rng.normal(), rng.normal()];
        for (let i = 0; i < 3; i++) data[r * 3 + i] = L[i][0] * e[0] + L[i][1] * e[1] + L[i][2] * e[2] + 10;
      }
      const { cov, means } = runKernel('covariance', { x: { data, rows: n, cols: 3 } }, { kernels: rt });
      for (let i = 0; i < 3; i++) {
        assert.ok(Math.abs(means[i] - 10) < 0.05, `mean ${i}`);
        for (let j = 0; j < 3; j++) {
          const truth = L[i][0] * L[j][0] + L[i][1] * L[j][1] + L[i][2] * L[j][2];
          assert.ok(Math.abs(cov[i * 3 + j] - truth) < 0.1, `cov[${i},${j}] = ${cov[i * 3 + j]}, truth ${truth}`);
        }
      }
    });

    it('leaves no kernel memory in use after the calls', () => {
      assert.equal(rt.memory.bytesInUse, 0);
    });
  });
}
