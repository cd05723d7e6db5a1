// RCoT's settings fixed before sharding, from a pilot sample of episodes (a few hundred that may
// be seen in one place: a consented set, a public one, the first shard of a server job): each
// column's centre and scale, the bandwidth of every block the plan tests, and the number of z
// features for the run's expected size (the pooled default grows with n).
import type { Tensor } from '../core/tensor.ts';
import { calibrateRcot } from '../structure/ci/rcot/calibration.ts';
import { defaultFeaturesZ, type RcotOptions } from '../structure/ci/rcot/options.ts';
import { SpecialistError } from '../core/errors.ts';
import { assembleRows } from './accumulator.ts';
import { resolveShardSettings, settingsPlan, type ShardSettings } from './settings.ts';

export interface CalibrationOptions {
  /** Episodes the whole run expects: sets featuresZ as a pooled run of that size would. */
  expectedEpisodes: number;
  /** RCoT's other options (features of x and y, scales...). Default: RCoT's defaults. */
  rcot?: Omit<RcotOptions, 'calibration'>;
}

/** `settings` with test RCoT calibrated on the pilot episodes (states [n, T, d], tasks [n, M, dg]). */
export function calibrateShards(settings: ShardSettings, pilot: { states: Tensor; tasks: Tensor }, options: CalibrationOptions): ShardSettings {
  if (!options || !Number.isSafeInteger(options.expectedEpisodes) || options.expectedEpisodes < 2) {
    throw new SpecialistError('INVALID_ARGUMENT', `expectedEpisodes must be an integer >= 2, got ${String(options?.expectedEpisodes)}`, { argument: 'expectedEpisodes' });
  }
  const rcotOptions: RcotOptions = { featuresZ: defaultFeaturesZ(options.expectedEpisodes), ...options.rcot };
  // Resolve once without a calibration to get the plan (its blocks), then calibrate those blocks.
  const draft = resolveShardSettings({ ...settings, test: 'fisherz', conditioning: settings.conditioning ?? 'neighbours' });
  const rows = assembleRows(draft, pilot.states, pilot.tasks);
  const { main, diagnostic } = settingsPlan(draft);
  const blocks = [...main, ...diagnostic].flatMap((p) => [p.query.x, p.query.y, p.query.z]);
  return { ...settings, test: { name: 'rcot', options: { ...rcotOptions, calibration: calibrateRcot(rows, blocks) } } };
}
