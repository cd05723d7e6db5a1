// The device side of the fleet example: episodes stay on this page; it accumulates Layer 1's
// statistics over them (the SDK's wasm kernels) and posts only the statistics file to the
// aggregator. Here the caller hands the page its episodes (e2e/fleet.test.ts: slices of a synthetic
// world); an app would add the latents of its own episodes as they happen.
import { StatisticsAccumulator, encodeStatistics, type ShardSettings } from 'specialist-sdk/scale';

export interface DeviceRun {
  settings: ShardSettings;
  deviceId: string;
  /** Episodes of this device: states [n, T, d] and task variables [n, M, dg], row-major. */
  states: Float32Array;
  tasks: Float32Array;
  episodes: number;
  /** Where to post: the aggregator's URL with ?run=NAME. */
  endpoint: string;
}

export async function contribute(run: DeviceRun): Promise<{ status: number; body: unknown; bytes: number }> {
  const { settings, episodes: n } = run;
  const acc = await StatisticsAccumulator.create(settings, { shardId: run.deviceId });
  acc.add({ data: run.states, shape: [n, settings.steps, settings.dim] }, { data: run.tasks, shape: [n, settings.tasks, settings.taskDim ?? 1] });
  const file = encodeStatistics(acc.statistics());
  const response = await fetch(run.endpoint, { method: 'POST', body: file as unknown as BodyInit, headers: { 'content-type': 'application/octet-stream' } });
  return { status: response.status, body: await response.json(), bytes: file.length };
}

(globalThis as unknown as { fleetDevice: { contribute: typeof contribute } }).fleetDevice = { contribute };
