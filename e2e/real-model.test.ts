// The glyph world and the whole pipeline on the PP-OCRv4 recogniser in Chromium, against Node, at
// a small size (the full run is `npm run real-model`). The world must draw the same pixels in both
// (bit for bit), the recogniser give the same latents (onnxruntime-web's wasm EP in both: within
// 1e-4 relative), and Layers 1 and 2 the same relation and supports. The deployed head's size and
// its latency in the page are printed for docs/real-model.md, not asserted (speed is no unit test).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { before, describe, it } from 'node:test';
import { runPipeline, type PipelineResult } from '../src/pipeline/pipeline.ts';
import { glyphWorld } from '../src/synthetic/glyph-world.ts';
import { glyphEvaluation } from '../src/metrics/glyph-scores.ts';
import { OCR_MODEL_PATH } from '../src/generalist/pp-ocr.ts';
import { blankPage, maxScaledDiff } from './browser.ts';

// 200 episodes x 4 steps: 800 pictures. The 60-wide layer and no diagnostic keep Fisher z's need
// of episodes (x, y and z columns + 3 = 60 + 4 + 120 + 3) under n; the default layer (120 wide)
// would need 367 episodes here and 723 with the diagnostic.
const WORLD = { episodes: 200, steps: 4, seed: 21 } as const;
const GENERALIST = { output: 'swish_16.tmp_0', poolAxes: [2, 3], device: 'wasm' as const };
const OPTIONS = { structure: { segmentLength: 2, diagnostic: false }, specialists: { epochs: 3, seed: 1 } };
const ORT_URL = '/node_modules/onnxruntime-web/dist/ort.bundle.min.mjs';
const TOL = 1e-4;

describe('the glyph world and the pipeline on PP-OCRv4 in Chromium equal the Node run', () => {
  const world = glyphWorld(WORLD);
  const [n, T] = [WORLD.episodes, WORLD.steps];
  const [, M, dg] = world.shapes.tasks;
  let node: PipelineResult;

  // 40 more episodes of the same world (its first 200 are the ones above) to compare the heads on.
  const more = glyphWorld({ ...WORLD, episodes: WORLD.episodes + 40 });
  before(async () => {
    node = await runPipeline(
      {
        encoder: new Uint8Array(readFileSync(OCR_MODEL_PATH)),
        observations: world.observations(),
        tasks: { data: world.tasks, shape: world.shapes.tasks },
        stepTargets: { data: world.contributions, shape: [n, T, M, dg] },
        evaluation: [{ name: 'held-out episodes', observations: more.observations(n, 40), ...glyphEvaluation(more, n, n + 40) }],
      },
      { ...OPTIONS, generalist: GENERALIST, denseBaseline: true },
    );
  });

  it('in Node, the dense baseline beside the heads on held-out episodes: widths, read accuracy, leakage of style and font', () => {
    assert.deepEqual(Array.from(more.render(0, n)), Array.from(world.render()), 'the longer world starts with the same episodes');
    const comparison = node.comparison!;
    assert.equal(comparison.length, node.fittedTasks.length);
    for (const [j, c] of comparison.entries()) {
      assert.equal(c.specialist.inputWidth, node.specialists!.supports[j].length);
      assert.equal(c.dense!.inputWidth, 60);
      for (const head of [c.specialist, c.dense!]) {
        const [set] = head.sets;
        assert.ok(set.rows > 0 && set.accuracy !== null && set.accuracy >= 0 && set.accuracy <= 1, JSON.stringify(set));
        assert.deepEqual(Object.keys(set.leakage).sort(), ['font', 'style']);
      }
      console.log(`task ${c.task}: read accuracy on held-out episodes ${c.specialist.sets[0].accuracy!.toFixed(2)} (reads ${c.specialist.inputWidth}) / dense ${c.dense!.sets[0].accuracy!.toFixed(2)} (reads 60)`);
    }
  });
  const chromium = blankPage();

  it('same pixels, latents within 1e-4, same relation and supports; head size and latency in the page', async () => {
    const got = await chromium.page.evaluate(
      async ({ world, options, generalist, ortUrl, modelUrl, n, T }) => {
        const sdk = await import('/dist/browser.js' as string);
        const lab = await import('/dist/lab.js' as string);
        const w = lab.glyphWorld(world);
        const encoder = await lab.loadOcrModel(modelUrl);
        const [, M, dg] = w.shapes.tasks;
        const pool = await sdk.WorkerPool.create({ size: 1 });
        let r;
        try {
          r = await sdk.runPipelineInWorker(
            { encoder, observations: w.observations(), tasks: { data: w.tasks, shape: w.shapes.tasks }, stepTargets: { data: w.contributions, shape: [n, T, M, dg] } },
            { ...options, generalist: { ...generalist, onnxruntime: ortUrl } },
            { pool },
          );
        } finally {
          await pool.close();
        }
        // The deployed pair (encoder + heads, no training code) on one picture, in the page.
        const runtime = await sdk.SpecialistRuntime.load(encoder, r.specialists.serialise(), { generalist: { ...generalist, onnxruntime: ortUrl } });
        const one = w.observations(0, 1);
        const image = { data: one.data.subarray(0, one.data.length / T), shape: one.shape.slice(2) };
        const times: number[] = [];
        for (let i = 0; i < 7; i++) {
          const t0 = performance.now();
          await runtime.run(image, 0);
          times.push(performance.now() - t0);
        }
        await runtime.dispose();
        return {
          pixels: w.render(),
          texts: w.texts,
          relationTruth: Array.from(w.truth.relation),
          latents: r.latents.data,
          relation: r.structure.relation,
          supports: r.specialists.supports,
          headBytes: sdk.exportSpecialistOnnx(r.specialists, 0).length,
          latencyMs: times.sort((a, b) => a - b)[3],
        };
      },
      { world: WORLD, options: OPTIONS, generalist: GENERALIST, ortUrl: ORT_URL, modelUrl: `/${OCR_MODEL_PATH}`, n, T },
    );
    assert.deepEqual(got.texts, world.texts);
    assert.deepEqual(got.relationTruth, Array.from(world.truth.relation));
    const pixels = world.render();
    assert.equal(got.pixels.length, pixels.length);
    let differing = 0;
    for (let i = 0; i < pixels.length; i++) if (got.pixels[i] !== pixels[i]) differing++;
    assert.equal(differing, 0, `${differing} of ${pixels.length} pixel values differ`);
    const latentDiff = maxScaledDiff(got.latents, node.latents.data);
    console.log(`glyph world in Chromium: ${pixels.length} pixel values identical; latents max scaled diff ${latentDiff.toExponential(2)}; head 0 ONNX ${got.headBytes} bytes, encoder + head on one picture ${got.latencyMs.toFixed(1)} ms (median of 7)`);
    assert.ok(latentDiff <= TOL, `latents differ by ${latentDiff}`);
    assert.deepEqual(got.relation, node.structure.relation);
    assert.deepEqual(got.supports, node.specialists!.supports);
  });
});
