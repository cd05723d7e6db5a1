// The fleet example: a Durable Object under miniflare (workerd from npm) aggregates statistics
// posted by devices. Devices simulated in Node and a page in Chromium that accumulates its own
// episodes; the merged relation and p-values equal the pooled run's (Fisher z, and RCoT in two
// rounds); a device posting twice, a stale format and a damaged file are refused by status and
// reason; every request the page makes is inspected: it sends statistics files, never a row.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser } from 'playwright-core';
import { KernelRuntime } from '../src/kernels/runtime.ts';
import { decodeContainer, encodeContainer } from '../src/io/container.ts';
import { StatisticsAccumulator } from '../src/scale/accumulator.ts';
import { calibrateShards } from '../src/scale/calibrate.ts';
import type { ShardSettings } from '../src/scale/settings.ts';
import { decodeStatistics, encodeStatistics } from '../src/scale/wire.ts';
import { discoverTaskStructure } from '../src/structure/discover.ts';
import { linearColliderWorld, nonlinearWorld, type StructureWorld } from '../src/synthetic/structure-worlds.ts';
import { startAggregator } from '../test/scale/fleet.ts';
import { episodes, shardSizes } from '../test/scale/shards.ts';
import { launchChromium, openPage } from './browser.ts';

type Result = { relation: number[][]; directPValues: (number | null)[][]; episodes: number; shards: number };

function sameAsPooled(result: Result, pooled: { relation: number[][]; directPValues: (number | null)[][] }): number {
  assert.deepEqual(result.relation, pooled.relation);
  let worst = 0;
  pooled.directPValues.flat().forEach((q, j) => {
    const p = result.directPValues.flat()[j] as number;
    const rel = p === q ? 0 : Math.abs(p - (q as number)) / Math.max(p, q as number);
    assert.ok(rel <= 1e-9, `p-value ${j}: ${p} vs pooled ${q}`);
    worst = Math.max(worst, rel);
  });
  return worst;
}

describe('fleet: devices post statistics to a Durable Object (miniflare)', { timeout: 180_000 }, () => {
  let aggregator: { url: URL; stop: () => Promise<void> } | undefined;
  let browser: Browser | undefined;
  let kernels: KernelRuntime;
  const endpoint = (run: string, path = 'statistics') => new URL(`/${path}?run=${run}`, aggregator!.url).href;
  const post = (run: string, body: Uint8Array) => fetch(endpoint(run), { method: 'POST', body: body as unknown as BodyInit });

  before(async () => {
    aggregator = await startAggregator();
    kernels = await KernelRuntime.create({ build: 'simd' });
  });
  after(async () => {
    await browser?.close();
    await aggregator?.stop();
  });

  const deviceFile = async (settings: ShardSettings, world: StructureWorld, id: string, from: number, to: number, broadcast?: Parameters<typeof StatisticsAccumulator.create>[1]['broadcast']) => {
    const acc = await StatisticsAccumulator.create(settings, { shardId: id, kernels, broadcast });
    const { states, tasks } = episodes(world, from, to);
    acc.add(states, tasks);
    return encodeStatistics(acc.statistics());
  };

  it('Fisher z from 24 devices of unequal sizes: the pooled relation; a second post, a stale format and a damaged file refused', async (t) => {
    const world = linearColliderWorld({ episodes: 1500, steps: 8, tasks: 2, seed: 9501 });
    const settings: ShardSettings = { steps: 8, dim: 1, tasks: 2, segmentLength: 2 };
    const sizes = shardSizes(1500, 24, 9501);
    let at = 0;
    const files: Uint8Array[] = [];
    for (const [j, size] of sizes.entries()) {
      files.push(await deviceFile(settings, world, `device-${j}`, at, at + size));
      at += size;
      const response = await post('linear', files[j]);
      assert.equal(response.status, 200, await response.clone().text());
    }
    const twice = await post('linear', files[3]);
    assert.equal(twice.status, 409);
    assert.equal((await twice.json()).reason, 'duplicate-shard');
    const { metadata, tensors } = decodeContainer(files[0]);
    const stale = encodeContainer({ ...metadata, formatVersion: '0' }, Object.fromEntries(Object.entries(tensors).map(([k, v]) => [k, { shape: v.shape, data: v.data }])));
    const staleResponse = await post('linear', stale);
    assert.equal(staleResponse.status, 400);
    assert.deepEqual(Object.values(await staleResponse.json()).slice(0, 2), ['INVALID_FILE', 'format-version']);
    const damaged = files[1].slice();
    damaged[damaged.length - 5] ^= 1;
    assert.equal((await (await post('linear', damaged)).json()).code, 'INVALID_FILE');
    const result = (await (await fetch(endpoint('linear', 'result'))).json()) as Result;
    assert.equal(result.episodes, 1500);
    assert.equal(result.shards, 24);
    const pooled = await discoverTaskStructure({ data: world.states, shape: world.shapes.states }, { data: world.tasks, shape: world.shapes.tasks }, { segmentLength: 2, test: 'fisherz' }, { kernels });
    t.diagnostic(`largest relative p-value difference ${sameAsPooled(result, pooled).toExponential(2)}`);
  });

  it('RCoT in two rounds from 6 devices: the pooled relation', async (t) => {
    const world = nonlinearWorld({ episodes: 900, steps: 6, tasks: 2, seed: 9502 });
    const settings = calibrateShards({ steps: 6, dim: 1, tasks: 2, segmentLength: 2, seed: 4 }, episodes(world, 0, 200), { expectedEpisodes: 900 });
    const sizes = shardSizes(900, 6, 9502);
    const bounds = sizes.map((_, j) => sizes.slice(0, j).reduce((a, b) => a + b, 0));
    for (const [j, size] of sizes.entries()) assert.equal((await post('rcot', await deviceFile(settings, world, `d${j}`, bounds[j], bounds[j] + size))).status, 200);
    assert.equal((await fetch(endpoint('rcot', 'result'))).status, 409, 'round 2 is missing');
    const closed = await fetch(endpoint('rcot', 'close-round'), { method: 'POST' });
    assert.equal(closed.status, 200);
    const { decodeBroadcast } = await import('../src/scale/wire.ts');
    const broadcast = decodeBroadcast(new Uint8Array(await (await fetch(endpoint('rcot', 'broadcast'))).arrayBuffer()), settings);
    const late = await post('rcot', await deviceFile(settings, world, 'late', 0, 10));
    assert.equal((await late.json()).reason, 'round-mismatch');
    for (const [j, size] of sizes.entries()) assert.equal((await post('rcot', await deviceFile(settings, world, `d${j}`, bounds[j], bounds[j] + size, broadcast))).status, 200);
    const result = (await (await fetch(endpoint('rcot', 'result'))).json()) as Result;
    const pooled = await discoverTaskStructure({ data: world.states, shape: world.shapes.states }, { data: world.tasks, shape: world.shapes.tasks }, { segmentLength: 2, test: settings.test as { name: 'rcot' }, seed: 4 }, { kernels });
    t.diagnostic(`largest relative p-value difference ${sameAsPooled(result, pooled).toExponential(2)}`);
  });

  it('a page in Chromium accumulates its episodes and posts only statistics (every request body inspected)', async () => {
    browser = await launchChromium();
    const page = await openPage(browser, new URL('/', aggregator!.url).href);
    await page.waitForFunction(() => 'fleetDevice' in globalThis);
    const world = linearColliderWorld({ episodes: 400, steps: 8, tasks: 2, seed: 9503 });
    const settings: ShardSettings = { steps: 8, dim: 1, tasks: 2, segmentLength: 2 };
    const bodies: Buffer[] = [];
    const requests: string[] = [];
    page.on('request', (request) => {
      requests.push(`${request.method()} ${request.url()}`);
      const body = request.postDataBuffer();
      if (body) bodies.push(body);
    });
    for (let j = 0; j < 4; j++) {
      const { states, tasks } = episodes(world, j * 100, (j + 1) * 100);
      const out = await page.evaluate(
        (run) => (globalThis as unknown as { fleetDevice: { contribute(r: unknown): Promise<{ status: number }> } }).fleetDevice.contribute({ ...run, states: new Float32Array(run.states), tasks: new Float32Array(run.tasks) }),
        { settings, deviceId: `page-${j}`, states: [...states.data], tasks: [...tasks.data], episodes: 100, endpoint: endpoint('page') },
      );
      assert.equal(out.status, 200);
    }
    // Every request the page made after loading: one POST of a statistics file per device, no query but the run's name.
    assert.deepEqual(requests, Array.from({ length: 4 }, () => `POST ${endpoint('page')}`));
    assert.equal(bodies.length, 4, 'one request body per device post, nothing else');
    const rows = new Set<number>([...world.states, ...world.tasks]);
    for (const body of bodies) {
      const stats = decodeStatistics(new Uint8Array(body));
      assert.equal(stats.episodes, 100);
      for (const part of stats.parts) for (const v of [...part.mean, ...part.m2]) assert.ok(!rows.has(v), `a value of an episode (${v}) left the page`);
    }
    const result = (await (await fetch(endpoint('page', 'result'))).json()) as Result;
    const pooled = await discoverTaskStructure({ data: world.states, shape: world.shapes.states }, { data: world.tasks, shape: world.shapes.tasks }, { segmentLength: 2, test: 'fisherz' }, { kernels });
    sameAsPooled(result, pooled);
  });
});
