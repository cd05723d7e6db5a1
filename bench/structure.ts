// npm run bench:structure: task-structure discovery (issue 3).
//  (a) the paper's sweep on the linear collider world with Fisher z: n = 10,000, L = 2, alpha 0.05,
//      T in {8, 12, 16, 20} with M = round(T / 5) and T = 20 with M in {2, 4, 6, 8, 10}; accuracy and
//      MCC (mean, standard deviation, min, max over all worlds, and per setting) for the paper's
//      settings, both methods, both rules, and the defaults;
//  (b) kNN-CMI on the nonlinear world (n = 2000, T = 12, M = 3, d = 2 observed through random
//      invertible maps) with the default settings, its tests spread over a worker pool; also false
//      positives and the raw rejection rate of the cells off the truth;
//  (c) wall time of one Algorithm 1 run (and of a default run) at n = 10,000, T = 20, M = 4, Fisher z;
//  (d) one kNN-CMI test, 100 permutations, k = 10% of n, one thread, at n = 1000 dims (1, 1, 5) and
//      n = 2000 dims (2, 2, 9), beside the plain Python / scipy cKDTree version (bench/cmi_reference.py)
//      on the same data, with the statistics compared.
//  (e)-(h), (w): nonlinear power table, generalist world at width 32, calibration on null worlds,
//      kNN-CMI budgets, wide states (see bench/structure-nonlinear.ts, bench/structure-calibration.ts).
//  (l), (x): level and power on hostile families (heavy tails, random walks, near-deterministic,
//      collinear) and lifted generalist worlds at W = 512 / 1024 (bench/structure-level.ts).
// Environment: BENCH_PARTS (a,b,c,d,e,f,g,h,w,l,x), BENCH_SEEDS (10, parts a and b), BENCH_PAIRWISE_SEEDS (3: the
// pairwise method with kNN-CMI in part b is slow and finds little), BENCH_RUNS (timing repeats),
// BENCH_PYTHON_REPEAT (3 at n = 1000, 1 at n = 2000).
// Markdown tables go to stderr, JSON to stdout and bench/results/.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { formatNpy } from '../src/io/npy.ts';
import { KernelRuntime } from '../src/kernels/runtime.ts';
import { adjustPValues } from '../src/stats/multiple-testing.ts';
import { discoverTaskStructure, type StructureOptions, type StructureResult } from '../src/structure/discover.ts';
import { cliqueRule, pairWeight, unionRule } from '../src/structure/rules.ts';
import { WorkerPool } from '../src/worker/pool.ts';
import { machine, time, writeResult } from './util.ts';
import { asArrays, cell, log, round, Tally } from './structure-util.ts';
import { calibration, wideWidths } from './structure-calibration.ts';
import { cmiKnnBudget, generalistWidth, powerTable } from './structure-nonlinear.ts';
import { cmiKnn, createRng, linearColliderWorld, type Matrix, nonlinearWorld, type StructureMetrics, structureMetrics } from 'specialist-sdk/lab';
import { levelFamilies, liftedWorlds } from './structure-level.ts';


const ALL_PARTS = ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'w', 'l', 'x'];
const parts = new Set((process.env.BENCH_PARTS ?? ALL_PARTS.join(',')).split(',').map((p) => p.trim()));
const seeds = Number(process.env.BENCH_SEEDS ?? 10);
const pairwiseSeeds = Math.min(seeds, Number(process.env.BENCH_PAIRWISE_SEEDS ?? 3));
const runs = Number(process.env.BENCH_RUNS ?? 30);

/** The pairwise relation under another rule, from a run's raw p-values (as discover decides it). */
function pairwiseRelation(r: StructureResult, rule: 'union' | 'clique'): number[][] {
  const N = r.segments, M = r.relation[0].length;
  const raw: number[] = [];
  const where: [number, number, number][] = [];
  for (let i = 0; i < M; i++) for (let k = 0; k < N; k++) for (let v = k + 1; v < N; v++) (raw.push(r.pValues[i][k][v] as number), where.push([i, k, v]));
  const adjusted = adjustPValues(raw, r.correction);
  const relation = Array.from({ length: N }, () => new Array<number>(M).fill(0));
  for (let i = 0; i < M; i++) {
    const w = new Float64Array(N * N).fill(NaN);
    where.forEach(([t, k, v], j) => t === i && (w[k * N + v] = w[v * N + k] = pairWeight(adjusted[j], r.alpha)));
    const members = rule === 'union' ? unionRule(N, (k, v) => w[k * N + v] >= 0) : cliqueRule(N, w);
    for (const k of members) relation[k][i] = 1;
  }
  return relation;
}

const result: Record<string, unknown> = { benchmark: 'structure', date: new Date().toISOString(), machine: machine() };
const runtime = await KernelRuntime.create();
result.kernelBuild = runtime.build;

// (a) The paper's sweep, Fisher z, linear world.
if (parts.has('a')) {
  const configs: { label: string; options: Partial<StructureOptions> }[] = [
    { label: 'pairwise, union, none (the paper)', options: { method: 'pairwise', rule: 'union', correction: 'none' } },
    { label: 'pairwise, clique, none', options: { method: 'pairwise', rule: 'clique', correction: 'none' } },
    { label: 'pairwise, union, BH', options: { method: 'pairwise', rule: 'union', correction: 'bh' } },
    { label: 'pairwise, clique, BH', options: { method: 'pairwise', rule: 'clique', correction: 'bh' } },
    { label: 'direct, neighbours, BH', options: { method: 'direct', conditioning: 'neighbours', correction: 'bh' } },
    { label: 'direct, neighbours, none', options: { method: 'direct', conditioning: 'neighbours', correction: 'none' } },
    { label: 'direct, all states, none', options: { method: 'direct', conditioning: 'all-states', correction: 'none' } },
    { label: 'direct, all states, Bonferroni', options: { method: 'direct', conditioning: 'all-states', correction: 'bonferroni' } },
    { label: 'defaults (direct, all states, BH)', options: {} },
  ];
  const settings: [number, number][] = [[8, 2], [12, 2], [16, 3], [20, 4], [20, 2], [20, 6], [20, 8], [20, 10]];
  const overall = configs.map(() => new Tally());
  const perSetting: { T: number; M: number; results: Record<string, ReturnType<Tally['json']>> }[] = [];
  const started = performance.now();
  for (const [T, M] of settings) {
    const tallies = configs.map(() => new Tally());
    for (let seed = 1; seed <= seeds; seed++) {
      const w = linearColliderWorld({ episodes: 10_000, steps: T, tasks: M, segmentLength: 2, seed: 1000 * T + 10 * M + seed });
      const { states, tasks, truth } = asArrays(w);
      for (const [j, c] of configs.entries()) {
        const r = await discoverTaskStructure(states, tasks, { segmentLength: 2, alpha: 0.05, diagnostic: false, ...c.options }, { kernels: runtime });
        const m = structureMetrics(r.relation, truth);
        tallies[j].add(m);
        overall[j].add(m);
      }
    }
    perSetting.push({ T, M, results: Object.fromEntries(configs.map((c, j) => [c.label, tallies[j].json()])) });
  }
  result.linearSweep = {
    world: 'linearColliderWorld, d = dg = 1, per-step task weights, segmentsPerTask [2, ceil(N / 2)], no broken chains',
    episodes: 10_000,
    seedsPerSetting: seeds,
    settings,
    overall: Object.fromEntries(configs.map((c, j) => [c.label, overall[j].json()])),
    perSetting,
    elapsedS: (performance.now() - started) / 1000,
  };
  log(`\n(a) linear world, Fisher z, ${settings.length * seeds} worlds: accuracy and MCC, mean ± sd [min, max]; false positives / null cells, misses / true cells`);
  log('| method, rule, correction | accuracy | MCC | false positives | misses |');
  log('| --- | --- | --- | --- | --- |');
  configs.forEach((c, j) => {
    const t = overall[j].json();
    log(`| ${c.label} | ${cell(t.accuracy)} [${t.accuracy.min.toFixed(3)}, ${t.accuracy.max.toFixed(3)}] | ${cell(t.mcc)} [${t.mcc.min.toFixed(3)}, ${t.mcc.max.toFixed(3)}] | ${t.falsePositives} / ${t.negatives} | ${t.misses} / ${t.positives} |`);
  });
  const show = [0, 3, 4, 8];
  log(`\n| T | M | ${show.map((j) => configs[j].label).join(' | ')} |`);
  log(`| --- | --- | ${show.map(() => '---').join(' | ')} |`);
  for (const s of perSetting) log(`| ${s.T} | ${s.M} | ${show.map((j) => { const t = s.results[configs[j].label]; return `${t.accuracy.mean.toFixed(3)} / ${t.mcc.mean.toFixed(3)}`; }).join(' | ')} |`);
}

// (b) kNN-CMI on the nonlinear world, tests spread over a worker pool.
if (parts.has('b')) {
  const pool = await WorkerPool.create();
  const labels = ['direct (defaults)', 'pairwise, clique', 'pairwise, union', 'Fisher z defaults (same data)'];
  const tallies = labels.map(() => new Tally());
  const runsB: Record<string, unknown>[] = [];
  let nullCells = 0;
  let nullRejectedRaw = 0;
  let nearNull = 0;
  let nearRejectedRaw = 0;
  const started = performance.now();
  for (let seed = 1; seed <= seeds; seed++) {
    const w = nonlinearWorld({ episodes: 2000, steps: 12, tasks: 3, dim: 2, segmentLength: 2, seed });
    const { states, tasks, truth } = asArrays(w);
    const N = w.params.segments, M = 3;
    const t0 = performance.now();
    const direct = await discoverTaskStructure(states, tasks, { segmentLength: 2, test: 'cmiknn', seed }, { pool });
    const directS = (performance.now() - t0) / 1000;
    tallies[0].add(structureMetrics(direct.relation, truth));
    // Raw level on cells off the truth; "near" = a neighbouring segment serves the task (s_{r+1} or
    // s_{r-1} then depends on g_i's actions: the case where a local permutation null is most strained).
    for (let i = 0; i < M; i++) {
      for (let k = 0; k < N; k++) {
        if (w.relation[k * M + i]) continue;
        const near = (k > 0 && w.relation[(k - 1) * M + i]) || (k + 1 < N && w.relation[(k + 1) * M + i]);
        const rejected = (direct.directPValues[i][k] as number) <= 0.05 ? 1 : 0;
        nullCells++;
        nullRejectedRaw += rejected;
        if (near) (nearNull++, (nearRejectedRaw += rejected));
      }
    }
    const fz = await discoverTaskStructure(states, tasks, { segmentLength: 2 }, { kernels: runtime });
    tallies[3].add(structureMetrics(fz.relation, truth));
    const run: Record<string, unknown> = { seed, directS, direct: structureMetrics(direct.relation, truth), diagnosticDependentPairs: direct.diagnostic?.dependentPairs, fisherZ: structureMetrics(fz.relation, truth) };
    if (seed <= pairwiseSeeds) {
      const t1 = performance.now();
      const pairwise = await discoverTaskStructure(states, tasks, { segmentLength: 2, test: 'cmiknn', method: 'pairwise', rule: 'clique', diagnostic: false, seed }, { pool });
      run.pairwiseS = (performance.now() - t1) / 1000;
      tallies[1].add(structureMetrics(pairwise.relation, truth));
      tallies[2].add(structureMetrics(pairwiseRelation(pairwise, 'union'), truth));
      run.pairwiseClique = structureMetrics(pairwise.relation, truth);
    }
    runsB.push(run);
    log(`  (b) seed ${seed}: direct ${directS.toFixed(1)} s, MCC ${(run.direct as StructureMetrics).mcc.toFixed(3)}${run.pairwiseS ? `, pairwise ${(run.pairwiseS as number).toFixed(1)} s` : ''}`);
  }
  await pool.close();
  result.nonlinearSweep = {
    world: 'nonlinearWorld, n = 2000, T = 12, M = 3, d = 2, dg = 1, L = 2, observed through random invertible maps',
    settings: 'kNN-CMI defaults: knn 0.1 n, permutations 100 raised with the BH family, shuffleNeighbors 5, rank transform, BH, alpha 0.05, direct method with the two neighbours',
    poolSize: pool.size,
    seeds,
    pairwiseSeeds,
    results: Object.fromEntries(labels.map((l, j) => [l, tallies[j].acc.length ? tallies[j].json() : null])),
    rawLevelOffTruth: { cells: nullCells, rejectedAt005: nullRejectedRaw, rate: round(nullRejectedRaw / nullCells), nextToServingCells: nearNull, nextToServingRejected: nearRejectedRaw },
    runs: runsB,
    elapsedS: (performance.now() - started) / 1000,
  };
  log(`\n(b) nonlinear world, kNN-CMI (pool of ${pool.size}), accuracy and MCC, mean ± sd [min, max]`);
  log('| method | worlds | accuracy | MCC | false positives | misses |');
  log('| --- | --- | --- | --- | --- | --- |');
  labels.forEach((l, j) => {
    if (!tallies[j].acc.length) return;
    const t = tallies[j].json();
    log(`| ${l} | ${t.worlds} | ${cell(t.accuracy)} [${t.accuracy.min.toFixed(3)}, ${t.accuracy.max.toFixed(3)}] | ${cell(t.mcc)} [${t.mcc.min.toFixed(3)}, ${t.mcc.max.toFixed(3)}] | ${t.falsePositives} / ${t.negatives} | ${t.misses} / ${t.positives} |`);
  });
  log(`raw rejections at 0.05 off the truth: ${nullRejectedRaw} / ${nullCells}; next to a serving segment: ${nearRejectedRaw} / ${nearNull}`);
}

// (c) One Algorithm 1 run, Fisher z, n = 10,000, T = 20, M = 4.
if (parts.has('c')) {
  const w = linearColliderWorld({ episodes: 10_000, steps: 20, tasks: 4, seed: 7 });
  const { states, tasks } = asArrays(w);
  const call = { kernels: runtime };
  const timed = async (options: StructureOptions) => {
    const t = await time(() => discoverTaskStructure(states, tasks, options, call), runs, 5);
    const last = await discoverTaskStructure(states, tasks, options, call);
    return { medianMs: round(t.medianMs), minMs: round(t.minMs), runs, tests: last.tests, phasesOfOneRunMs: last.timings };
  };
  const timing = {
    loadAverageBefore: machine().loadAverage1m,
    'Algorithm 1 (pairwise, union, no correction, no diagnostic)': await timed({ segmentLength: 2, method: 'pairwise', rule: 'union', correction: 'none', diagnostic: false }),
    'defaults (direct, all states, BH, with the diagnostic)': await timed({ segmentLength: 2 }),
  };
  result.algorithm1Timing = timing;
  log('\n(c) one run, Fisher z, n = 10,000, T = 20, M = 4 (data generation excluded)');
  for (const [k, v] of Object.entries(timing)) if (typeof v === 'object') log(`  ${k}: median ${v.medianMs.toFixed(2)} ms (min ${v.minMs.toFixed(2)}, ${v.runs} runs, ${v.tests} tests)`);
}

// (d) One kNN-CMI test with 100 permutations, ours and plain Python / scipy.
if (parts.has('d')) {
  const cases = [
    { n: 1000, dims: [1, 1, 5] as const },
    { n: 2000, dims: [2, 2, 9] as const },
  ];
  const python = '/usr/bin/python3';
  const hasScipy = spawnSync(python, ['-c', 'import numpy, scipy'], { encoding: 'utf8' }).status === 0;
  const dir = mkdtempSync(join(tmpdir(), 'bench-structure-'));
  const rows: Record<string, unknown>[] = [];
  try {
    for (const { n, dims } of cases) {
      const [dx, dy, dz] = dims;
      const rng = createRng(n + dz);
      const cols = dx + dy + dz;
      const data = new Float32Array(n * cols);
      for (let r = 0; r < n; r++) {
        const z = Array.from({ length: dz }, () => rng.normal());
        const common = z.reduce((a, b) => a + b, 0) / Math.sqrt(dz);
        const x = Array.from({ length: dx }, () => Math.tanh(common) + 0.7 * rng.normal());
        const y = Array.from({ length: dy }, (_, j) => Math.sin(common + j) + 0.3 * x[0] + 0.7 * rng.normal());
        data.set([...x, ...y, ...z], r * cols);
      }
      const m: Matrix = { data, rows: n, cols };
      const query = { x: [...Array(dx).keys()], y: [...Array(dy).keys()].map((j) => dx + j), z: [...Array(dz).keys()].map((j) => dx + dy + j) };
      // noise 0: no jitter, so that the statistic can be compared with the reference exactly.
      const test = cmiKnn({ knn: 0.1, permutations: 100, adaptive: false, noise: 0 });
      const prepared = test.prepare(m, { kernels: runtime, seed: 1 });
      let ours = prepared.test(query);
      const t = await time(() => (ours = prepared.test(query)), Math.max(5, Math.round(runs / 6)), 1);
      const row: Record<string, unknown> = { n, dims, k: Math.round(0.1 * n), permutations: ours.permutations, oursMedianMs: round(t.medianMs), oursMinMs: round(t.minMs), oursRuns: t.runs, statistic: ours.statistic, pValue: ours.pValue };
      if (hasScipy) {
        const file = join(dir, `cmi-${n}.npy`);
        writeFileSync(file, formatNpy({ shape: [n, cols], data }));
        // The Python test takes about 10 s at n = 1000 and 90 s at n = 2000: fewer repeats there.
        const repeat = Number(process.env.BENCH_PYTHON_REPEAT ?? (n <= 1000 ? 3 : 1));
        const out = spawnSync(python, ['bench/cmi_reference.py', file, '--x', query.x.join(','), '--y', query.y.join(','), '--z', query.z.join(','), '--knn', '0.1', '--permutations', '100', '--repeat', String(repeat)], { encoding: 'utf8' });
        if (out.status !== 0) throw new Error(`cmi_reference.py failed: ${out.stderr}`);
        const ref = JSON.parse(out.stdout);
        Object.assign(row, { pythonMedianMs: round(ref.elapsedMs), pythonRuns: repeat, pythonStatistic: ref.statistic, pythonPValue: ref.pValue, statisticDifference: Math.abs(ref.statistic - ours.statistic), speedup: round(ref.elapsedMs / t.medianMs) });
      }
      rows.push(row);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  result.cmiTestTiming = { loadAverageBefore: machine().loadAverage1m, python: hasScipy ? python : 'no numpy/scipy', rows };
  log('\n(d) one kNN-CMI test, 100 permutations, k = 10% of n, one thread');
  log('| n | dims (x, y, z) | ours (median) | Python / scipy cKDTree | speed-up | statistic ours | statistic Python | |difference| |');
  log('| --- | --- | --- | --- | --- | --- | --- | --- |');
  for (const r of rows as { n: number; dims: readonly number[]; oursMedianMs: number; pythonMedianMs?: number; speedup?: number; statistic: number; pythonStatistic?: number; statisticDifference?: number }[]) {
    log(`| ${r.n} | (${r.dims.join(', ')}) | ${r.oursMedianMs.toFixed(1)} ms | ${r.pythonMedianMs?.toFixed(0) ?? '-'} ms | x${r.speedup?.toFixed(0) ?? '-'} | ${r.statistic.toFixed(6)} | ${r.pythonStatistic?.toFixed(6) ?? '-'} | ${r.statisticDifference?.toExponential(1) ?? '-'} |`);
  }
}

// (e)-(h), (w): nonlinear data, calibration and wide states (bench/structure-nonlinear.ts,
// bench/structure-calibration.ts), all on one worker pool.
if (['e', 'f', 'g', 'h', 'w', 'l', 'x'].some((p) => parts.has(p))) {
  const pool = await WorkerPool.create();
  try {
    if (parts.has('e')) result.nonlinearPower = { loadAverageBefore: machine().loadAverage1m, ...(await powerTable(pool)) };
    if (parts.has('f')) result.generalistWidth32 = { loadAverageBefore: machine().loadAverage1m, ...(await generalistWidth(pool)) };
    if (parts.has('g')) result.calibration = await calibration(pool, runtime);
    if (parts.has('h')) result.cmiKnnBudget = { loadAverageBefore: machine().loadAverage1m, ...(await cmiKnnBudget(pool)) };
    if (parts.has('w')) result.wideWidths = await wideWidths(runtime);
    if (parts.has('l')) result.levelFamilies = await levelFamilies(pool);
    if (parts.has('x')) result.liftedWorlds = { loadAverageBefore: machine().loadAverage1m, ...(await liftedWorlds(pool)) };
  } finally {
    await pool.close();
  }
}

console.log(JSON.stringify(result, null, 2));
log(`\nwritten to ${writeResult(parts.size === ALL_PARTS.length ? 'structure' : `structure-${[...parts].sort().join('')}`, result)}`);
