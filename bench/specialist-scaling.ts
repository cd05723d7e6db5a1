// Layer 2 at the widths of real generalists (issue 12), for bench/specialist.ts:
//   scaling  time and support accuracy against d (9, 32, 64, 128, 256; 20,000 rows) and against rows
//            (5,000, 20,000, 100,000; d = 64), fitSpecialists on two workers beside the same
//            algorithm in PyTorch on CPU with two threads (bench/specialist_fit_torch.py), same data;
//   wide     unseen generalist worlds (seeds 1-3) at d = 32, 64, 128: exact support sizes and R^2.
// Cases are generalistWorld with per-step targets and the true step-task relation as membership.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { formatNpy, parseNpy } from '../src/io/npy.ts';
import { fitSpecialists } from '../src/specialist/fit.ts';
import { WorkerPool } from '../src/worker/pool.ts';
import { modelBlocks, scoreCase, sHatBlocks, wideCase, wideSpec, type TaskScore, type WideCaseSpec } from './wide-case.ts';

export interface FitRun {
  seconds: number;
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
  rows: number;
  seed: number;
  ours: FitRun;
  torch?: FitRun;
  /** The 1-minute load average when our fit started (the machine is shared). */
  loadAtStart?: number;
}

/** The default world's shape (blocks 2, 3, 2 and 2 irrelevant coordinates: d = 9). */
const DEFAULT_WORLD = { blockSizes: [2, 3, 2], irrelevantDims: 2 };

async function ours(spec: WideCaseSpec, pool: WorkerPool, wideScores: boolean): Promise<FitRun> {
  const c = wideCase(spec);
  const t0 = performance.now();
  const model = await fitSpecialists(c.latents, c.targets, { seed: spec.seed }, { membership: c.membership, pool });
  const seconds = (performance.now() - t0) / 1000;
  const blocks = modelBlocks(c, model);
  return { seconds, scores: scoreCase(c, blocks), scores3000: wideScores ? scoreCase(c, blocks, 3000) : undefined };
}

function torch(spec: WideCaseSpec, threads: number): FitRun {
  const c = wideCase(spec);
  const dir = mkdtempSync(join(tmpdir(), 'specialist-torch-'));
  try {
    writeFileSync(join(dir, 'latents.npy'), formatNpy(c.latents));
    writeFileSync(join(dir, 'targets.npy'), formatNpy(c.targets));
    writeFileSync(join(dir, 'membership.npy'), formatNpy(c.membership));
    const limit = Number(process.env.BENCH_TORCH_TIMEOUT ?? 1800);
    const r = spawnSync('/usr/bin/python3', ['bench/specialist_fit_torch.py', dir, String(threads), String(spec.seed)], { encoding: 'utf8', timeout: limit * 1000, maxBuffer: 1 << 26 });
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

export function summary(run: FitRun): string {
  if (!run.scores.length) return run.note ?? '';
  return run.scores.map((t) => `${t.size}/${t.trueSize} ${t.r2Relevant.toFixed(2)}/${t.r2Other.toFixed(2)}`).join(' | ');
}
