// RCoT's settings fixed before sharding, from a pilot sample of episodes (a few hundred that may
// be seen in one place: a consented set, a public one, the first shard of a server job): each
// column's centre and scale, the bandwidth of every block the plan tests, and the number of z
// features for the run's expected size (the pooled default grows with n).
import type { Tensor } from '../core/tensor.ts';
import { calibrateRcot } from '../structure/ci/rcot/calibration.ts';
import { defaultFeaturesZ, type RcotOptions } from '../structure/ci/rcot/options.ts';
import { SpecialistError } from '../core/errors.ts';
import { assembleRows } from './accumulator.ts';
import { resolveShardSettings, settingsLayout, settingsPlan, type ShardSettings } from './settings.ts';
import { KernelRuntime } from '../kernels/runtime.ts';
import { AUTO_MAX_SHIFT, chooseTest } from '../structure/choose-test.ts';
import type { CiQuery } from '../structure/ci-test.ts';
import { plan } from '../structure/plan.ts';

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

/** What chooseShardTest chose and why: a test the shards can merge (Fisher z or RCoT). */
export interface ShardTestChoice {
  test: 'fisherz' | 'rcot';
  /** 'neighbours' when Fisher z had to keep to the neighbours (the wider default set failed the bound); else null. */
  conditioning: 'neighbours' | null;
  /** The bound sqrt(n Dx Dy) on Fisher z's shift under independence, scaled to the expected episodes. */
  shift: number;
  query: CiQuery | null;
  reason: string;
}

/**
 * test: 'auto' for a sharded run, decided before sharding on the pilot (a choice the shards must
 * share, since the two tests gather different statistics). The pooled rule (choose-test.ts):
 * Fisher z when the bound sqrt(n Dx Dy) on its shift under independence stays at most
 * AUTO_MAX_SHIFT, with n the run's expected episodes: Dx and Dy are estimated on the pilot, and the
 * pilot's bound is scaled by sqrt(expected / pilot episodes). Returns settings whose test is
 * 'fisherz' (with the conditioning the rule allows) or RCoT calibrated on the same pilot. The pooled
 * 'auto' also weighs heavy tails and may choose the GCM (choose-test.ts); neither normal scores nor
 * the GCM have a mergeable form yet, so a sharded run keeps to the two tests it can merge.
 */
export async function chooseShardTest(settings: ShardSettings, pilot: { states: Tensor; tasks: Tensor }, options: CalibrationOptions & { kernels?: KernelRuntime }): Promise<{ settings: ShardSettings; choice: ShardTestChoice }> {
  const draft = resolveShardSettings({ ...settings, test: 'fisherz', conditioning: 'neighbours' });
  const rows = assembleRows(draft, pilot.states, pilot.tasks);
  const kernels = options.kernels ?? (await KernelRuntime.create());
  const scale = Math.sqrt(options.expectedEpisodes / rows.rows);
  const queries = (conditioning: 'neighbours' | 'all-states') => plan(settingsLayout(draft), draft.method, conditioning).main.map((p) => p.query);
  const shift = (qs: CiQuery[]) => chooseTest(rows, qs, null, kernels, draft.seed).shift * scale;
  const narrow = shift(queries(settings.conditioning ?? 'neighbours'));
  const bound = (s: number) => `a bound of ${s.toFixed(2)} standard deviations at ${options.expectedEpisodes} episodes (pilot of ${rows.rows}, scaled by sqrt(${options.expectedEpisodes} / ${rows.rows}))`;
  if (narrow > AUTO_MAX_SHIFT) {
    return { settings: calibrateShards(settings, pilot, options), choice: { test: 'rcot', conditioning: null, shift: narrow, query: null, reason: `nonlinear: ${bound(narrow)}, more than ${AUTO_MAX_SHIFT}, so rcot` } };
  }
  const wideDefault = settings.conditioning === undefined && draft.method === 'direct' && (settingsLayout(draft).usedSteps - 1) * draft.dim <= Math.min(100, options.expectedEpisodes / 20);
  const wide = wideDefault ? shift(queries('all-states')) : null;
  const conditioning = settings.conditioning ?? (wide !== null && wide <= AUTO_MAX_SHIFT ? 'all-states' : 'neighbours');
  const worst = Math.max(narrow, wide ?? 0);
  return {
    settings: { ...settings, test: 'fisherz', conditioning },
    choice: { test: 'fisherz', conditioning: wide !== null && wide > AUTO_MAX_SHIFT ? 'neighbours' : null, shift: worst, query: null, reason: `close to linear: ${bound(worst)}, at most ${AUTO_MAX_SHIFT}, so fisherz (${conditioning})` },
  };
}
