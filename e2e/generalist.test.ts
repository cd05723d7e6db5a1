// The generalist encoder of the embedded default world in real Chromium, through the built bundle
// (dist/browser.js) and onnxruntime-web resolved by the page's import map: the wasm EP, the webgpu
// EP (SwiftShader adapter, only offered with --enable-unsafe-webgpu) and 'auto', each against the
// Node run of the same model on onnxruntime-web's wasm backend.
//
// Tolerances: wasm EP vs Node wasm 1e-5 (abs + rel; the same MLAS kernels, so in practice equal);
// webgpu EP vs Node 1e-3 relative to max(1, |value|) (other summation order, fp32 shaders).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { Generalist } from '../src/generalist/generalist.ts';
import { runStages } from '../src/onnx/export-network.ts';
import { generalistWorld } from '../src/synthetic/generalist-world.ts';
import { createRng } from '../src/core/random.ts';
import { wideEncoder } from '../bench/wide-encoder.ts';
import { launchChromium, openPage } from './browser.ts';
import { serveRepository, type StaticServer } from './server.ts';

const WORLD = { episodes: 24, seed: 11 } as const;
const WASM_TOL = 1e-5;
const WEBGPU_REL_TOL = 1e-3;

interface PageRun {
  choice: { device: string; backend: string; reason: string; canaryMaxAbsDiff?: number };
  sha256: string;
  shape: number[];
  data: Float32Array;
  ms: number;
}

function maxDiff(a: ArrayLike<number>, b: ArrayLike<number>, rel: 'abs' | 'scaled'): number {
  assert.equal(a.length, b.length, 'lengths differ');
  let m = 0;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(a[i] - b[i]);
    m = Math.max(m, rel === 'abs' ? d : d / Math.max(1, Math.abs(b[i])));
  }
  return m;
}

/** Loads the encoder in the page with `device` and encodes the observations. */
function encodeInPage(page: Page, model: Uint8Array, observations: Float32Array, shape: number[], device: string): Promise<PageRun> {
  return page.evaluate(
    async ({ model, observations, shape, device }) => {
      const sdk = await import('/dist/browser.js' as string);
      const t0 = performance.now();
      const g = await sdk.Generalist.load(model, { device });
      try {
        const z = await g.encode({ data: observations, shape });
        return { choice: g.device, sha256: g.modelSha256, shape: z.shape, data: z.data, ms: performance.now() - t0 };
      } finally {
        await g.dispose();
      }
    },
    { model, observations, shape, device },
  );
}

describe('the generalist encoder in Chromium (wasm, webgpu, auto)', () => {
  const world = generalistWorld(WORLD);
  const rows = world.shapes.observations[0] * world.shapes.observations[1];
  let expected: { data: Float32Array; shape: readonly number[]; sha256: string; backend: string };
  let server: StaticServer;
  let browser: Browser;
  let page: Page;

  before(async () => {
    // The reference: the same bytes in Node on onnxruntime-web's wasm backend.
    const g = await Generalist.load(world.encoderOnnx, { device: 'wasm' });
    const z = await g.encode({ data: world.observations, shape: world.shapes.observations });
    expected = { ...z, sha256: g.modelSha256, backend: g.device.backend };
    await g.dispose();
    server = await serveRepository();
    browser = await launchChromium(['--enable-unsafe-webgpu']);
    page = await openPage(browser, `${server.origin}/e2e/pages/ort.html`);
  });
  after(async () => {
    await browser?.close();
    await server?.close();
  });

  it('the Node reference is the world\'s ground truth phi(s)', () => {
    assert.equal(expected.backend, 'onnxruntime-web');
    assert.deepEqual(expected.shape, [...world.shapes.observations.slice(0, 2), world.params.latentDims]);
    const truth = runStages(world.states, rows, world.truth.phi).data;
    // The encoder undoes f in float32 before applying phi: a little more than one rounding.
    const d = maxDiff(expected.data, truth, 'scaled');
    assert.ok(d < 1e-4, `Node encoder vs phi(s): ${d}`);
  });

  it('the bundle builds the same encoder bytes as Node', async () => {
    const encoder = await page.evaluate(async (options) => {
      const lab = await import('/dist/lab.js' as string);
      return lab.generalistWorld(options).encoderOnnx as Uint8Array;
    }, WORLD);
    assert.deepEqual(Buffer.from(encoder), Buffer.from(world.encoderOnnx));
  });

  // Seeded worlds must not depend on the engine (a random sort comparator once made them differ).
  it('the bundle generates the same default world (relation, observations) as Node', async () => {
    const got = await page.evaluate(async (options) => {
      const lab = await import('/dist/lab.js' as string);
      const w = lab.generalistWorld(options);
      return { relation: w.truth.relation as Uint8Array, observations: w.observations as Float32Array };
    }, WORLD);
    assert.deepEqual(Array.from(got.relation), Array.from(world.truth.relation), 'relation');
    assert.ok(maxDiff(got.observations, world.observations, 'scaled') <= 1e-6, 'observations');
  });

  it(`wasm EP equals Node within ${WASM_TOL}`, async (t) => {
    const run = await encodeInPage(page, world.encoderOnnx, world.observations, world.shapes.observations, 'wasm');
    assert.deepEqual(run.choice, { device: 'wasm', backend: 'onnxruntime-web', reason: 'requested' });
    assert.equal(run.sha256, expected.sha256);
    assert.deepEqual(run.shape, expected.shape);
    const d = maxDiff(run.data, expected.data, 'abs');
    t.diagnostic(`wasm EP: max |browser - node| = ${d.toExponential(2)} over ${run.data.length} values (${run.ms.toFixed(0)} ms)`);
    assert.ok(d <= WASM_TOL * (1 + Math.max(...expected.data.map(Math.abs))), `wasm max difference ${d}`);
  });

  it(`webgpu EP (SwiftShader) equals Node within ${WEBGPU_REL_TOL} relative`, async (t) => {
    const run = await encodeInPage(page, world.encoderOnnx, world.observations, world.shapes.observations, 'webgpu').catch((error: Error) => {
      throw new Error(`the webgpu EP did not run (does this Chromium offer an adapter with --enable-unsafe-webgpu? see e2e/webgpu.test.ts): ${error.message}`);
    });
    assert.deepEqual(run.choice, { device: 'webgpu', backend: 'onnxruntime-web', reason: 'requested' });
    assert.deepEqual(run.shape, expected.shape);
    const d = maxDiff(run.data, expected.data, 'scaled');
    t.diagnostic(`webgpu EP: max |browser - node| / max(1, |node|) = ${d.toExponential(2)} (${run.ms.toFixed(0)} ms)`);
    assert.ok(d <= WEBGPU_REL_TOL, `webgpu max relative difference ${d}`);
  });

  it('auto chooses webgpu when the canary agrees with wasm, and says so', async (t) => {
    const run = await encodeInPage(page, world.encoderOnnx, world.observations, world.shapes.observations, 'auto');
    t.diagnostic(`auto: ${JSON.stringify(run.choice)}`);
    assert.equal(run.choice.device, 'webgpu');
    assert.equal(typeof run.choice.canaryMaxAbsDiff, 'number');
    assert.ok(run.choice.canaryMaxAbsDiff! <= 1e-3, `canary difference ${run.choice.canaryMaxAbsDiff}`);
    assert.match(run.choice.reason, /agrees with wasm on the canary/);
    assert.ok(maxDiff(run.data, expected.data, 'scaled') <= WEBGPU_REL_TOL);
  });

  it('a wider encoder (64 -> 256 -> 256 -> 64): wasm and webgpu EPs against Node', async (t) => {
    const wide = wideEncoder();
    const rng = createRng(12);
    const x = Float32Array.from({ length: 512 * wide.inputDim }, () => rng.normal());
    const g = await Generalist.load(wide.model, { device: 'wasm' });
    const want = await g.encode({ data: x, shape: [8, 64, wide.inputDim] });
    await g.dispose();
    const wasm = await encodeInPage(page, wide.model, x, [8, 64, wide.inputDim], 'wasm');
    const webgpu = await encodeInPage(page, wide.model, x, [8, 64, wide.inputDim], 'webgpu');
    const dWasm = maxDiff(wasm.data, want.data, 'abs');
    const dGpu = maxDiff(webgpu.data, want.data, 'scaled');
    t.diagnostic(`wide encoder: wasm max |diff| ${dWasm.toExponential(2)}; webgpu max relative diff ${dGpu.toExponential(2)} (wasm ${wasm.ms.toFixed(0)} ms, webgpu ${webgpu.ms.toFixed(0)} ms)`);
    assert.deepEqual(webgpu.shape, [8, 64, wide.outputDim]);
    assert.ok(dWasm <= WASM_TOL * (1 + Math.max(...want.data.map(Math.abs))), `wasm max difference ${dWasm}`);
    assert.ok(dGpu <= WEBGPU_REL_TOL, `webgpu max relative difference ${dGpu}`);
  });

  it('works under onnxruntime-web\'s proxy mode (env.wasm.proxy, set by the app), which detaches the bytes it is given', async () => {
    const other = await openPage(browser, `${server.origin}/e2e/pages/ort.html`);
    try {
      const run = await other.evaluate(
        async ({ model, observations, shape }) => {
          const ort = await import('onnxruntime-web' as string);
          ort.env.wasm.proxy = true; // before onnxruntime-web first starts: fixed from then on, for the page
          const sdk = await import('/dist/browser.js' as string);
          const g = await sdk.Generalist.load(model, { device: 'wasm' });
          try {
            const z = await g.encode({ data: observations, shape });
            return { data: z.data, shape: z.shape, givenBytes: model.byteLength };
          } finally {
            await g.dispose();
          }
        },
        { model: world.encoderOnnx, observations: world.observations, shape: world.shapes.observations },
      );
      assert.equal(run.givenBytes, 0, 'onnxruntime-web transferred the model bytes to its worker');
      assert.deepEqual(run.shape, expected.shape);
      assert.ok(maxDiff(run.data, expected.data, 'abs') <= WASM_TOL * (1 + Math.max(...expected.data.map(Math.abs))));
    } finally {
      await other.close();
    }
  });

  it('auto falls back to wasm, saying why, in a browser without a WebGPU adapter', async (t) => {
    const plain = await launchChromium();
    try {
      const other = await openPage(plain, `${server.origin}/e2e/pages/ort.html`);
      const run = await encodeInPage(other, world.encoderOnnx, world.observations, world.shapes.observations, 'auto');
      t.diagnostic(`auto without --enable-unsafe-webgpu: ${JSON.stringify(run.choice)}`);
      assert.equal(run.choice.device, 'wasm');
      assert.match(run.choice.reason, /no WebGPU adapter|no navigator.gpu/);
      assert.ok(maxDiff(run.data, expected.data, 'abs') <= WASM_TOL * (1 + Math.max(...expected.data.map(Math.abs))));
    } finally {
      await plain.close();
    }
  });
});
