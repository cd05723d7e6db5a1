// The examples that need a bundler, as their READMEs run them, from the packed tarball: `npm install`
// (the tarball as specialist-sdk), then
// - examples/vite: `vite build` (served as a static site) and `vite` (the dev server), the page run
//   in Chromium: progress to the end, the relation found equal to the world's truth;
// - examples/edge: `npm run demo-assets`, `npm run build`, `npm start`; the heads run in a Web
//   Worker, then, after the network is switched off, in the Service Worker, from bytes only: both
//   equal the deployment runtime in Node on the same files, and the page never requests a URL
//   besides its own files (no onnxruntime-web asset by relative URL).
// - examples/browser and examples/deploy: installed by their README's own install line (`npm install
//   <tarball>`), then served (`npm start`); every module of the page loads with no error and no
//   failed request (their runs are tested staged, test/examples/).
// Here rather than in the suite: installs and builds take a minute. Screenshots in test-results/examples/.
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { generalistWorld } from '../../src/synthetic/generalist-world.ts';
import { launchChromium, maxScaledDiff } from '../../e2e/browser.ts';
import { serveRepository } from '../../e2e/server.ts';
import { screenshotPath, startServer } from '../examples/stage.ts';
import { packTarball, run, startDevServer } from './harness.ts';

const EXAMPLES = resolve('examples');

/** examples/<name> and the shared serve.mjs in `work`, the tarball as its specialist-sdk, installed. */
async function installExample(name: string, work: string, tarball: string): Promise<string> {
  const dir = join(work, name);
  cpSync(join(EXAMPLES, name), dir, { recursive: true });
  cpSync(join(EXAMPLES, 'serve.mjs'), join(work, 'serve.mjs'));
  const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
  manifest.dependencies['specialist-sdk'] = `file:${tarball}`;
  writeFileSync(join(dir, 'package.json'), JSON.stringify(manifest, null, 2));
  await run('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', '--loglevel=error'], dir);
  return dir;
}

/** examples/<name> installed as its README says: its `npm install /path/to/<tarball>` line, with the packed tarball. */
async function installByReadme(name: string, work: string, tarball: string): Promise<string> {
  const dir = join(work, name);
  cpSync(join(EXAMPLES, name), dir, { recursive: true });
  cpSync(join(EXAMPLES, 'serve.mjs'), join(work, 'serve.mjs'));
  const line = readFileSync(join(dir, 'README.md'), 'utf8').split('\n').find((l) => l.startsWith('npm install /path/to/'));
  assert.ok(line, `examples/${name}/README.md has no "npm install /path/to/<tarball>" line`);
  const args = line.split('#')[0].trim().split(/\s+/).slice(1).map((a) => (a.endsWith('.tgz') ? tarball : a));
  await run('npm', [...args, '--no-audit', '--no-fund', '--prefer-offline', '--loglevel=error'], dir);
  return dir;
}

async function openPage(browser: Browser, url: string, errors: string[]): Promise<Page> {
  const page = await browser.newPage();
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(url);
  return page;
}

describe('examples that need a bundler, from the packed tarball', { timeout: 15 * 60_000 }, () => {
  const work = mkdtempSync(join(tmpdir(), 'specialist-examples-'));
  const dirs: Record<string, string> = {};
  let browser: Browser;

  before(async () => {
    const tarball = await packTarball(work);
    await Promise.all([
      ...['vite', 'edge'].map(async (name) => (dirs[name] = await installExample(name, work, tarball))),
      ...['browser', 'deploy'].map(async (name) => (dirs[name] = await installByReadme(name, work, tarball))),
    ]);
    browser = await launchChromium();
  });
  after(async () => {
    await browser?.close();
    rmSync(work, { recursive: true, force: true });
  });

  // examples/vite/src/main.js: 600 episodes x 8 steps, seed 1 (the relation depends on the seed and the steps only).
  const truth = Array.from(generalistWorld({ episodes: 2, steps: 8, seed: 1 }).truth.relation);

  async function runViteApp(url: string, label: string): Promise<void> {
    const errors: string[] = [];
    const page = await openPage(browser, url, errors);
    try {
      await page.waitForFunction(() => !(document.getElementById('run') as HTMLButtonElement).disabled, undefined, { timeout: 120_000 });
      await page.click('#run');
      await page.waitForFunction(() => /^(Done|Failed|Cancelled)/.test(document.getElementById('status')!.textContent!), undefined, { timeout: 300_000, polling: 250 });
      assert.match((await page.textContent('#status'))!, /^Done in [\d.]+ s/, errors.join('\n'));
      assert.equal(Number(await page.getAttribute('#progress', 'value')), 1);
      const found = await page.$$eval('#relation td', (cells) => cells.map((c) => Number(c.textContent)));
      assert.deepEqual(found, truth);
      assert.equal(await page.locator('#supports li').count(), 3);
      await page.screenshot({ path: screenshotPath(label), fullPage: true });
      assert.deepEqual(errors, []);
    } finally {
      await page.close();
    }
  }

  it('examples/vite: `vite build` runs the pipeline in the worker to the true relation', async () => {
    await run('npm', ['run', 'build', '--silent'], dirs.vite);
    const server = await serveRepository(join(dirs.vite, 'dist'));
    try {
      await runViteApp(`${server.origin}/index.html`, 'vite-build');
    } finally {
      await server.close();
    }
  });

  it('examples/vite: `vite` (dev server) does the same', async () => {
    const dev = await startDevServer(dirs.vite);
    try {
      await runViteApp(dev.url, 'vite-dev');
    } finally {
      await dev.close();
    }
  });

  it('examples/edge: bytes in a Web Worker, then offline in the Service Worker, equal to Node; no other URL requested', async () => {
    const dir = dirs.edge;
    await run('npm', ['run', 'demo-assets', '--silent'], dir);
    await run('npm', ['run', 'build', '--silent'], dir);
    // The deployment runtime in Node on the same files (onnxruntime-web's wasm backend, as in the page).
    const reference = JSON.parse(
      await run(
        process.execPath,
        [
          '--input-type=module',
          '-e',
          `import { readFileSync } from 'node:fs';
           import { SpecialistRuntime } from 'specialist-sdk/deploy';
           import { parseNpy } from 'specialist-sdk';
           const read = (f) => new Uint8Array(readFileSync('public/assets/' + f));
           const runtime = await SpecialistRuntime.load(read('encoder.onnx'), read('heads.specialist'), { generalist: { device: 'wasm' } });
           const { data, shape } = parseNpy(read('observations.npy'));
           const out = [];
           for (let j = 0; j < runtime.tasks; j++) out.push(Array.from((await runtime.run({ data, shape }, j)).prediction.data));
           await runtime.dispose();
           console.log(JSON.stringify(out));`,
        ],
        dir,
      ),
    ) as number[][];

    const server = await startServer(dir, ['--root', 'public']);
    const context = await browser.newContext();
    const requested = new Set<string>();
    context.on('request', (r) => requested.add(new URL(r.url()).pathname));
    const errors: string[] = [];
    const page = await context.newPage();
    page.on('pageerror', (e) => errors.push(e.message));
    const predictionsAfter = async (button: string, where: string): Promise<number[][]> => {
      await page.click(button);
      await page.waitForFunction(() => /^(Done|Failed)/.test(document.getElementById('status')!.textContent!), undefined, { timeout: 120_000 });
      assert.match((await page.textContent('#status'))!, new RegExp(`^Done in the ${where}`));
      const shown = JSON.parse((await page.getAttribute('#predictions', 'data-predictions'))!) as { data: number[] }[];
      return shown.map((p) => p.data);
    };
    try {
      await page.goto(server.url);
      await page.waitForFunction(() => !(document.getElementById('run-sw') as HTMLButtonElement).disabled, undefined, { timeout: 60_000 });
      const inWorker = await predictionsAfter('#run-worker', 'Web Worker');
      assert.equal(inWorker.length, reference.length);
      const diff = maxScaledDiff(inWorker.flat(), reference.flat());
      console.log(`edge example: Web Worker vs Node, max scaled difference ${diff.toExponential(2)}`);
      assert.ok(diff <= 1e-4, `Web Worker predictions differ from Node by ${diff}`);

      await context.setOffline(true);
      await page.reload(); // served by the Service Worker from its cache
      await page.waitForFunction(() => !(document.getElementById('run-sw') as HTMLButtonElement).disabled, undefined, { timeout: 60_000 });
      const inServiceWorker = await predictionsAfter('#run-sw', 'Service Worker, offline');
      assert.deepEqual(inServiceWorker, inWorker);
      await page.screenshot({ path: screenshotPath('edge-offline'), fullPage: true });

      const own = ['/', '/index.html', '/main.js', '/sw.js', '/worker.js', '/assets/encoder.onnx', '/assets/heads.specialist', '/assets/ort-wasm-simd-threaded.wasm', '/assets/observations.npy'];
      assert.deepEqual([...requested].filter((path) => !own.includes(path)), []);
      assert.deepEqual(errors, []);
    } finally {
      await context.close();
      await server.close();
    }
  });

  for (const name of ['browser', 'deploy']) {
    it(`examples/${name}: installed by its README line from the tarball, \`npm start\` serves a page whose every module loads`, async () => {
      const dir = dirs[name];
      assert.equal(JSON.parse(readFileSync(join(dir, 'node_modules', 'specialist-sdk', 'package.json'), 'utf8')).name, 'specialist-sdk');
      const server = await startServer(dir);
      const errors: string[] = [];
      const failed: string[] = [];
      const page = await browser.newPage();
      page.on('pageerror', (e) => errors.push(e.message));
      page.on('requestfailed', (r) => failed.push(`failed ${r.url()}`));
      page.on('response', (r) => {
        if (r.status() >= 400 && !r.url().endsWith('/favicon.ico')) failed.push(`${r.status()} ${r.url()}`);
      });
      try {
        await page.goto(server.url, { waitUntil: 'networkidle' });
        const modules = await page.evaluate(() => performance.getEntriesByType('resource').map((e) => e.name).filter((u) => u.includes('/node_modules/')));
        assert.ok(modules.some((u) => u.includes('/node_modules/specialist-sdk/dist/')), `the page loaded no module of the installed package: ${modules.join(', ')}`);
        assert.deepEqual(failed, []);
        assert.deepEqual(errors, []);
      } finally {
        await page.close();
        await server.close();
      }
    });
  }
});
