// The whole pipeline in a browser module Worker (encode with the wasm EP or the webgpu EP on
// SwiftShader, Layer 1, Layer 2 on the wasm kernels), compared with the same run in Node.
// Tolerances: the relation and the supports must be equal; latents, p-values and the heads'
// outputs within 1e-4 relative to max(1, |value|) (the same kernels and EP code; the webgpu EP may
// sum in another order).
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { runPipeline, type PipelineResult } from '../src/pipeline/pipeline.ts';
import { generalistWorld } from '../src/synthetic/generalist-world.ts';
import { blankPage, maxScaledDiff } from './browser.ts';

const WORLD = { episodes: 300, steps: 8, seed: 5 } as const;
const OPTIONS = { structure: { segmentLength: 2 }, specialists: { epochs: 4, seed: 1 } };
const ORT_URL = '/node_modules/onnxruntime-web/dist/ort.bundle.min.mjs';
const TOL = 1e-4;

describe('the pipeline in a Chromium worker equals the Node run', () => {
  const world = generalistWorld(WORLD);
  const [n, T, D] = world.shapes.observations;
  const M = world.shapes.tasks[1];
  const input = {
    encoder: world.encoderOnnx,
    observations: { data: world.observations, shape: [n, T, D] },
    tasks: { data: world.tasks, shape: world.shapes.tasks as number[] },
    stepTargets: { data: world.contributions, shape: [n, T, M, world.params.taskDim] },
  };
  const probe = { data: world.observations.subarray(0, 40 * D), rows: 40, cols: D };
  let node: PipelineResult;

  before(async () => {
    node = await runPipeline(input, { ...OPTIONS, generalist: { device: 'wasm' } });
  });
  const chromium = blankPage(['--enable-unsafe-webgpu']);

  for (const device of ['wasm', 'webgpu'] as const) {
    it(`${device} EP: same relation and supports; latents, p-values and head outputs within ${TOL}`, async () => {
      const got = await chromium.page.evaluate(
        async ({ input, options, device, ortUrl, probe }) => {
          const sdk = await import('/dist/browser.js' as string);
          const pool = await sdk.WorkerPool.create({ size: 1 });
          try {
            const stages: string[] = [];
            const r = await sdk.runPipelineInWorker(input, { ...options, generalist: { device, onnxruntime: ortUrl } }, {
              pool,
              onProgress: (p: { stage: string }) => stages.at(-1) !== p.stage && stages.push(p.stage),
            });
            const latents = r.latents.data.subarray(0, probe.rows * probe.cols);
            return {
              device: r.device,
              stages,
              latents,
              relation: r.structure.relation,
              direct: r.structure.directPValues.flat(),
              supports: r.specialists.supports,
              block: r.specialists.transform({ data: latents, shape: [probe.rows, probe.cols] }, 0).data,
              prediction: r.specialists.predict({ data: latents, shape: [probe.rows, probe.cols] }, 0).data,
              build: pool.build,
            };
          } finally {
            await pool.close();
          }
        },
        { input, options: OPTIONS, device, ortUrl: ORT_URL, probe },
      );
      assert.equal(got.device.device, device, got.device.reason);
      assert.deepEqual(got.stages, ['encode', 'structure', 'specialists']);
      const nodeLatents = node.latents.data.subarray(0, probe.rows * probe.cols);
      const diffs = {
        latents: maxScaledDiff(got.latents, nodeLatents),
        pValues: maxScaledDiff(got.direct as number[], node.structure.directPValues.flat() as number[]),
        block: maxScaledDiff(got.block, node.specialists!.transform({ data: nodeLatents, shape: [probe.rows, probe.cols] }, 0).data),
        prediction: maxScaledDiff(got.prediction, node.specialists!.predict({ data: nodeLatents, shape: [probe.rows, probe.cols] }, 0).data),
      };
      console.log(`pipeline in Chromium, ${device} EP (kernels ${got.build}): max scaled differences ${JSON.stringify(diffs)}`);
      assert.deepEqual(got.relation, node.structure.relation);
      assert.deepEqual(got.supports, node.specialists!.supports);
      for (const [what, diff] of Object.entries(diffs)) assert.ok(diff <= TOL, `${what}: ${diff}`);
    });
  }
});
