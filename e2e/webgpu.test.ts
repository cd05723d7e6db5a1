// Asks headless Chromium for a WebGPU adapter (only offered with --enable-unsafe-webgpu; on this
// kind of machine it is SwiftShader, a CPU fallback) and reports what it got.
import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import type { Browser } from 'playwright-core';
import { launchChromium, openPage } from './browser.ts';
import { serveRepository, type StaticServer } from './server.ts';

let server: StaticServer;
let browser: Browser;
before(async () => {
  server = await serveRepository();
  browser = await launchChromium(['--enable-unsafe-webgpu', '--enable-features=Vulkan', '--use-angle=swiftshader']);
});
after(async () => {
  await browser?.close();
  await server?.close();
});

it('reports the WebGPU adapter Chromium offers', async (t) => {
  const page = await openPage(browser, `${server.origin}/e2e/pages/blank.html`);
  const report = await page.evaluate(async () => {
    const gpu = (navigator as any).gpu;
    if (!gpu) return { api: false };
    const adapter = await gpu.requestAdapter();
    if (!adapter) return { api: true, adapter: null };
    const info = adapter.info ?? {};
    const device = await adapter.requestDevice();
    // A tiny compute pass proves the adapter really runs shaders: double four numbers.
    const input = new Float32Array([1, 2, 3, 4]);
    const storage = device.createBuffer({ size: 16, usage: 0x80 | 0x04 | 0x08 }); // STORAGE | COPY_SRC | COPY_DST
    const readback = device.createBuffer({ size: 16, usage: 0x01 | 0x08 }); // MAP_READ | COPY_DST
    device.queue.writeBuffer(storage, 0, input);
    const module = device.createShaderModule({
      code: '@group(0) @binding(0) var<storage, read_write> v: array<f32>; @compute @workgroup_size(4) fn main(@builtin(global_invocation_id) id: vec3u) { v[id.x] = v[id.x] * 2.0; }',
    });
    const pipeline = device.createComputePipeline({ layout: 'auto', compute: { module, entryPoint: 'main' } });
    const bind = device.createBindGroup({ layout: pipeline.getBindGroupLayout(0), entries: [{ binding: 0, resource: { buffer: storage } }] });
    const encoder = device.createCommandEncoder();
    const pass = encoder.beginComputePass();
    pass.setPipeline(pipeline);
    pass.setBindGroup(0, bind);
    pass.dispatchWorkgroups(1);
    pass.end();
    encoder.copyBufferToBuffer(storage, 0, readback, 0, 16);
    device.queue.submit([encoder.finish()]);
    await readback.mapAsync(1);
    const doubled = Array.from(new Float32Array(readback.getMappedRange()));
    return {
      api: true,
      adapter: { vendor: info.vendor, architecture: info.architecture, description: info.description, isFallbackAdapter: adapter.isFallbackAdapter ?? info.isFallbackAdapter },
      features: [...adapter.features].sort(),
      maxBufferSize: adapter.limits.maxBufferSize,
      doubled,
    };
  });
  t.diagnostic(`WebGPU: ${JSON.stringify(report)}`);
  console.log(`WebGPU report: ${JSON.stringify(report)}`);
  assert.equal(report.api, true, 'navigator.gpu exists with --enable-unsafe-webgpu');
  assert.ok(report.adapter, 'an adapter was offered');
  assert.deepEqual(report.doubled, [2, 4, 6, 8]);
});
