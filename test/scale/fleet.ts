// The fleet example's Durable Object under miniflare (workerd from npm), for the scale tests and
// the fleet bench: bundled from examples/fleet with esbuild ('specialist-sdk/scale' resolved to
// this checkout's source), started on a free port, disposed by the returned stop().
import { build } from 'esbuild';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Miniflare } from 'miniflare';

export async function bundle(entry: string, out: string, platform: 'neutral' | 'browser'): Promise<void> {
  await build({
    entryPoints: [entry],
    bundle: true,
    format: 'esm',
    platform,
    mainFields: ['module', 'main'],
    alias: { 'specialist-sdk/scale': resolve('src/scale.ts') },
    outfile: out,
    logLevel: 'error',
  });
}

export async function startAggregator(): Promise<{ url: URL; stop: () => Promise<void> }> {
  const dir = mkdtempSync(join(tmpdir(), 'scale-fleet-'));
  let mf: Miniflare | undefined;
  try {
    await bundle('examples/fleet/aggregator.ts', join(dir, 'aggregator.js'), 'neutral');
    await bundle('examples/fleet/device.ts', join(dir, 'device.js'), 'browser');
    const assets = { '/index.html': readFileSync('examples/fleet/index.html', 'utf8'), '/device.js': readFileSync(join(dir, 'device.js'), 'utf8') };
    mf = new Miniflare({
      modules: [{ type: 'ESModule', path: 'aggregator.js', contents: readFileSync(join(dir, 'aggregator.js'), 'utf8') }],
      compatibilityDate: '2026-04-01',
      durableObjects: { AGGREGATOR: 'StatisticsAggregator' },
      bindings: { ASSETS: assets },
      host: '127.0.0.1',
      port: 0,
    });
    const url = await mf.ready;
    const started = mf;
    return {
      url,
      stop: async () => {
        await started.dispose();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  } catch (error) {
    await mf?.dispose();
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
}
