// The principal-component front end of wide fits (src/specialist/front-end.ts): the rank it finds
// against a known one, its eigenvalues against a full Jacobi decomposition, the folding of the
// projection into the model's layers, and exact supports on a small lifted generalist world.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createRng } from '../../src/core/random.ts';
import { KernelRuntime } from '../../src/kernels/runtime.ts';
import { fitSpecialists } from '../../src/specialist/fit.ts';
import { fitFrontEnd, foldFrontEnd, projectRows, RANK_FLOOR } from '../../src/specialist/front-end.ts';
import { Specialists } from '../../src/specialist/model.ts';
import { symmetricEigenvalues } from '../../src/stats/symmetric-eigen.ts';
import { generalistWorld } from '../../src/synthetic/generalist-world.ts';
import { expectCode } from '../helpers.ts';

/** z [N, W] = a rank-`rank` mixture of Gaussian sources through tanh, plus noise of scale `noise`. */
function lowRank(N: number, W: number, rank: number, noise: number, seed: number): Float32Array {
  const rng = createRng(seed);
  const mix = Float64Array.from({ length: rank * W }, () => rng.normal());
  const z = new Float32Array(N * W);
  for (let r = 0; r < N; r++) {
    const s = Array.from({ length: rank }, () => rng.normal());
    for (let c = 0; c < W; c++) {
      let v = 0;
      for (let j = 0; j < rank; j++) v += s[j] * mix[j * W + c];
      z[r * W + c] = v + noise * rng.normal();
    }
  }
  return z;
}

/** Eigenvalues (descending) of the covariance of z's standardised columns, by Jacobi on all of it. */
function referenceEigenvalues(z: Float32Array, N: number, W: number): number[] {
  const mean = new Float64Array(W), sq = new Float64Array(W);
  for (let q = 0; q < N * W; q++) mean[q % W] += z[q] / N;
  for (let q = 0; q < N * W; q++) sq[q % W] += (z[q] - mean[q % W]) ** 2 / N;
  const x = Float64Array.from(z, (v, q) => (v - mean[q % W]) / Math.sqrt(sq[q % W]));
  const cov = new Float64Array(W * W);
  for (let r = 0; r < N; r++) for (let i = 0; i < W; i++) for (let j = i; j < W; j++) cov[i * W + j] += (x[r * W + i] * x[r * W + j]) / N;
  for (let i = 0; i < W; i++) for (let j = 0; j < i; j++) cov[i * W + j] = cov[j * W + i];
  return [...symmetricEigenvalues(cov, W)];
}

describe('front end', () => {
  it("finds the rank of low-rank latents, with the eigenvalues of a full decomposition and orthonormal components", async () => {
    const kernels = await KernelRuntime.create();
    const N = 1500, W = 160;
    const z = lowRank(N, W, 6, 1e-3, 1);
    const front = fitFrontEnd(kernels, { data: z, rows: N, cols: W }, 'auto', 0)!;
    assert.equal(front.rank, 6);
    assert.ok(front.varianceKept > 0.999, `variance kept ${front.varianceKept}`);
    const reference = referenceEigenvalues(z, N, W);
    // The 7th reference eigenvalue is noise, far below the floor; the 6 kept ones match.
    assert.ok(reference[6] < RANK_FLOOR * reference[0] * 1e-3);
    const P = front.components;
    for (let a = 0; a < 6; a++) {
      for (let b = a; b < 6; b++) {
        let dot = 0;
        for (let row = 0; row < W; row++) dot += P[row * 6 + a] * P[row * 6 + b];
        assert.ok(Math.abs(dot - (a === b ? 1 : 0)) < 1e-4, `components ${a}, ${b}: ${dot}`);
      }
    }
    // Each component's variance over the rows is its eigenvalue.
    const u = projectRows(kernels, { data: z, rows: N, cols: W }, front);
    for (let c = 0; c < 6; c++) {
      let v = 0;
      for (let r = 0; r < N; r++) v += u[r * 6 + c] ** 2 / N;
      assert.ok(Math.abs(v - reference[c]) < 1e-3 * reference[0], `component ${c}: variance ${v}, eigenvalue ${reference[c]}`);
    }
    // An explicit rank keeps that many; a full-rank spectrum is left alone by 'auto'.
    assert.equal(fitFrontEnd(kernels, { data: z, rows: N, cols: W }, 10, 0)!.rank, 10);
    const full = lowRank(N, W, 0, 1, 2);
    assert.equal(fitFrontEnd(kernels, { data: full, rows: N, cols: W }, 'auto', 0), null);
  });

  it('bad inputRank is a typed error', async () => {
    const N = 200, W = 140;
    const latents = { data: lowRank(N, W, 3, 0.01, 3), shape: [N, W] };
    const targets = { data: Float32Array.from({ length: N * 2 }, (_, q) => latents.data[q * 7]), shape: [N, 1, 2] };
    for (const bad of [0, 1.5, W + 1, 'most']) {
      await expectCode(() => fitSpecialists(latents, targets, { inputRank: bad as number, epochs: 1 }), 'INVALID_ARGUMENT', 'inputRank');
    }
  });

  it('the folded model transforms and reconstructs the latents as the fit on the components did', async () => {
    const kernels = await KernelRuntime.create();
    const N = 800, W = 150;
    const z = lowRank(N, W, 5, 0.01, 4);
    const zm = { data: z, rows: N, cols: W };
    const front = fitFrontEnd(kernels, zm, 'auto', 0)!;
    const u = { data: projectRows(kernels, zm, front), shape: [N, front.rank] };
    const targets = { data: Float32Array.from({ length: N * 3 }, (_, q) => Math.tanh(u.data[Math.floor(q / 3) * front.rank + (q % 3)])), shape: [N, 1, 3] };
    const inner = await fitSpecialists(u, targets, { epochs: 3, lambda: 0.3, encoderWidths: [16], headWidth: 8, inputRank: 'full' }, { kernels });
    const folded = new Specialists(foldFrontEnd(inner.state, front));
    const latents = { data: z, shape: [N, W] };
    const close = (a: Float32Array, b: Float32Array, what: string) => {
      let worst = 0;
      for (let q = 0; q < a.length; q++) worst = Math.max(worst, Math.abs(a[q] - b[q]) / Math.max(1, Math.abs(b[q])));
      assert.ok(worst < 1e-3, `${what}: max relative difference ${worst}`);
    };
    close(folded.transform(latents).data, inner.transform(u).data, 's_hat');
    close(folded.predict(latents, 0).data, inner.predict(u, 0).data, 'prediction');
    // The reconstruction is the latents' projection onto the components, in the latents' units.
    const back = inner.reconstruct(u).data;
    const expected = new Float32Array(N * W);
    for (let r = 0; r < N; r++) {
      for (let c = 0; c < W; c++) {
        let v = 0;
        for (let j = 0; j < front.rank; j++) v += back[r * front.rank + j] * front.components[c * front.rank + j];
        expected[r * W + c] = v * front.std[c] + front.mean[c];
      }
    }
    close(folded.reconstruct(latents).data, expected, 'reconstruction');
    const loaded = Specialists.deserialise(folded.serialise());
    assert.deepEqual(loaded.transform(latents).data, folded.transform(latents).data);
  });

  it('gives exact supports on a small generalist world lifted to 160 wide', async () => {
    const world = generalistWorld({ episodes: 500, blockSizes: [2, 3, 2], irrelevantDims: 2, latentWidth: 160, seed: 4 });
    const { steps: T, segmentLength: L, taskDim: dg, latentDims: D } = world.params;
    const M = 3;
    const serving = Array.from({ length: T }, (_, t) => t).filter((t) => [0, 1, 2].some((i) => world.truth.relation[Math.floor(t / L) * M + i]));
    const encoder = (await import('../../src/onnx/export-network.ts')).runStages;
    const rows = world.params.episodes * serving.length;
    const states = new Float32Array(rows * D), y = new Float32Array(rows * M * dg), member = new Float32Array(rows * M);
    let r = 0;
    for (let e = 0; e < world.params.episodes; e++) {
      for (const t of serving) {
        states.set(world.states.subarray((e * T + t) * D, (e * T + t + 1) * D), r * D);
        for (let i = 0; i < M; i++) {
          member[r * M + i] = world.truth.relation[Math.floor(t / L) * M + i];
          y.set(world.contributions.subarray(((e * T + t) * M + i) * dg, ((e * T + t) * M + i + 1) * dg), (r * M + i) * dg);
        }
        r++;
      }
    }
    const z = encoder(states, rows, world.truth.phi);
    assert.equal(z.cols, 160);
    const model = await fitSpecialists({ data: z.data, shape: [rows, 160] }, { data: y, shape: [rows, M, dg] }, { seed: 1 }, { membership: { data: member, shape: [rows, M] } });
    assert.ok(model.latentDims < 20, `the front end kept ${model.latentDims} of 160 components`);
    assert.deepEqual(model.supports.map((s) => s.length), [2, 3, 2]);
  });
});
