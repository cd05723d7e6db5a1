// A page that deploys heads on latents it already has (HeadRuntime from dist/deploy.js) fetches no
// onnxruntime file, and gives what Specialists gives in Node; and what a deploying page fetches,
// counted from the responses in Chromium: heads only, against the encoder on onnxruntime-web's
// wasm EP (ort.bundle.min.mjs, which loads the WebGPU-capable jsep wasm even on the wasm device)
// and its plain wasm build (ort.wasm.bundle.min.mjs). The figures are printed for docs/pipeline.md.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import type { Tensor } from '../src/core/tensor.ts';
import { headsFixture, type HeadsFixture } from '../test/deploy/heads-fixture.ts';
import { launchChromium, maxScaledDiff } from './browser.ts';
import { serveRepository, type StaticServer } from './server.ts';

describe('deploying heads in Chromium: bytes fetched', () => {
  let f: HeadsFixture;
  let server: StaticServer;
  let browser: Browser;
  let latents: Tensor<Float32Array>;

  before(async () => {
    f = await headsFixture({ device: 'wasm' });
    latents = await f.inThread.generalist.encode(f.observations);
    server = await serveRepository();
    browser = await launchChromium();
  });
  after(async () => {
    await f?.inThread.dispose();
    await browser?.close();
    await server?.close();
  });

  /** A fresh page (no cache) that records every response's URL and body size. */
  async function countingPage(): Promise<{ page: Page; fetched: Map<string, number> }> {
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.addInitScript({ content: 'globalThis.__name = (fn) => fn;' });
    const fetched = new Map<string, number>();
    await context.route('**/models/model.specialist', (route) => route.fulfill({ body: Buffer.from(f.heads), contentType: 'application/octet-stream' }));
    await context.route('**/models/encoder.onnx', (route) => route.fulfill({ body: Buffer.from(f.encoder), contentType: 'application/octet-stream' }));
    // The body's size as sent (a wasm compiled while streaming has no body left to read here).
    context.on('response', async (r) => {
      const sizes = await r.request().sizes().catch(() => ({ responseBodySize: 0 }));
      fetched.set(new URL(r.url()).pathname, sizes.responseBodySize);
    });
    await page.goto(`${server.origin}/e2e/pages/blank.html`);
    fetched.clear();
    return { page, fetched };
  }

  // The deployment's bytes: the test page itself (blank.html) is not part of it.
  const total = (fetched: Map<string, number>) => [...fetched].filter(([p]) => !p.endsWith('blank.html')).reduce((a, [, b]) => a + b, 0);

  it('HeadRuntime on the page: no onnxruntime file fetched, predictions equal to Node', async () => {
    const { page, fetched } = await countingPage();
    const got = await page.evaluate(async ({ latents }) => {
      const sdk = await import('/dist/deploy.js' as string);
      const heads = await sdk.HeadRuntime.load('/e2e/pages/models/model.specialist');
      return [0, 1].map((task) => Array.from(heads.run(latents, task).prediction.data as Float32Array));
    }, { latents });
    await page.waitForTimeout(200);
    for (const task of [0, 1]) assert.ok(maxScaledDiff(got[task], f.inThread.heads.predict(latents, task).data) <= 1e-6, `task ${task}`);
    const files = [...fetched.keys()];
    assert.deepEqual(files.filter((p) => /onnxruntime|\/ort[.-]/.test(p)), [], 'no onnxruntime file');
    assert.ok(files.some((p) => p.endsWith('model.specialist')));
    console.log(`head-only page: ${total(fetched)} bytes in ${files.length} files (${files.join(', ')}), heads ${f.heads.length} bytes`);
    await page.context().close();
  });

  for (const [label, ortFile] of [['wasm EP, ort.bundle.min.mjs (the default import)', 'ort.bundle.min.mjs'], ['wasm EP, ort.wasm.bundle.min.mjs (plain wasm build)', 'ort.wasm.bundle.min.mjs']] as const) {
    it(`SpecialistRuntime on the page, ${label}: the onnxruntime files it fetches`, async () => {
      const { page, fetched } = await countingPage();
      const device = await page.evaluate(async ({ ortUrl }) => {
        const sdk = await import('/dist/deploy.js' as string);
        sdk.configureOnnxRuntime({ moduleUrl: ortUrl });
        const runtime = await sdk.SpecialistRuntime.load('/e2e/pages/models/encoder.onnx', '/e2e/pages/models/model.specialist', { generalist: { device: 'wasm' } });
        await runtime.run({ data: new Float32Array(runtime.generalist.observationDims.reduce((a: number, b: number) => a * b, 1)), shape: runtime.generalist.observationDims }, 0);
        await runtime.dispose();
        return runtime.generalist.device.device;
      }, { ortUrl: `/node_modules/onnxruntime-web/dist/${ortFile}` });
      assert.equal(device, 'wasm');
      const ort = [...fetched].filter(([p]) => /onnxruntime/.test(p));
      assert.ok(ort.some(([p]) => p.endsWith('.wasm')), 'an onnxruntime wasm was fetched');
      // The default bundle is WebGPU-capable: its wasm (jsep) comes even for the wasm device.
      assert.equal(ort.some(([p]) => p.includes('jsep')), ortFile === 'ort.bundle.min.mjs');
      console.log(`${label}: ${total(fetched)} bytes; onnxruntime files ${ort.map(([p, b]) => `${p.split('/').pop()} ${b}`).join(', ')}`);
      await page.context().close();
    });
  }
});
