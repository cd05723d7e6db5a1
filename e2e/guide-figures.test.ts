// The guide's pictures (docs/guide/*.svg) in Chromium: every text inside its picture and no two
// texts overlapping, at their natural size. Screenshots go to test-results/guide/.
import assert from 'node:assert/strict';
import { mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, before, describe, it } from 'node:test';
import type { Browser } from 'playwright-core';
import { launchChromium } from './browser.ts';
import { measureLayout } from './layout.ts';

const OUT = resolve('test-results/guide');
const FIGURES = readdirSync('docs/guide').filter((f) => f.endsWith('.svg'));

describe("the guide's figures in Chromium", () => {
  let browser: Browser;
  before(async () => {
    mkdirSync(OUT, { recursive: true });
    browser = await launchChromium();
  });
  after(() => browser?.close());

  it('there are figures, and the guide shows each of them', () => {
    assert.ok(FIGURES.length >= 4, FIGURES.join(', '));
    const guide = readFileSync('docs/guide.md', 'utf8');
    for (const figure of FIGURES) assert.ok(guide.includes(`](guide/${figure})`), `docs/guide.md does not show ${figure}`);
  });

  for (const figure of FIGURES) {
    it(`${figure}: no text clipped or overlapping`, async () => {
      const page = await browser.newPage({ viewport: { width: 1000, height: 700 } });
      try {
        await page.goto(pathToFileURL(resolve('docs/guide', figure)).href);
        await page.screenshot({ path: join(OUT, figure.replace(/\.svg$/, '.png')) });
        const layout = await page.evaluate(measureLayout);
        assert.equal(layout.figures, 1);
        assert.deepEqual(layout.clipped, [], 'text outside the picture');
        assert.deepEqual(layout.overlapping, [], 'texts overlap');
        assert.ok(layout.smallestFontPx >= 9, `text at ${layout.smallestFontPx} px`);
      } finally {
        await page.close();
      }
    });
  }
});
