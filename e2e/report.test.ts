// The HTML report as people see it, in Chromium: no text is clipped (every SVG text lies inside
// its SVG, no two texts of a figure overlap, no HTML box overflows, the page never scrolls
// sideways) at a desktop and a phone width, and the figures are readable on the desktop (no SVG
// text rendered below 10 px). Screenshots go to test-results/report/.
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, before, describe, it } from 'node:test';
import type { Browser } from 'playwright-core';
import { createRng } from '../src/core/random.ts';
import { renderReport, type ReportData } from '../src/report/html.ts';
import { launchChromium } from './browser.ts';
import { measureLayout } from './layout.ts';

const OUT = resolve('test-results/report');
const VIEWPORTS = { desktop: { width: 1280, height: 800 }, phone: { width: 390, height: 844 } } as const;

/** A report of the given size with seeded values, p-values from 1 down to 0 and some missing. */
function fixture(o: { method: 'direct' | 'pairwise'; segments: number; tasks: number; latentDims: number; seed: number }): ReportData {
  const rng = createRng(o.seed);
  const { segments: N, tasks: M, latentDims: D } = o;
  const grid = <T>(rows: number, cols: number, f: (r: number, c: number) => T) => Array.from({ length: rows }, (_, r) => Array.from({ length: cols }, (_, c) => f(r, c)));
  const pick = () => [0, 1e-300, 3.2e-27, 4e-7, 0.0042, 0.051, 0.5, 0.999, 1, null][rng.int(10)];
  const relation = grid(N, M, () => Number(rng.next() < 0.4));
  const truth = relation.map((row) => row.map((v) => (rng.next() < 0.1 ? 1 - v : v)));
  const pValues = Array.from({ length: M }, () => {
    const m = grid(N, N, () => pick() as number | null);
    for (let k = 0; k < N; k++) for (let v = 0; v <= k; v++) m[k][v] = k === v ? null : m[v][k];
    return m;
  });
  const heads = Array.from({ length: M }, (_, task) => {
    const support = Array.from({ length: D }, (_, j) => j).filter(() => rng.next() < 0.25);
    return {
      task,
      support,
      importance: Array.from({ length: D }, (_, j) => (support.includes(j) ? 0.2 + rng.next() : rng.next() * 0.02)),
      trueBlock: support.slice(0, 3),
      r2Relevant: [0.999, 0.42, 1, 0.97][task % 4],
      r2Irrelevant: [0, 0.08, 0.93, 0.001][task % 4],
    };
  });
  // The two heads side by side on two evaluation sets, with leakage of two nuisances.
  const facts = (width: number) => ({
    architecture: rng.next() < 0.5 ? ('linear' as const) : ('nonlinear' as const),
    inputWidth: width,
    validationLoss: rng.next(),
    parameters: 1000 + rng.int(100000),
    onnxBytes: 50000 + rng.int(500000),
    latencyMs: rng.next() * 3,
    sets: ['held-out episodes', 'unseen fonts (Caveat, Lobster)'].map((name) => ({ name, rows: 400, r2: rng.next(), accuracy: rng.next(), leakage: { style: rng.next() * 0.2, font: rng.next() * 0.4 } })),
  });
  const comparison = heads.map((h) => ({ task: h.task, specialist: facts(h.support.length), dense: facts(D) }));
  return {
    comparison,
    title: 'specialist demo: generalist to specialist representations',
    generatedAt: '2026-12-01T00:00:00.000Z',
    summary: [
      ['World', `2000 episodes x ${N * 2} steps, ${D}-dim observations, ${M} tasks, seed ${o.seed}`],
      ['Layer 2', heads.map((h) => `task ${h.task}: ${h.support.length} coordinates, R² relevant ${h.r2Relevant}`).join('; ')],
    ],
    segments: N,
    segmentLength: 2,
    tasks: M,
    relation,
    truth,
    method: o.method,
    pValues: o.method === 'pairwise' ? pValues : null,
    directPValues: o.method === 'direct' ? grid(M, N, pick) : null,
    latentDims: D,
    heads,
    warnings: ['the task signals are scalar: one summary coordinate can serve each task, so a task block of several coordinates cannot be pinned down (give vector-valued targets) <b>not bold</b>'],
  };
}

const FIXTURES = {
  // The shape of `npm start`: 6 segments, 3 tasks, 9 latent coordinates, the direct method.
  demo: fixture({ method: 'direct', segments: 6, tasks: 3, latentDims: 9, seed: 1 }),
  // The large end of realistic sizes: T = 20, 8 tasks, 256 latent coordinates, pairwise p-values.
  wide: fixture({ method: 'pairwise', segments: 10, tasks: 8, latentDims: 256, seed: 2 }),
};

describe('the HTML report in Chromium', () => {
  let browser: Browser;
  before(async () => {
    mkdirSync(OUT, { recursive: true });
    browser = await launchChromium();
  });
  after(() => browser?.close());

  for (const [name, data] of Object.entries(FIXTURES)) {
    for (const [viewport, size] of Object.entries(VIEWPORTS)) {
      it(`${name} report at ${viewport} width: no text clipped, overlapping or overflowing`, async () => {
        const file = join(OUT, `${name}.html`);
        writeFileSync(file, renderReport(data));
        const page = await browser.newPage({ viewport: size });
        try {
          await page.goto(pathToFileURL(file).href);
          await page.screenshot({ path: join(OUT, `${name}-${viewport}.png`), fullPage: true });
          const layout = await page.evaluate(measureLayout);
          assert.ok(layout.figures >= 5, `only ${layout.figures} figures`);
          assert.equal(await page.locator('h2', { hasText: 'Specialist head or dense head' }).count(), 1);
          assert.deepEqual(layout.clipped, [], 'SVG text outside its SVG');
          assert.deepEqual(layout.overlapping, [], 'SVG texts overlap');
          assert.deepEqual(layout.overflowing, [], 'HTML boxes overflow');
          assert.ok(layout.pageWidth <= layout.viewportWidth, `the page scrolls sideways: ${layout.pageWidth} > ${layout.viewportWidth}`);
          if (viewport === 'desktop') assert.ok(layout.smallestFontPx >= 10, `SVG text rendered at ${layout.smallestFontPx.toFixed(1)} px`);
          assert.equal(await page.locator('b').count(), 0, 'a warning was not escaped');
        } finally {
          await page.close();
        }
      });
    }
  }
});
