// The coordinator's side: merge the shards' statistics of a round, broadcast what the next round
// needs (RCoT: every group's feature means and regressions), and decide Layer 1 from the merged
// rounds with the pooled run's own plan, decision and warnings code (structure/discover.ts:
// runPlanned), so a sharded answer and a pooled one differ only by float64 summation.
import { SpecialistError } from '../core/errors.ts';
import { covarianceOf, mergePairwise } from '../stats/moments.ts';
import { fisherZFromCovariance } from '../structure/ci/fisher-z.ts';
import { fitGroup, rcotFromMoments, type GroupFit } from '../structure/ci/rcot/moments.ts';
import { resolveOptions as resolveRcot } from '../structure/ci/rcot/options.ts';
import type { CiQuery, PreparedCiTest } from '../structure/ci-test.ts';
import { runPlanned, type StructureResult } from '../structure/discover.ts';
import { inThread } from '../structure/execute.ts';
import { resolveStructureOptions, type StructureCallOptions, type StructureOptions } from '../structure/options.ts';
import { checkEpisodes } from '../structure/plan.ts';
import { widthWarnings } from '../structure/warnings.ts';
import { broadcastHash, type RoundBroadcast, type Statistics } from './statistics.ts';
import { rcotGroups, roundsOf, settingsLayout, settingsPlan } from './settings.ts';

function refuse(reason: string, message: string, details: Record<string, unknown> = {}): SpecialistError {
  return new SpecialistError('INVALID_ARGUMENT', message, { reason, ...details });
}

/**
 * Merges statistics of one round. Refuses parts of other settings or rounds, round-2 parts made
 * from another broadcast, and any shard id counted twice (the same shard sent again included).
 */
export function mergeStatistics(parts: readonly Statistics[]): Statistics {
  if (!Array.isArray(parts) || parts.length === 0) throw refuse('empty', 'nothing to merge: give at least one statistics part');
  const [first] = parts;
  const seen = new Set<string>();
  for (const p of parts) {
    if (p.fingerprint !== first.fingerprint) {
      throw refuse('settings-mismatch', 'these statistics were gathered with other settings (segment layout, widths, test, features or format version): they cannot be merged', { expected: first.fingerprint, actual: p.fingerprint });
    }
    if (p.round !== first.round) throw refuse('round-mismatch', `statistics of round ${p.round} cannot be merged with round ${first.round}`, { expected: first.round, actual: p.round });
    if (p.basis !== first.basis) throw refuse('basis-mismatch', 'these round-2 statistics were computed from another broadcast of round 1', { expected: first.basis, actual: p.basis });
    for (const id of p.shards) {
      if (seen.has(id)) throw refuse('duplicate-shard', `shard "${id}" is already counted: a shard counts once`, { shard: id });
      seen.add(id);
    }
  }
  const merged = first.parts.map((_: unknown, j: number) => mergePairwise(parts.map((p) => p.parts[j])));
  return { ...first, shards: [...seen].sort(), episodes: parts.reduce((n, p) => n + p.episodes, 0), parts: merged };
}

function groupFits(round1: Statistics): GroupFit[] {
  const g = rcotGroups(round1.settings);
  return round1.parts.map((m, j) => fitGroup(m, g.layouts[j]).fit);
}

/** What the next round needs, or null when the merged rounds suffice to decide (Fisher z, or RCoT's round 2). */
export function nextRound(merged: Statistics): RoundBroadcast | null {
  if (merged.round >= roundsOf(merged.settings)) return null;
  checkEnough(merged);
  const fits = groupFits(merged).map((f) => ({ mean: f.mean, beta: f.beta }));
  const round = merged.round + 1;
  return { fingerprint: merged.fingerprint, round, shards: merged.shards, fits, sha256: broadcastHash(merged.fingerprint, round, merged.shards, fits) };
}

function checkEnough(merged: Statistics): void {
  if (merged.episodes < 2) throw refuse('too-few-episodes', `${merged.episodes} episode(s) support no conditional-independence test: gather more`, { episodes: merged.episodes });
}

/** Options of the decision itself (they do not change the statistics): alpha, correction, rule. */
export type DecideOptions = Pick<StructureOptions, 'alpha' | 'correction' | 'rule'>;

/**
 * Layer 1 from merged statistics: `rounds` holds the merged round 1 (and round 2 for RCoT). The
 * same plan, executor, decision and warnings as discoverTaskStructure on the pooled episodes.
 */
export async function decideFromStatistics(rounds: readonly Statistics[], options: DecideOptions = {}, call: Pick<StructureCallOptions, 'signal' | 'onProgress'> = {}): Promise<StructureResult> {
  const started = performance.now();
  const [first, second] = rounds;
  if (!first || first.round !== 1) throw refuse('round-missing', 'give the merged statistics of round 1 first');
  const s = first.settings;
  const needed = roundsOf(s);
  if (rounds.length !== needed) throw refuse('round-missing', `${s.test.name} is decided from ${needed} round(s) of statistics, got ${rounds.length}`);
  checkEnough(first);
  const layout = { ...settingsLayout(s), episodes: first.episodes };
  const opts = resolveStructureOptions(
    { segmentLength: s.segmentLength, dropTail: s.dropTail, method: s.method, conditioning: s.conditioning, diagnostic: s.diagnostic, seed: s.seed, test: s.test, ...pickDecision(options) },
    {},
  );
  const { main, diagnostic } = settingsPlan(s);
  checkEpisodes(layout, [...main, ...diagnostic], opts.test);
  let prepared: PreparedCiTest;
  if (s.test.name === 'fisherz') {
    checkColumns(first);
    const cov = covarianceOf(first.parts[0]);
    prepared = { test: (query) => fisherZFromCovariance(cov, layout.width, first.episodes, query) };
  } else {
    if (second.round !== 2 || second.fingerprint !== first.fingerprint) throw refuse('round-missing', 'the second statistics must be round 2 of the same settings');
    const missing = first.shards.filter((id) => !second.shards.includes(id));
    const extra = second.shards.filter((id) => !first.shards.includes(id));
    if (missing.length > 0 || extra.length > 0) throw refuse('incomplete-round', `round 2 must count the shards of round 1: missing ${missing.join(', ') || 'none'}, not in round 1 ${extra.join(', ') || 'none'}`, { missing, extra });
    const fits = groupFits(first);
    const expected = broadcastHash(first.fingerprint, 2, first.shards, fits.map((f) => ({ mean: f.mean, beta: f.beta })));
    if (second.basis !== expected) throw refuse('basis-mismatch', 'round 2 was computed from a broadcast that does not match these round-1 statistics');
    const g = rcotGroups(s);
    const rcotOptions = resolveRcot(s.test.options);
    const index = new Map([...main, ...diagnostic].map((p, j) => [queryKey(p.query), j]));
    prepared = {
      test: (query) => {
        const j = index.get(queryKey(query));
        if (j === undefined) throw refuse('unplanned-query', 'this query was not planned by the settings the statistics were gathered with');
        const q = g.queries[j];
        return rcotFromMoments(fits[q.group], g.layouts[q.group], q.ix, q.iy, second.parts[j], g.specs, rcotOptions);
      },
    };
  }
  const run = { layout, opts: { ...opts, conditioning: s.conditioning }, main, diagnostic, testChoice: null, reduction: null, started, validateMs: performance.now() - started };
  return runPlanned(run, 0, (progress) => inThread(prepared, opts.test.name, call, progress), () => widthWarnings(first.episodes, opts.test.name, [...main, ...diagnostic]), call);
}

function pickDecision(options: DecideOptions): DecideOptions {
  if (!options || typeof options !== 'object') throw refuse('options', 'options must be { alpha?, correction?, rule? }');
  const out: DecideOptions = {};
  for (const key of Object.keys(options)) {
    if (key !== 'alpha' && key !== 'correction' && key !== 'rule') throw new SpecialistError('INVALID_ARGUMENT', `unknown decision option "${key}": the statistics fix everything else`, { argument: key });
  }
  if (options.alpha !== undefined) out.alpha = options.alpha;
  if (options.correction !== undefined) out.correction = options.correction;
  if (options.rule !== undefined) out.rule = options.rule;
  return out;
}

const queryKey = (q: CiQuery) => [q.x, q.y, q.z].map((b) => [...b].sort((a, c) => a - c).join(',')).join('|');

/** A column with no variation breaks every test: refused as the pooled run refuses it. */
function checkColumns(stats: Statistics): void {
  const m = stats.parts[0];
  const layout = settingsLayout(stats.settings);
  for (let c = 0; c < m.width; c++) {
    const variance = m.m2[c * m.width + c] / stats.episodes;
    if (!(variance > 1e-20 * Math.max(1, m.mean[c] * m.mean[c]))) {
      const stateWidth = layout.usedSteps * layout.dim;
      const where = c < stateWidth ? `states step ${Math.floor(c / layout.dim)}, dim ${c % layout.dim}` : `tasks task ${Math.floor((c - stateWidth) / layout.taskDim)}, dim ${(c - stateWidth) % layout.taskDim}`;
      throw new SpecialistError('INVALID_ARGUMENT', `${where} is constant across all ${stats.episodes} episodes; a constant column carries no information and breaks the tests`, { reason: 'constant-column', column: c });
    }
  }
}
