// An exported head (standardise, select, dense LeakyRelu / Tanh / identity: what a specialist head
// is made of) loaded by onnxruntime-web in Chromium gives what its TypeScript twin runStages gives
// in Node: within 1e-5 on the wasm EP, and within 1e-3 relative on the webgpu EP (SwiftShader).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { buildOnnxModel, type NodeSpec, type TensorSpec } from '../src/onnx/builder.ts';
import { appendStages, runStages, type NetworkStage } from '../src/onnx/export-network.ts';
import { createRng } from '../src/core/random.ts';
import { launchChromium, openPage } from './browser.ts';
import { serveRepository, type StaticServer } from './server.ts';

const TOL = 1e-5;
const WEBGPU_REL_TOL = 1e-3;

function head(seed: number) {
  const rng = createRng(seed);
  const rand = (n: number, s = 1) => Float32Array.from({ length: n }, () => rng.normal() * s);
  const latent = 9;
  const stages: NetworkStage[] = [
    { kind: 'standardise', mean: rand(latent), invStd: Float32Array.from(rand(latent), (v) => 0.5 + Math.abs(v)) },
    { kind: 'select', columns: [6, 2, 4] },
    { kind: 'dense', din: 3, dout: 32, w: rand(96, 0.6), b: rand(32, 0.1), activation: 'leakyRelu', slope: 0.2 },
    { kind: 'dense', din: 32, dout: 32, w: rand(1024, 0.2), b: rand(32, 0.1), activation: 'tanh' },
    { kind: 'dense', din: 32, dout: 4, w: rand(128, 0.3), b: rand(4, 0.1), activation: 'identity' },
  ];
  const nodes: NodeSpec[] = [];
  const inits: TensorSpec[] = [];
  const block = appendStages(nodes, inits, 'latents', 'block', stages.slice(0, 2));
  const prediction = appendStages(nodes, inits, block, 'head', stages.slice(2));
  nodes.push({ op: 'Identity', inputs: [block], outputs: ['block'] }, { op: 'Identity', inputs: [prediction], outputs: ['prediction'] });
  const model = buildOnnxModel({
    graphName: 'specialist-head',
    inputs: [{ name: 'latents', shape: ['n', latent] }],
    outputs: [{ name: 'block', shape: ['n', 3] }, { name: 'prediction', shape: ['n', 4] }],
    initializers: inits,
    nodes,
  });
  const rows = 257;
  const x = rand(rows * latent, 1.5);
  return { model, x, rows, latent, block: runStages(x, rows, stages.slice(0, 2)), prediction: runStages(x, rows, stages) };
}

function maxDiff(a: ArrayLike<number>, b: ArrayLike<number>, scaled: boolean): number {
  assert.equal(a.length, b.length, 'lengths differ');
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]) / (scaled ? Math.max(1, Math.abs(b[i])) : 1));
  return m;
}

describe('an exported head in onnxruntime-web (Chromium) against runStages', () => {
  const h = head(77);
  let server: StaticServer;
  let browser: Browser;
  let page: Page;
  before(async () => {
    server = await serveRepository();
    browser = await launchChromium(['--enable-unsafe-webgpu']);
    page = await openPage(browser, `${server.origin}/e2e/pages/ort.html`);
  });
  after(async () => {
    await browser?.close();
    await server?.close();
  });

  const runInPage = (provider: 'wasm' | 'webgpu') =>
    page.evaluate(
      async ({ model, x, rows, latent, provider }) => {
        const ort = await import('onnxruntime-web' as string);
        const session = await ort.InferenceSession.create(model, { executionProviders: [provider] });
        try {
          const out = await session.run({ latents: new ort.Tensor('float32', x, [rows, latent]) });
          return { block: out.block.data as Float32Array, prediction: out.prediction.data as Float32Array, dims: [out.block.dims, out.prediction.dims] };
        } finally {
          await session.release();
        }
      },
      { model: h.model, x: h.x, rows: h.rows, latent: h.latent, provider },
    );

  it(`wasm EP equals the TypeScript twin within ${TOL}`, async (t) => {
    const got = await runInPage('wasm');
    assert.deepEqual(got.dims, [
      [h.rows, 3],
      [h.rows, 4],
    ]);
    const dBlock = maxDiff(got.block, h.block.data, false);
    const dPrediction = maxDiff(got.prediction, h.prediction.data, true);
    t.diagnostic(`wasm EP: block max |diff| ${dBlock.toExponential(2)}, prediction max relative diff ${dPrediction.toExponential(2)}`);
    assert.ok(dBlock <= TOL, `block ${dBlock}`);
    assert.ok(dPrediction <= TOL, `prediction ${dPrediction}`);
  });

  it(`webgpu EP equals the TypeScript twin within ${WEBGPU_REL_TOL} relative`, async (t) => {
    const got = await runInPage('webgpu');
    const dBlock = maxDiff(got.block, h.block.data, true);
    const dPrediction = maxDiff(got.prediction, h.prediction.data, true);
    t.diagnostic(`webgpu EP: block max relative diff ${dBlock.toExponential(2)}, prediction ${dPrediction.toExponential(2)}`);
    assert.ok(dBlock <= WEBGPU_REL_TOL && dPrediction <= WEBGPU_REL_TOL, `block ${dBlock}, prediction ${dPrediction}`);
  });
});
