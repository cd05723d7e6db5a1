// examples/deploy as its README runs it, in Chromium: an encoder and heads fitted in Node are chosen
// in the page's file inputs, the stream runs live, and every point the page plots (episode, step,
// prediction, truth) is checked against the same SpecialistRuntime run in Node and the world's
// truth. Mismatched files end in the error that names the problem. Screenshot in test-results/examples/.
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { SpecialistRuntime } from '../../src/deploy/specialist-runtime.ts';
import { runPipeline } from '../../src/pipeline/pipeline.ts';
import { generalistWorld } from '../../src/synthetic/generalist-world.ts';
import { launchChromium, maxScaledDiff } from '../../e2e/browser.ts';
import { screenshotPath, stageExample, startServer, type RunningServer, type StagedExample } from './stage.ts';

const WORLD = { steps: 8, seed: 5 };
const STREAM_FROM = 4000; // the page streams episodes 4000 on (examples/deploy/main.js)

interface Point {
  episode: number;
  step: number;
  head: number;
  truth: number;
  prediction: number;
}

describe('examples/deploy in Chromium', () => {
  let example: StagedExample;
  let server: RunningServer;
  let browser: Browser;
  let page: Page;
  const file = (name: string) => join(example.dir, name);

  before(async () => {
    example = stageExample('deploy', ['onnxruntime-web']);
    // The pair a user would bring: the world's encoder and heads fitted on its first 300 episodes.
    const world = generalistWorld({ ...WORLD, episodes: 300 });
    const [n, T, D] = world.shapes.observations;
    const [, M, dg] = world.shapes.tasks;
    const result = await runPipeline(
      {
        encoder: world.encoderOnnx,
        observations: { data: world.observations, shape: [n, T, D] },
        tasks: { data: world.tasks, shape: world.shapes.tasks },
        stepTargets: { data: world.contributions, shape: [n, T, M, dg] },
      },
      { structure: { segmentLength: 2 }, specialists: { epochs: 30, seed: 1 } },
    );
    writeFileSync(file('encoder.onnx'), world.encoderOnnx);
    writeFileSync(file('heads.specialist'), result.specialists!.serialise());
    writeFileSync(file('other-encoder.onnx'), generalistWorld({ ...WORLD, seed: 6, episodes: 2 }).encoderOnnx);
    server = await startServer(example.dir);
    browser = await launchChromium();
    page = await browser.newPage();
    await page.goto(server.url);
  });
  after(async () => {
    await browser?.close();
    await server?.close();
    example?.remove();
  });

  const start = async (encoder: string, seed: number) => {
    await page.setInputFiles('#encoder', file(encoder));
    await page.setInputFiles('#heads', file('heads.specialist'));
    await page.fill('#seed', String(seed));
    await page.fill('#steps', String(WORLD.steps));
    await page.click('#start');
  };
  const counted = async () => Number((await page.textContent('#counter'))?.match(/^(\d+) observations/)?.[1] ?? 0);

  it('runs encoder + heads on each observation as it arrives, as the runtime does in Node', async () => {
    await start('encoder.onnx', WORLD.seed);
    await page.waitForFunction(() => /^\d+ observations/.test(document.getElementById('counter')?.textContent ?? ''), undefined, { timeout: 30_000 });
    const early = await counted();
    await page.waitForFunction(() => document.querySelectorAll('#scatters circle').length >= 30, undefined, { timeout: 60_000 });
    assert.ok((await counted()) > early, 'the stream moves on');
    await page.screenshot({ path: screenshotPath('deploy-stream'), fullPage: true });
    await page.click('#stop');
    // Stop is async (the observation in flight finishes, then the runtime is disposed): wait for it.
    await page.waitForFunction(() => document.getElementById('status')?.textContent === 'Stopped.', undefined, { timeout: 30_000 });
    assert.equal(await page.isEnabled('#start'), true);

    const points: Point[] = await page.$$eval('#scatters svg', (plots) =>
      plots.flatMap((svg, head) =>
        [...svg.querySelectorAll('circle')].map((c) => ({
          head,
          episode: Number(c.dataset.episode),
          step: Number(c.dataset.step),
          truth: Number(c.dataset.truth),
          prediction: Number(c.dataset.prediction),
        })),
      ),
    );
    const last = Math.max(...points.map((p) => p.episode));
    const world = generalistWorld({ ...WORLD, episodes: last + 1 });
    const [, T, D] = world.shapes.observations;
    const [N, M, dg] = [world.shapes.relation[0], world.shapes.tasks[1], world.shapes.tasks[2]];
    // Only steps whose segment serves the head's task are plotted: the steps that head was fitted on.
    const served = (step: number, task: number) => world.truth.relation[Math.floor(step / (T / N)) * M + task] === 1;
    assert.ok(points.every((p) => p.episode >= STREAM_FROM && served(p.step, p.head)));
    const runtime = await SpecialistRuntime.load(world.encoderOnnx, new Uint8Array(readFileSync(file('heads.specialist'))), { generalist: { device: 'wasm' } });
    try {
      const expected: number[] = [];
      for (const p of points) {
        const row = p.episode * T + p.step;
        const { prediction } = await runtime.run({ data: world.observations.subarray(row * D, (row + 1) * D), shape: [D] }, p.head);
        expected.push(prediction.data[0]);
        assert.equal(p.truth, world.contributions[(row * M + p.head) * dg], 'the truth plotted is the world contribution');
      }
      const diff = maxScaledDiff(points.map((p) => p.prediction), expected);
      console.log(`deploy example: ${points.length} points, max scaled difference from Node ${diff.toExponential(2)}`);
      assert.ok(diff <= 1e-4, `predictions differ from Node by ${diff}`);
    } finally {
      await runtime.dispose();
    }
    // The heads predict what they were fitted for on episodes they never saw: R^2 of prediction vs truth.
    const mean = points.reduce((s, p) => s + p.truth, 0) / points.length;
    const r2 = 1 - points.reduce((s, p) => s + (p.prediction - p.truth) ** 2, 0) / points.reduce((s, p) => s + (p.truth - mean) ** 2, 0);
    console.log(`deploy example: R² of the streamed predictions ${r2.toFixed(3)}`);
    assert.ok(r2 > 0.5, `R² ${r2}`);
  });

  it('a stream from another world, and heads of another encoder, end in errors that say so', async () => {
    await start('encoder.onnx', 6);
    await page.waitForFunction(() => document.getElementById('status')!.textContent!.startsWith('Failed'), undefined, { timeout: 30_000 });
    assert.match((await page.textContent('#status'))!, /^Failed: \[STREAM_MISMATCH\] the synthetic world of seed 6/);
    await start('other-encoder.onnx', 6);
    await page.waitForFunction(() => /ENCODER_MISMATCH/.test(document.getElementById('status')!.textContent!), undefined, { timeout: 30_000 });
    assert.equal(await page.isEnabled('#start'), true);
  });
});
