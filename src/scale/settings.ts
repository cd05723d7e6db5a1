// What every shard of a sharded Layer 1 run must agree on before it counts a single episode: the
// shape of an episode, the segments, the test and everything that fixes its statistics (for RCoT
// the seed, the number of z features and the calibration). Resolved once, fingerprinted (SHA-256
// of the canonical JSON), and carried in every statistics file: a merge refuses parts whose
// fingerprints differ.
import { SpecialistError } from '../core/errors.ts';
import { checkKeys } from '../core/validate.ts';
import { sha256Hex } from '../io/sha256.ts';
import { resolveOptions as resolveRcot, blockSpecs } from '../structure/ci/rcot/options.ts';
import type { RcotOptions } from '../structure/ci/rcot/index.ts';
import { groupLayout, type FeatureGroup, type FeatureSpecs, type GroupLayout } from '../structure/ci/rcot/moments.ts';
import type { CiQuery } from '../structure/ci-test.ts';
import type { Layout } from '../structure/input.ts';
import { plan, type Planned } from '../structure/plan.ts';
import type { DirectConditioning, StructureMethod } from '../structure/options.ts';

/** Version of the statistics file (wire.ts) and of what this file fingerprints. */
export const STATISTICS_FORMAT_VERSION = 1;

/** The mergeable tests: Fisher z (one round), RCoT with features fixed in advance (two rounds). */
export type ShardTest = 'fisherz' | { name: 'fisherz' } | { name: 'rcot'; options: RcotOptions };

export interface ShardSettings {
  /** Steps per episode (T). */
  steps: number;
  /** Numbers per step (d). */
  dim: number;
  /** Task variables per episode (M). */
  tasks: number;
  /** Numbers per task variable (dg). Default 1. */
  taskDim?: number;
  /** Segment length L >= 2, as in StructureOptions. */
  segmentLength: number;
  /** Ignore the last T mod L steps. Default false. */
  dropTail?: boolean;
  /** Default 'direct'. */
  method?: StructureMethod;
  /**
   * Conditioning of the direct test. Default: 'all-states' with Fisher z when that set has at most
   * 100 columns, else 'neighbours' (the pooled default also needs n >= 20 columns, which a shard
   * cannot know: give it explicitly when that matters).
   */
  conditioning?: DirectConditioning;
  /** Also gather the diagnostic's statistics. Default true. */
  diagnostic?: boolean;
  /**
   * Default 'fisherz'. RCoT needs `featuresZ` and a `calibration` (calibrateShards, from a pilot
   * sample): every shard must compute the same features.
   */
  test?: ShardTest;
  /** Seed of the features (RCoT). Default 0. */
  seed?: number;
}

const KEYS: Record<keyof ShardSettings, true> = {
  steps: true, dim: true, tasks: true, taskDim: true, segmentLength: true, dropTail: true, method: true, conditioning: true, diagnostic: true, test: true, seed: true,
};

export interface ResolvedShardSettings {
  steps: number;
  dim: number;
  tasks: number;
  taskDim: number;
  segmentLength: number;
  dropTail: boolean;
  method: StructureMethod;
  conditioning: DirectConditioning;
  diagnostic: boolean;
  test: { name: 'fisherz' } | { name: 'rcot'; options: RcotOptions };
  seed: number;
}

function invalid(argument: string, message: string, value?: unknown): SpecialistError {
  return new SpecialistError('INVALID_ARGUMENT', `shard settings: ${message}`, { argument, value });
}

function count(name: string, value: unknown, min: number): number {
  if (!Number.isInteger(value) || (value as number) < min || (value as number) > 1_000_000) throw invalid(name, `${name} must be an integer >= ${min}, got ${String(value)}`, value);
  return value as number;
}

export function resolveShardSettings(settings: ShardSettings): ResolvedShardSettings {
  if (!settings || typeof settings !== 'object') throw invalid('settings', 'expected an object { steps, dim, tasks, segmentLength, ... }');
  checkKeys('ShardSettings', settings, KEYS);
  const test = settings.test === undefined || settings.test === 'fisherz' ? { name: 'fisherz' as const } : settings.test;
  if (!test || typeof test !== 'object' || (test.name !== 'fisherz' && test.name !== 'rcot')) {
    throw invalid('test', `test must be 'fisherz' or { name: 'rcot', options } (kNN-CMI's permutation null has no mergeable statistics), got ${JSON.stringify(settings.test)}`, settings.test);
  }
  const method = settings.method ?? 'direct';
  if (method !== 'direct' && method !== 'pairwise') throw invalid('method', `method must be 'direct' or 'pairwise', got ${String(method)}`, method);
  const resolved: ResolvedShardSettings = {
    steps: count('steps', settings.steps, 1),
    dim: count('dim', settings.dim, 1),
    tasks: count('tasks', settings.tasks, 1),
    taskDim: count('taskDim', settings.taskDim ?? 1, 1),
    segmentLength: count('segmentLength', settings.segmentLength, 2),
    dropTail: settings.dropTail ?? false,
    method,
    conditioning: 'neighbours',
    diagnostic: settings.diagnostic ?? true,
    test,
    seed: settings.seed ?? 0,
  };
  if (!Number.isSafeInteger(resolved.seed)) throw invalid('seed', `seed must be an integer, got ${String(settings.seed)}`, settings.seed);
  const layout = settingsLayout(resolved);
  const wide = (layout.usedSteps - 1) * layout.dim <= 100;
  const conditioning = settings.conditioning ?? (test.name === 'fisherz' && wide ? 'all-states' : 'neighbours');
  if (conditioning !== 'neighbours' && conditioning !== 'all-states') throw invalid('conditioning', `conditioning must be 'neighbours' or 'all-states', got ${String(conditioning)}`, conditioning);
  resolved.conditioning = conditioning;
  if (test.name === 'rcot') {
    const options = resolveRcot(test.options ?? {});
    if (options.featuresZ === null) throw invalid('test', 'rcot needs featuresZ fixed in advance (the pooled default grows with n, which no shard knows): calibrateShards sets it');
    if (!options.calibration) throw invalid('test', 'rcot needs a calibration (column scaling and bandwidths from a pilot sample): calibrateShards makes one');
    if (options.calibration.centre.length !== layout.width) throw invalid('test', `the rcot calibration covers ${options.calibration.centre.length} columns, an episode has ${layout.width}`);
  }
  return resolved;
}

/** The layout of the assembled rows (episodes 0: a shard does not know n). */
export function settingsLayout(s: ResolvedShardSettings): Layout {
  const T = s.steps;
  const L = s.segmentLength;
  if (T % L !== 0 && !s.dropTail) throw invalid('segmentLength', `T = ${T} steps is not a multiple of segmentLength ${L}; set dropTail to ignore the last ${T % L} step(s)`, L);
  const N = Math.floor(T / L);
  const minSegments = s.method === 'pairwise' ? 2 : 1;
  if (N < minSegments) throw invalid('segmentLength', `T = ${T} with segmentLength ${L} gives ${N} segment(s); method ${s.method} needs ${minSegments}`, L);
  return { episodes: 0, steps: T, usedSteps: N * L, dim: s.dim, tasks: s.tasks, taskDim: s.taskDim, segments: N, segmentLength: L, width: N * L * s.dim + s.tasks * s.taskDim };
}

/** The planned tests, main then diagnostic (empty when off): the same plan as a pooled run's. */
export function settingsPlan(s: ResolvedShardSettings): { main: Planned[]; diagnostic: Planned[] } {
  const { main, diagnostic } = plan(settingsLayout(s), s.method, s.conditioning);
  return { main, diagnostic: s.diagnostic ? diagnostic : [] };
}

/** JSON with object keys sorted, so that equal settings always give equal text. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value && typeof value === 'object') {
    return `{${Object.keys(value).filter((k) => (value as Record<string, unknown>)[k] !== undefined).sort().map((k) => `${JSON.stringify(k)}:${canonicalJson((value as Record<string, unknown>)[k])}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/** SHA-256 of the format version and the canonical settings. */
export function settingsFingerprint(s: ResolvedShardSettings): string {
  return sha256Hex(new TextEncoder().encode(`specialist-statistics/${STATISTICS_FORMAT_VERSION}\n${canonicalJson(s)}`));
}

/** RCoT's feature groups: one per distinct z block of the plan, with every block tested against it. */
export interface RcotGroups {
  specs: FeatureSpecs;
  groups: FeatureGroup[];
  layouts: GroupLayout[];
  /** Per planned query (main then diagnostic): its group and the indices of its x and y targets. */
  queries: { group: number; ix: number; iy: number }[];
}

const key = (columns: readonly number[]) => [...columns].sort((a, b) => a - b).join(',');

export function rcotGroups(s: ResolvedShardSettings): RcotGroups {
  if (s.test.name !== 'rcot') throw new SpecialistError('INVALID_ARGUMENT', 'feature groups exist for rcot only');
  const options = resolveRcot(s.test.options);
  const specs = blockSpecs(options, options.featuresZ as number);
  const { main, diagnostic } = settingsPlan(s);
  const groups: { z: number[]; targets: { role: 'x' | 'y'; columns: number[] }[] }[] = [];
  const byZ = new Map<string, number>();
  const target = (g: number, role: 'x' | 'y', columns: readonly number[]) => {
    const sorted = [...columns].sort((a, b) => a - b);
    const list = groups[g].targets;
    const at = list.findIndex((t) => t.role === role && key(t.columns) === key(sorted));
    if (at >= 0) return at;
    list.push({ role, columns: sorted });
    return list.length - 1;
  };
  const queries = [...main, ...diagnostic].map(({ query }: { query: CiQuery }) => {
    const z = key(query.z);
    let g = byZ.get(z);
    if (g === undefined) {
      g = groups.length;
      byZ.set(z, g);
      groups.push({ z: [...query.z].sort((a, b) => a - b), targets: [] });
    }
    return { group: g, ix: target(g, 'x', query.x), iy: target(g, 'y', query.y) };
  });
  return { specs, groups, layouts: groups.map((g) => groupLayout(g, specs)), queries };
}

/** Widths of the moments each round gathers: Fisher z one block of all columns; RCoT groups, then query products. */
export function roundWidths(s: ResolvedShardSettings, round: number): number[] {
  if (s.test.name === 'fisherz') return [settingsLayout(s).width];
  const g = rcotGroups(s);
  if (round === 1) return g.layouts.map((l) => l.width);
  return g.queries.map((q) => g.layouts[q.group].widths[q.ix] * g.layouts[q.group].widths[q.iy]);
}

/** Rounds the test needs: RCoT's null needs the products of residuals, which need round 1's fits. */
export function roundsOf(s: ResolvedShardSettings): number {
  return s.test.name === 'rcot' ? 2 : 1;
}
