// Consumer projects made as a new user makes them: the packed tarball (`npm pack`) installed by
// name into a fresh project per bundler (Vite dev server and production build, webpack, esbuild,
// rollup), built with the bundler's defaults plus the one line of config each project states, and
// the pipeline run in the SDK's module Worker in Chromium, then the heads deployed with the encoder
// in a worker (WorkerSpecialistRuntime from specialist-sdk/deploy). The result must equal the same scenario
// run in Node from the same tarball: relation and supports equal; latents, p-values and the heads'
// outputs within 1e-4 relative to max(1, |value|) (the same kernels and wasm EP in both).
// Run by `npm run test:consumers` (and CI), not by `npm test`: installs and builds take minutes.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Browser } from 'playwright-core';
import { launchChromium } from '../../e2e/browser.ts';
import { serveRepository } from '../../e2e/server.ts';
import { installConsumer, packTarball, run, startDevServer } from './harness.ts';

const HERE = resolve('test/consumers');
const TOL = 1e-4;
const BUNDLERS = ['vite', 'webpack', 'esbuild', 'rollup'] as const;

interface Summary {
  error?: string;
  stages: string[];
  device: string;
  latents: number[];
  relation: number[][];
  directPValues: number[];
  supports: number[][];
  block: number[];
  prediction: number[];
  /** The encoder and task 0's head run by WorkerSpecialistRuntime on the first observations. */
  deployed: number[];
}

function maxScaledDiff(a: number[], b: number[]): number {
  assert.equal(a.length, b.length, 'lengths differ');
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]) / Math.max(1, Math.abs(b[i])));
  return m;
}

function assertSameAsNode(got: Summary, node: Summary, label: string): void {
  assert.equal(got.error, undefined, `${label}: ${got.error}`);
  assert.deepEqual(got.stages, ['encode', 'structure', 'specialists']);
  assert.equal(got.device, 'wasm');
  assert.deepEqual(got.relation, node.relation);
  assert.deepEqual(got.supports, node.supports);
  // The deployed runtime encodes the same observations the pipeline did: its prediction is the heads'.
  assert.ok(maxScaledDiff(got.deployed, got.prediction) <= TOL, `${label}: deployed runtime vs the pipeline's heads: ${maxScaledDiff(got.deployed, got.prediction)}`);
  const diffs = Object.fromEntries((['latents', 'directPValues', 'block', 'prediction', 'deployed'] as const).map((k) => [k, maxScaledDiff(got[k], node[k])]));
  console.log(`${label}: max scaled differences from Node ${JSON.stringify(diffs)}`);
  for (const [what, diff] of Object.entries(diffs)) assert.ok(diff <= TOL, `${label} ${what}: ${diff}`);
}

describe('consumer projects from the packed tarball', { timeout: 20 * 60_000 }, () => {
  const work = mkdtempSync(join(tmpdir(), 'specialist-consumers-'));
  const dirs: Record<string, string> = {};
  let node: Summary;
  let browser: Browser;

  before(async () => {
    const tarball = await packTarball(work);
    // One project per bundler plus a plain Node one, installed side by side (the npm cache is shared).
    await Promise.all(
      ['node', ...BUNDLERS].map(async (name) => {
        dirs[name] = await installConsumer(name === 'node' ? undefined : join(HERE, name), join(HERE, 'app'), join(work, name), tarball);
      }),
    );
    // Chromium runs the relaxed-SIMD kernels; Node 20 validates them only behind this flag. Without
    // it Node would run the SIMD build, whose rounding differs (fused multiply-add) and grows over
    // the training epochs.
    node = JSON.parse(await run('node', ['--experimental-wasm-relaxed-simd', 'src/node.mjs'], dirs.node));
    browser = await launchChromium();
  });

  after(async () => {
    await browser?.close();
    rmSync(work, { recursive: true, force: true });
  });

  it('Node: require() of the ES module package works (engines >= 20.19)', async () => {
    const out = JSON.parse(await run('node', ['src/require.cjs'], dirs.node));
    assert.deepEqual(out, { WorkerPool: 'function', SpecialistRuntime: 'function' });
  });

  async function pageResult(url: string, label: string): Promise<Summary> {
    const page = await browser.newPage();
    const problems: string[] = [];
    // A page that fails to load its own code never sets __result: stop at the first such error.
    let fatal: (error: Error) => void = () => {};
    const failed = new Promise<never>((_, reject) => (fatal = reject));
    failed.catch(() => {});
    page.on('pageerror', (e) => {
      problems.push(`page error: ${e.message}`);
      fatal(new Error(e.message));
    });
    page.on('response', (r) => {
      if (r.status() < 400) return;
      problems.push(`HTTP ${r.status()} ${r.url()}`);
      if (r.request().resourceType() === 'script' || r.status() >= 500) fatal(new Error(`HTTP ${r.status()} ${r.url()}`));
    });
    page.on('console', (m) => m.type() === 'error' && problems.push(`console: ${m.text()}`));
    try {
      await page.goto(url);
      const done = page.waitForFunction(() => (globalThis as { __result?: unknown }).__result, undefined, { timeout: 180_000, polling: 250 });
      const result = (await (await Promise.race([done, failed])).jsonValue()) as Summary;
      if (result.error) result.error += problems.length ? ` (${problems.join('; ')})` : '';
      return result;
    } catch (error) {
      throw new Error(`${label}: ${(error as Error).message}\n${problems.join('\n')}`);
    } finally {
      await page.close();
    }
  }

  for (const bundler of BUNDLERS) {
    it(`${bundler}: production build runs the pipeline in a worker, equal to Node`, async () => {
      await run('npm', ['run', 'build', '--silent'], dirs[bundler]);
      // Vite writes the page into dist/ with absolute /assets/ URLs; the others build into dist/ beside index.html.
      const server = await serveRepository(bundler === 'vite' ? join(dirs[bundler], 'dist') : dirs[bundler]);
      try {
        assertSameAsNode(await pageResult(`${server.origin}/index.html`, `${bundler} build`), node, `${bundler} build`);
      } finally {
        await server.close();
      }
    });
  }

  it('vite: dev server runs the pipeline in a worker, equal to Node', async () => {
    const dev = await startDevServer(dirs.vite);
    try {
      assertSameAsNode(await pageResult(dev.url, 'vite dev'), node, 'vite dev');
    } finally {
      await dev.close();
    }
  });
});
