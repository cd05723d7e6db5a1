// Layer 2 at the widths of real generalists (issues 12 and 18), for bench/specialist.ts:
//   scaling  time and support accuracy against d (9, 32, 64, 128, 256; 20,000 rows) and against rows
//            (5,000, 20,000, 100,000; d = 64), fitSpecialists on two workers beside the same
//            algorithm in PyTorch on CPU with two threads (bench/specialist_fit_torch.py), same data;
//   wide     unseen generalist worlds (seeds 1-3) at d = 32, 64, 128: exact support sizes and R^2;
//   lifted   the same against the width W of lifted latents (an intrinsic 32: blocks [4, 4, 4, 4]
//            and 16 irrelevant coordinates, W = 128 ... 2048, 20,000 rows) and against rows at
//            W = 1024, ours (median of BENCH_REPEATS fits, peak memory) beside PyTorch (capped);
//   unseen   issue 18's done criteria: lifted worlds at W = 512 and 1024 (n = 2000 episodes, every
//            served step) and the full-rank d = 256 world (blocks of 32, 20,000 rows), seeds 11-13.
// Cases are generalistWorld with per-step targets and the true step-task relation as membership.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { formatNpy, parseNpy } from '../src/io/npy.ts';
import { fitSpecialists } from '../src/specialist/fit.ts';
import { WorkerPool } from '../src/worker/pool.ts';
import type { Specialists } from '../src/specialist/model.ts';
import { modelBlocks, scoreCase, sHatBlocks, wideCase, wideSpec, type TaskScore, type WideCase, type WideCaseSpec } from './wide-case.ts';

export interface FitRun {
  seconds: number;
  /** Every repeat's seconds (the fit is deterministic: only the time varies), when repeated. */
  samples?: number[];
  /** CPU seconds of the process (every thread) during the fit: what the fit cost, whatever the load. */
  cpuSeconds?: number;
  /** Peak resident memory of the process during the fit (MiB), sampled every 100 ms. */
  peakRssMiB?: number;
  /** Components the fit read (its s_hat width: the front end's rank, or d). */
  latentDims?: number;
  scores: TaskScore[];
  /** Scores with 3000 kernel-ridge fitting rows (see docs/specialist.md on the estimator's ceiling). */
  scores3000?: TaskScore[];
  note?: string;
  /** Seconds it ran before the time limit stopped it. */
  atLeast?: number;
}

export interface CaseResult {
  label: string;
  d: number;
  /** Width of the latents (W), when lifted. */
  width?: number;
  rows: number;
  seed: number;
  ours: FitRun;
  torch?: FitRun;
  /** The 1-minute load average when our fit started (the machine is shared). */
  loadAtStart?: number;
  /** Load average when the case was done (fits and PyTorch). */
  loadAtEnd?: number;
  /** Fits of ours whose median is given (lifted). */
  repeats?: number;
  /** When the case ran (ISO time). */
  date?: string;
}

/** The default world's shape (blocks 2, 3, 2 and 2 irrelevant coordinates: d = 9). */
const DEFAULT_WORLD = { blockSizes: [2, 3, 2], irrelevantDims: 2 };

/** Runs `body` while sampling the process's resident memory; returns its result and the peak (MiB). */
async function peakMemory<T>(body: () => Promise<T>): Promise<{ value: T; peakRssMiB: number }> {
  let peak = process.memoryUsage().rss;
  const timer = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 100);
  try {
    const value = await body();
    return { value, peakRssMiB: Math.round(Math.max(peak, process.memoryUsage().rss) / 2 ** 20) };
  } finally {
    clearInterval(timer);
  }
}

async function ours(spec: WideCaseSpec | WideCase, pool: WorkerPool, wideScores: boolean, repeats = 1): Promise<FitRun> {
  const c = 'latents' in spec ? spec : wideCase(spec);
  const samples: number[] = [], cpu: number[] = [];
  let model: Specialists | undefined, peakRssMiB = 0;
  for (let i = 0; i < repeats; i++) {
    const t0 = performance.now(), c0 = process.cpuUsage();
    const run = await peakMemory(() => fitSpecialists(c.latents, c.targets, { seed: c.spec.seed }, { membership: c.membership, pool }));
    samples.push((performance.now() - t0) / 1000);
    const used = process.cpuUsage(c0);
    cpu.push((used.user + used.system) / 1e6);
    model = run.value;
    peakRssMiB = Math.max(peakRssMiB, run.peakRssMiB);
  }
  const blocks = modelBlocks(c, model!);
  const seconds = [...samples].sort((a, b) => a - b)[samples.length >> 1];
  const cpuSeconds = [...cpu].sort((a, b) => a - b)[cpu.length >> 1];
  return { seconds, samples: repeats > 1 ? samples : undefined, cpuSeconds, peakRssMiB, latentDims: model!.latentDims, scores: scoreCase(c, blocks), scores3000: wideScores ? scoreCase(c, blocks, 3000) : undefined };
}

function torch(spec: WideCaseSpec | WideCase, threads: number): FitRun {
  const c = 'latents' in spec ? spec : wideCase(spec);
  const dir = mkdtempSync(join(tmpdir(), 'specialist-torch-'));
  try {
    writeFileSync(join(dir, 'latents.npy'), formatNpy(c.latents));
    writeFileSync(join(dir, 'targets.npy'), formatNpy(c.targets));
    writeFileSync(join(dir, 'membership.npy'), formatNpy(c.membership));
    const limit = Number(process.env.BENCH_TORCH_TIMEOUT ?? 1800);
    const r = spawnSync('/usr/bin/python3', ['bench/specialist_fit_torch.py', dir, String(threads), String(c.spec.seed)], { encoding: 'utf8', timeout: limit * 1000, maxBuffer: 1 << 26 });
    if (r.error && (r.error as NodeJS.ErrnoException).code === 'ETIMEDOUT') return { seconds: NaN, scores: [], note: `not finished within ${limit} s`, atLeast: limit };
    if (r.status !== 0) return { seconds: NaN, scores: [], note: `PyTorch skipped: ${(r.stderr || r.error?.message || 'python3 failed').trim().split('\n').at(-1)}` };
    const out = JSON.parse(r.stdout.trim().split('\n').at(-1)!);
    const sHat = parseNpy(readFileSync(join(dir, 'torch-shat.npy')));
    return { seconds: out.seconds, scores: scoreCase(c, sHatBlocks(sHat.data as Float32Array, sHat.shape[1], out.supports)) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Time and accuracy against d and against rows, ours beside PyTorch. */
export async function scaling(pool: WorkerPool, options: { dims: number[]; rows: number[]; torchThreads: number; seed: number }): Promise<CaseResult[]> {
  const cases: { label: string; spec: WideCaseSpec }[] = [
    ...options.dims.map((d) => ({ label: `d = ${d}`, spec: d === 9 ? { ...DEFAULT_WORLD, rows: 20_000, seed: options.seed } : wideSpec(d / 8, 20_000, options.seed) })),
    ...options.rows.filter((n) => n !== 20_000).map((n) => ({ label: `${n} rows`, spec: wideSpec(8, n, options.seed) })),
  ];
  const results: CaseResult[] = [];
  for (const { label, spec } of cases) {
    const d = spec.blockSizes.reduce((a, b) => a + b, 0) + spec.irrelevantDims;
    const mine = await ours(spec, pool, false);
    const theirs = options.torchThreads > 0 ? torch(spec, options.torchThreads) : undefined;
    results.push({ label, d, rows: spec.rows, seed: spec.seed, ours: mine, torch: theirs });
    console.error(`${label}: ours ${mine.seconds.toFixed(1)} s ${summary(mine)}; torch ${theirs ? `${theirs.seconds.toFixed(1)} s ${summary(theirs)}` : 'skipped'}`);
  }
  return results;
}

/** Unseen worlds (seeds) at blocks of `blocks[i]` coordinates: ours only, with R^2 at 1000 and 3000 fitting rows. */
export async function wide(pool: WorkerPool, options: { blocks: number[]; seeds: number[] }): Promise<CaseResult[]> {
  const results: CaseResult[] = [];
  for (const block of options.blocks) {
    for (const seed of options.seeds) {
      const spec = wideSpec(block, 20_000, seed);
      const loadAtStart = loadavg()[0];
      const mine = await ours(spec, pool, true);
      results.push({ label: `d = ${8 * block}`, d: 8 * block, rows: spec.rows, seed, ours: mine, loadAtStart });
      console.error(`wide d = ${8 * block} seed ${seed}: ${mine.seconds.toFixed(1)} s ${summary(mine)}`);
    }
  }
  return results;
}

/** The intrinsic-32 world of issue 18: blocks [4, 4, 4, 4] and 16 irrelevant coordinates, lifted to W. */
export function liftedSpec(W: number, rows: number, seed: number, episodes?: number): WideCaseSpec {
  return { blockSizes: [4, 4, 4, 4], irrelevantDims: 16, rows, seed, latentWidth: W, episodes };
}

/** Time, memory and accuracy against the width of lifted latents and against rows, ours beside PyTorch. */
export async function lifted(pool: WorkerPool, options: { widths: number[]; rows: number[]; rowsWidth: number; torchThreads: number; repeats: number; seed: number }): Promise<CaseResult[]> {
  const cases = [
    ...options.widths.map((W) => ({ label: `W = ${W}`, spec: liftedSpec(W, 20_000, options.seed) })),
    ...options.rows.filter((n) => n !== 20_000).map((n) => ({ label: `W = ${options.rowsWidth}, ${n} rows`, spec: liftedSpec(options.rowsWidth, n, options.seed) })),
  ];
  const results: CaseResult[] = [];
  for (const { label, spec } of cases) {
    const c = wideCase(spec);
    const loadAtStart = loadavg()[0];
    const mine = await ours(c, pool, false, options.repeats);
    const theirs = options.torchThreads > 0 ? torch(c, options.torchThreads) : undefined;
    results.push({ label, d: c.d, width: c.width, rows: c.latents.shape[0], seed: spec.seed, ours: mine, torch: theirs, loadAtStart, loadAtEnd: loadavg()[0], repeats: options.repeats, date: new Date().toISOString() });
    console.error(`${label}: ours ${mine.seconds.toFixed(1)} s (${mine.samples?.map((v) => v.toFixed(1)).join(', ') ?? ''}; load ${loadAtStart.toFixed(1)}; ${mine.latentDims} components; peak ${mine.peakRssMiB} MiB) ${summary(mine)}; torch ${theirs ? `${theirs.seconds.toFixed(1)} s ${summary(theirs)}` : 'skipped'}`);
  }
  return results;
}

/** Issue 18's done criteria: lifted worlds (n = 2000 episodes) at W = 512 and 1024, and the full-rank d = 256 world, on unseen seeds. */
export async function unseen(pool: WorkerPool, options: { widths: number[]; fullRank: number[]; seeds: number[] }): Promise<CaseResult[]> {
  const cases = [
    ...options.widths.flatMap((W) => options.seeds.map((seed) => ({ label: `W = ${W}`, spec: liftedSpec(W, 0, seed, 2000) }))),
    ...options.fullRank.flatMap((d) => options.seeds.map((seed) => ({ label: `d = ${d}`, spec: wideSpec(d / 8, 20_000, seed) }))),
  ];
  const results: CaseResult[] = [];
  for (const { label, spec } of cases) {
    const c = wideCase(spec);
    const loadAtStart = loadavg()[0];
    const mine = await ours(c, pool, false);
    results.push({ label, d: c.d, width: c.width, rows: c.latents.shape[0], seed: spec.seed, ours: mine, loadAtStart, loadAtEnd: loadavg()[0], date: new Date().toISOString() });
    console.error(`unseen ${label} seed ${spec.seed}: ${mine.seconds.toFixed(1)} s (load ${loadAtStart.toFixed(1)} -> ${loadavg()[0].toFixed(1)}; ${mine.latentDims} components; peak ${mine.peakRssMiB} MiB) ${summary(mine)}`);
  }
  return results;
}

export function summary(run: FitRun): string {
  if (!run.scores.length) return run.note ?? '';
  return run.scores.map((t) => `${t.size}/${t.trueSize} ${t.r2Relevant.toFixed(2)}/${t.r2Other.toFixed(2)}`).join(' | ');
}
