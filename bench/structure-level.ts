// Parts of `npm run bench:structure` on the level of Layer 1 where data stop being tame (issues 18
// and 19), every test with the CLI's defaults otherwise (BH at 0.05, the direct method, the
// diagnostic on), all tests of a world side by side on the same data:
//  (l) null and power families: heavy tails (independent Cauchy and t2 data; linear collider worlds
//      with Student t noise of 1-3 degrees of freedom), random walks (innovations of 1% and 0.1%;
//      a task reading the innovation linearly or through tanh; integer walks with integer tasks:
//      ties), near-deterministic worlds (noise 1%, 0.1% and none) and states observed through a
//      redundant linear map (4 dimensions as 16 numbers, exactly and with 0.1% noise). For each
//      family and test: the raw p-values of the null cells and the diagnostic pairs (how many below
//      0.05, 1e-4 and 1e-10, the smallest), the share of worlds with a false cell, and the MCC and
//      misses on the true cells.
// Environment: BENCH_LEVEL_WORLDS (100), BENCH_LEVEL_N (1000), BENCH_LEVEL_FAMILIES (all, or a
// comma-separated list of family labels' first words), BENCH_LEVEL_TESTS (auto,fisherz,rcot,gcm),
// BENCH_LEVEL_SEED (9000: seeds no default was chosen on).
import type { Tensor } from '../src/core/tensor.ts';
import { nullPValues } from '../src/metrics/structure.ts';
import { discoverTaskStructure, type StructureOptions } from '../src/structure/discover.ts';
import { runStages } from '../src/onnx/export-network.ts';
import type { WorkerPool } from '../src/worker/pool.ts';
import type { GcmOptions } from '../src/structure/ci/gcm/options.ts';
import { loadavg } from 'node:os';
import { cell, log, round, summary } from './structure-util.ts';
import { binomialBand } from '../test/helpers.ts';
import { generalistWorld, independentWorld, liftedStates, linearColliderWorld, nearDeterministicWorld, randomWalkWorld, structureMetrics, type StructureWorld } from 'specialist-sdk/lab';

interface Family {
  label: string;
  /** A world for seed s: states, tasks and the true relation (all zeros for a null world). */
  make(s: number, n: number): { states: Tensor; tasks: Tensor; relation: ArrayLike<number>; M: number };
}

const T = 8;
const M = 2;
const fromWorld = (w: StructureWorld) => ({ states: { data: w.states, shape: w.shapes.states }, tasks: { data: w.tasks, shape: w.shapes.tasks }, relation: w.relation, M: w.shapes.relation[1] });
const base = (n: number, seed: number) => ({ episodes: n, steps: T, tasks: M, seed });

export const FAMILIES: Family[] = [
  { label: 'heavy: independent Cauchy, d = 1', make: (s, n) => ({ ...independent(n, s, 'cauchy'), relation: new Uint8Array((T / 2) * M), M }) },
  { label: 'heavy: independent t2, d = 2', make: (s, n) => ({ ...independent(n, s, { studentT: 2 }, 2), relation: new Uint8Array((T / 2) * M), M }) },
  { label: 'heavy: linear collider, Cauchy noise', make: (s, n) => fromWorld(linearColliderWorld({ ...base(n, s), noise: { studentT: 1 } })) },
  { label: 'heavy: linear collider, t2 noise', make: (s, n) => fromWorld(linearColliderWorld({ ...base(n, s), noise: { studentT: 2 } })) },
  { label: 'heavy: linear collider, t3 noise, d = 2', make: (s, n) => fromWorld(linearColliderWorld({ ...base(n, s), dim: 2, noise: { studentT: 3 } })) },
  { label: 'walk: 1% innovations, linear task', make: (s, n) => fromWorld(randomWalkWorld({ ...base(n, s), innovation: 0.01 })) },
  { label: 'walk: 0.1% innovations, linear task', make: (s, n) => fromWorld(randomWalkWorld({ ...base(n, s), innovation: 0.001 })) },
  { label: 'walk: 1% innovations, tanh task, d = 2', make: (s, n) => fromWorld(randomWalkWorld({ ...base(n, s), dim: 2, innovation: 0.01, reads: 'tanh' })) },
  { label: 'walk: integer steps, integer tasks (ties)', make: (s, n) => fromWorld(randomWalkWorld({ ...base(n, s), discrete: true, integerTasks: true })) },
  { label: 'near-deterministic: 1% noise', make: (s, n) => fromWorld(nearDeterministicWorld({ ...base(n, s), noise: 0.01 })) },
  { label: 'near-deterministic: 0.1% noise, d = 2', make: (s, n) => fromWorld(nearDeterministicWorld({ ...base(n, s), dim: 2, noise: 0.001 })) },
  { label: 'near-deterministic: no noise (all null)', make: (s, n) => ({ ...fromWorld(nearDeterministicWorld({ ...base(n, s), noise: 0 })), relation: new Uint8Array((T / 2) * M) }) },
  { label: 'collinear: 4 dims as 16 numbers', make: (s, n) => fromWorld(liftedStates(linearColliderWorld({ ...base(n, s), dim: 4 }), 16, { seed: s })) },
  { label: 'collinear: 4 dims as 16 numbers + 0.1% noise', make: (s, n) => fromWorld(liftedStates(linearColliderWorld({ ...base(n, s), dim: 4 }), 16, { seed: s, noise: 0.001 })) },
];

function independent(n: number, seed: number, law: 'cauchy' | { studentT: number }, dim = 1) {
  const w = independentWorld({ episodes: n, steps: T, tasks: M, dim, law, seed });
  return { states: { data: w.states, shape: w.shapes.states }, tasks: { data: w.tasks, shape: w.shapes.tasks } };
}

/** The diagnostic's p-values, each pair once (the grid is symmetric). */
function diagnosticPValues(grid: (number | null)[][]): number[] {
  return grid.flatMap((row, k) => row.filter((p, v): p is number => v > k && p !== null));
}

interface Tally {
  nulls: number[];
  worlds: number;
  worldsWithFalseCell: number;
  mcc: number[];
  misses: number;
  positives: number;
  seconds: number[];
  ran: Set<string>;
  errors: string[];
}

const median = (v: number[]) => (v.length ? [...v].sort((a, b) => a - b)[v.length >> 1] : NaN);
const fresh = (): Tally => ({ nulls: [], worlds: 0, worldsWithFalseCell: 0, mcc: [], misses: 0, positives: 0, seconds: [], ran: new Set(), errors: [] });

function rowJson(t: Tally) {
  const below = (x: number) => t.nulls.filter((p) => p < x).length;
  return {
    nullTests: t.nulls.length,
    below005: below(0.05),
    below1e4: below(1e-4),
    below1e10: below(1e-10),
    smallest: t.nulls.length ? Math.min(...t.nulls) : null,
    worlds: t.worlds,
    worldsWithFalseCell: t.worldsWithFalseCell,
    mcc: t.mcc.length ? summary(t.mcc) : null,
    misses: t.misses,
    positives: t.positives,
    secondsMedian: t.seconds.length ? round([...t.seconds].sort((a, b) => a - b)[t.seconds.length >> 1]) : null,
    ran: [...t.ran],
    errors: t.errors.slice(0, 3),
  };
}

/** (l) Level and power of every test on the families, side by side. */
export async function levelFamilies(pool: WorkerPool): Promise<object> {
  const worlds = Number(process.env.BENCH_LEVEL_WORLDS ?? 100);
  const n = Number(process.env.BENCH_LEVEL_N ?? 1000);
  const first = Number(process.env.BENCH_LEVEL_SEED ?? 9000);
  const tests = (process.env.BENCH_LEVEL_TESTS ?? 'auto,fisherz,rcot,gcm').split(',').map((t) => t.trim()) as NonNullable<StructureOptions['test']>[];
  const only = process.env.BENCH_LEVEL_FAMILIES?.split(',').map((f) => f.trim());
  const families = FAMILIES.filter((f) => !only || only.some((o) => f.label.startsWith(o)));
  const load = [loadavg()[0]];
  const out: object[] = [];
  for (const family of families) {
    const tallies = tests.map(fresh);
    for (let w = 0; w < worlds; w++) {
      const seed = first + w;
      const { states, tasks, relation, M: tasksOf } = family.make(seed, n);
      for (const [j, test] of tests.entries()) {
        const t = tallies[j];
        const t0 = performance.now();
        try {
          const r = await discoverTaskStructure(states, tasks, { segmentLength: 2, test, seed }, { pool });
          t.seconds.push((performance.now() - t0) / 1000);
          t.ran.add(r.test + (r.testChoice?.transform === 'normal-scores' ? ' (normal scores)' : ''));
          t.worlds++;
          const m = structureMetrics(r.relation, { data: Uint8Array.from(relation), shape: [relation.length / tasksOf, tasksOf] });
          if (m.falsePositives > 0) t.worldsWithFalseCell++;
          if (m.truePositives + m.falseNegatives > 0) t.mcc.push(m.mcc);
          t.misses += m.falseNegatives;
          t.positives += m.truePositives + m.falseNegatives;
          t.nulls.push(...nullPValues(r, relation, tasksOf), ...diagnosticPValues(r.diagnostic?.pValues ?? []));
        } catch (error) {
          t.errors.push((error as Error).message);
        }
      }
      load.push(loadavg()[0]);
    }
    log(`\n(l) ${family.label}, n = ${n}, ${worlds} worlds (seeds ${first}-${first + worlds - 1})`);
    log('| test | null tests | p < 0.05 | p < 1e-4 | p < 1e-10 | smallest p | worlds with a false cell | MCC (true cells) | misses | time per run |');
    log('| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |');
    tests.forEach((test, j) => {
      const r = rowJson(tallies[j]);
      log(`| ${String(test)} (ran ${r.ran.join(', ') || '-'}) | ${r.nullTests} | ${r.below005} | ${r.below1e4} | ${r.below1e10} | ${r.smallest?.toExponential(1) ?? '-'} | ${r.worldsWithFalseCell} / ${r.worlds} | ${r.mcc ? cell(r.mcc) : '-'} | ${r.misses} / ${r.positives} | ${r.secondsMedian ?? '-'} s${r.errors.length ? ` errors: ${r.errors.join('; ')}` : ''} |`);
    });
    out.push({ family: family.label, n, worlds, firstSeed: first, rows: tests.map((test, j) => ({ test, ...rowJson(tallies[j]) })) });
  }
  return { families: out, loadAverage: { min: Math.min(...load), max: Math.max(...load) } };
}

/**
 * (x) Lifted generalist worlds at real widths (issue 18): intrinsic state of 32 (blocks [4, 4, 4, 4]
 * + 16 irrelevant) lifted to W numbers by generalistWorld's injective map, n = 2000, T = 12, on
 * seeds no default was chosen on; each test with the CLI's defaults otherwise (reduction 'auto',
 * BH, the diagnostic on), MCC, time and the raw rejection rate of the null cells at 0.05 against
 * its 99% binomial band. Environment: BENCH_LIFTED_WIDTHS (512,1024), BENCH_LIFTED_SEEDS (3),
 * BENCH_LIFTED_TESTS (auto,fisherz,gcm,rcot), BENCH_LIFTED_GCM (GcmOptions as JSON for the 'gcm'
 * rows, e.g. '{"featuresZ":400}'; default: the GCM's defaults), BENCH_LEVEL_SEED.
 */
export async function liftedWorlds(pool: WorkerPool): Promise<object> {
  const widths = (process.env.BENCH_LIFTED_WIDTHS ?? '512,1024').split(',').map(Number);
  const seeds = Number(process.env.BENCH_LIFTED_SEEDS ?? 3);
  const first = Number(process.env.BENCH_LEVEL_SEED ?? 9000);
  const tests = (process.env.BENCH_LIFTED_TESTS ?? 'auto,fisherz,gcm,rcot').split(',').map((t) => t.trim()) as NonNullable<StructureOptions['test']>[];
  const gcmOptions = process.env.BENCH_LIFTED_GCM ? (JSON.parse(process.env.BENCH_LIFTED_GCM) as GcmOptions) : null;
  const out: object[] = [];
  for (const W of widths) {
    const tallies = tests.map(fresh);
    const cpuSeconds: number[][] = tests.map(() => []);
    const reductions: string[] = [];
    for (let j = 0; j < seeds; j++) {
      const seed = first + 100 + j;
      const w = generalistWorld({ episodes: 2000, steps: 12, blockSizes: [4, 4, 4, 4], irrelevantDims: 16, latentWidth: W, seed });
      const [n, T] = w.shapes.observations;
      const states = { data: runStages(w.states, n * T, w.truth.phi).data, shape: [n, T, W] };
      const tasks = { data: w.tasks, shape: w.shapes.tasks };
      const M = w.shapes.relation[1];
      for (const [t, test] of tests.entries()) {
        const tally = tallies[t];
        const load = loadavg()[0];
        const t0 = performance.now();
        const cpu0 = process.cpuUsage();
        try {
          const r = await discoverTaskStructure(states, tasks, { segmentLength: 2, test: test === 'gcm' && gcmOptions ? { name: 'gcm', options: gcmOptions } : test, seed }, { pool });
          const seconds = (performance.now() - t0) / 1000;
          // CPU time of this process (main thread and the pool's worker threads): less sensitive than wall time to other jobs on the machine.
          const used = process.cpuUsage(cpu0);
          cpuSeconds[t].push((used.user + used.system) / 1e6);
          tally.seconds.push(seconds);
          tally.ran.add(r.test);
          tally.worlds++;
          const m = structureMetrics(r.relation, { data: w.truth.relation, shape: w.shapes.relation });
          if (m.falsePositives > 0) tally.worldsWithFalseCell++;
          tally.mcc.push(m.mcc);
          tally.misses += m.falseNegatives;
          tally.positives += m.truePositives + m.falseNegatives;
          tally.nulls.push(...nullPValues(r, w.truth.relation, M));
          if (t === 0 && r.reduction) reductions.push(r.reduction.reason);
          log(`  (x) W = ${W}, seed ${seed}, ${String(test)} (ran ${r.test}): MCC ${m.mcc.toFixed(3)}, ${seconds.toFixed(1)} s, CPU ${cpuSeconds[t].at(-1)!.toFixed(1)} s (load ${load.toFixed(1)})${r.warnings.length ? `; warnings: ${r.warnings.join(' / ')}` : ''}`);
        } catch (error) {
          tally.errors.push((error as Error).message);
          log(`  (x) W = ${W}, seed ${seed}, ${String(test)}: ${(error as Error).message}`);
        }
      }
    }
    log(`\n(x) lifted generalist world, W = ${W} (intrinsic 32), n = 2000, T = 12, seeds ${first + 100}-${first + 99 + seeds}`);
    log('| test | MCC, mean ± sd | null cells p < 0.05 (99% band) | worlds with a false cell | misses | time per run, median | CPU time per run, median |');
    log('| --- | --- | --- | --- | --- | --- | --- |');
    const rows = tests.map((test, t) => {
      const r = rowJson(tallies[t]);
      const band = binomialBand(r.nullTests, 0.05, 0.99);
      log(`| ${String(test)} (ran ${r.ran.join(', ') || '-'}) | ${r.mcc ? cell(r.mcc) : '-'} | ${r.below005} / ${r.nullTests} [${band.join(', ')}] | ${r.worldsWithFalseCell} / ${r.worlds} | ${r.misses} / ${r.positives} | ${r.secondsMedian ?? '-'} s | ${round(median(cpuSeconds[t]))} s${r.errors.length ? ` errors: ${r.errors.join('; ')}` : ''} |`);
      return { test, band, cpuSecondsMedian: round(median(cpuSeconds[t])), ...r };
    });
    out.push({ width: W, reduction: reductions[0] ?? null, rows });
  }
  return { worlds: 'generalistWorld, blockSizes [4, 4, 4, 4], irrelevantDims 16 (D = 32) lifted to W, n = 2000, T = 12, L = 2', widths: out };
}

