// Launches Debian's Chromium through playwright-core (Playwright cannot download browsers here), and
// compares what the page computed with the Node run.
import assert from 'node:assert/strict';
import { after, before } from 'node:test';
import { chromium, type Browser, type Page } from 'playwright-core';
import { serveRepository, type StaticServer } from './server.ts';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export function launchChromium(extraArgs: string[] = []): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--disable-quic', '--disable-background-networking', '--disable-component-update', '--no-first-run', ...extraArgs],
  });
}

/**
 * A page ready for page.evaluate() of TypeScript callbacks: tsx compiles them with esbuild's
 * keepNames, which wraps named inner functions in a `__name` helper the page does not have.
 */
export async function openPage(browser: Browser, url: string): Promise<Page> {
  const page = await browser.newPage();
  await page.addInitScript({ content: 'globalThis.__name = (fn) => fn;' });
  page.on('pageerror', (e) => console.error('page error:', e.message));
  await page.goto(url);
  return page;
}

/**
 * The usual set-up of a browser test, as hooks of the surrounding describe: the repository served
 * (COOP/COEP), Chromium started, a blank page open; all closed after. Hooks registered before
 * this call run before it, those after it can use the page.
 */
export function blankPage(chromiumArgs: string[] = []): { readonly page: Page; readonly server: StaticServer } {
  let server: StaticServer | undefined;
  let browser: Browser | undefined;
  let page: Page | undefined;
  before(async () => {
    server = await serveRepository();
    browser = await launchChromium(chromiumArgs);
    page = await openPage(browser, `${server.origin}/e2e/pages/blank.html`);
  });
  after(async () => {
    await browser?.close();
    await server?.close();
  });
  return {
    get page() {
      return page!;
    },
    get server() {
      return server!;
    },
  };
}

/** Largest |a - b| / max(1, |b|): how far a browser result strays from the Node one. */
export function maxScaledDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  assert.equal(a.length, b.length, 'lengths differ');
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]) / Math.max(1, Math.abs(b[i])));
  return m;
}
