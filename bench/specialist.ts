// npm run bench:specialist: the paper's ablation on the blocks world (issue 4). For each seed,
// fitSpecialists with the group penalty (lambda auto) and without a penalty; per task, R^2 of a
// kernel ridge regression from the task's specialist block s_hat[I_hat_k] to the true block s[I_k]
// (want high) and to the true coordinates outside I_k (want low), and |I_hat_k| against |I_k|.
// Then training throughput (samples/s, one epoch) of the stated architecture, with a PyTorch CPU
// run of the same architecture beside it when /usr/bin/python3 has torch.
// The Jacobian-l1 penalty (lambda auto) is measured on the first BENCH_JACOBIAN_SEEDS seeds.
// Then (issue 12, bench/specialist-scaling.ts) the scaling table against d and rows beside the
// same algorithm in PyTorch, and unseen wide generalist worlds.
// Then (issue 18) the lifted-width scaling table and the unseen wide worlds of its done criteria.
// Environment: BENCH_PARTS (blocks,throughput,scaling,wide,lifted,unseen), BENCH_SEEDS (10),
// BENCH_JACOBIAN_SEEDS (3), BENCH_N (8000 rows), BENCH_EPOCHS (120), BENCH_DIMS (9,32,64,128,256),
// BENCH_ROWS (5000,20000,100000), BENCH_TORCH_THREADS (2; 0 skips PyTorch), BENCH_TORCH_TIMEOUT
// (seconds per PyTorch fit, 1800), BENCH_WIDE_SEEDS (1,2,3), BENCH_WIDTHS (128,256,512,1024,2048),
// BENCH_LIFT_ROWS (5000,20000,100000, at W = BENCH_ROWS_WIDTH, 1024), BENCH_REPEATS (3),
// BENCH_UNSEEN_WIDTHS (512,1024), BENCH_UNSEEN_FULL (256), BENCH_UNSEEN_SEEDS (11,12,13).
import { spawnSync } from 'node:child_process';
import { writeDocTable } from './specialist-doc.ts';
import { fitSpecialists } from '../src/specialist/fit.ts';
import type { SpecialistOptions } from '../src/specialist/options.ts';
import type { Tensor } from '../src/core/tensor.ts';
import { machine, writeResult } from './util.ts';
import { lifted, scaling, unseen, wide, type CaseResult } from './specialist-scaling.ts';
import { WorkerPool } from '../src/worker/pool.ts';
import { existsSync, readFileSync } from 'node:fs';
import { blocksWorld, kernelRidgeR2 } from 'specialist-sdk/lab';

const seeds = Number(process.env.BENCH_SEEDS ?? 10);
const jacobianSeeds = Number(process.env.BENCH_JACOBIAN_SEEDS ?? 3);
const n = Number(process.env.BENCH_N ?? 8000);
const epochs = Number(process.env.BENCH_EPOCHS ?? 120);
const parts = new Set((process.env.BENCH_PARTS ?? 'blocks,throughput,scaling,wide,lifted,unseen').split(','));
const list = (name: string, fallback: string) => (process.env[name] ?? fallback).split(',').filter(Boolean).map(Number);

function columns(data: Float32Array, rows: number, cols: number, pick: number[]): Tensor {
  const out = new Float32Array(rows * pick.length);
  for (let r = 0; r < rows; r++) pick.forEach((c, j) => (out[r * pick.length + j] = data[r * cols + c]));
  return { data: out, shape: [rows, pick.length] };
}

interface TaskRow {
  seed: number;
  task: number;
  trueSize: number;
  estimatedSize: number;
  support: number[];
  r2Relevant: number;
  r2Irrelevant: number;
}

async function ablation(label: string, options: SpecialistOptions, seeds: number) {
  const rows: TaskRow[] = [];
  const runs: { seed: number; lambda: number[]; ms: number; converged: boolean }[] = [];
  for (let seed = 0; seed < seeds; seed++) {
    const world = blocksWorld({ n, seed });
    const K = world.truth.blocks.length;
    const t0 = performance.now();
    const model = await fitSpecialists({ data: world.z, shape: [n, world.dims] }, { data: world.y, shape: [n, K, world.signalDims] }, { ...options, seed, epochs });
    runs.push({ seed, lambda: model.lambda, ms: performance.now() - t0, converged: model.converged });
    const latents = { data: world.z, shape: [n, world.dims] };
    world.truth.blocks.forEach((block, task) => {
      const specialist = model.transform(latents, task);
      const outside = Array.from({ length: world.dims }, (_, i) => i).filter((i) => !block.includes(i));
      const r2Relevant = kernelRidgeR2(specialist, columns(world.s, n, world.dims, block), { seed }).mean;
      const r2Irrelevant = kernelRidgeR2(specialist, columns(world.s, n, world.dims, outside), { seed }).mean;
      rows.push({ seed, task, trueSize: block.length, estimatedSize: specialist.shape[1], support: model.supports[task], r2Relevant, r2Irrelevant });
    });
    const last = rows.slice(-K);
    console.error(`${label} seed ${seed}: lambda ${model.lambda.join(",")}, sizes ${last.map((r) => `${r.estimatedSize}/${r.trueSize}`).join(' ')}, R2 rel ${last.map((r) => r.r2Relevant.toFixed(2)).join(' ')}, irr ${last.map((r) => r.r2Irrelevant.toFixed(2)).join(' ')}, ${(runs.at(-1)!.ms / 1000).toFixed(1)} s`);
  }
  const mean = (f: (r: TaskRow) => number, filter: (r: TaskRow) => boolean = () => true) => {
    const sel = rows.filter(filter);
    return sel.reduce((a, r) => a + f(r), 0) / Math.max(1, sel.length);
  };
  const summary = {
    meanR2Relevant: mean((r) => r.r2Relevant),
    meanR2Irrelevant: mean((r) => r.r2Irrelevant),
    exactSizeFraction: mean((r) => (r.estimatedSize === r.trueSize ? 1 : 0)),
    exactSizeFractionOverlapping: mean((r) => (r.estimatedSize === r.trueSize ? 1 : 0), (r) => r.task < 2),
    meanEstimatedSize: mean((r) => r.estimatedSize),
    medianFitSeconds: [...runs].sort((a, b) => a.ms - b.ms)[runs.length >> 1].ms / 1000,
    convergedFraction: runs.filter((r) => r.converged).length / runs.length,
  };
  console.error(`${label}: ${JSON.stringify(summary)}`);
  return { label, options, seeds, summary, runs, tasks: rows };
}

/** Samples/s of one training epoch (median of 5 epochs after one warm-up) of the default architecture. */
async function throughput() {
  const world = blocksWorld({ n: 10000, seed: 0 });
  const stamps: number[] = [];
  await fitSpecialists({ data: world.z, shape: [10000, 10] }, { data: world.y, shape: [10000, 3, 3] }, { penalty: 'none', epochs: 6, validationSplit: 0.2 }, {
    onProgress: () => stamps.push(performance.now()),
  });
  const perEpoch = stamps.slice(1).map((t, i) => t - stamps[i]).sort((a, b) => a - b);
  const ms = perEpoch[perEpoch.length >> 1];
  const trainRows = Math.floor(8000 / 128) * 128;
  return { samplesPerSecond: trainRows / (ms / 1000), epochMs: ms, trainRows };
}

function torchThroughput(): { samplesPerSecond?: number; epochMs?: number; note?: string } {
  const r = spawnSync('/usr/bin/python3', ['bench/specialist_torch.py'], { encoding: 'utf8', timeout: 300000 });
  if (r.status !== 0) return { note: `PyTorch column skipped: ${(r.stderr || r.error?.message || 'python3 failed').trim().split('\n').at(-1)}` };
  return JSON.parse(r.stdout.trim().split('\n').at(-1)!);
}

/**
 * The cases of a part run now, merged into the previous run's: a case replaces the previous one of
 * the same label and seed, the others keep their own figures (each row has its own date, load,
 * CPU seconds and repeats; PyTorch's limit shows where it was hit), so one missing cell can be run without rerunning the table.
 */
function mergeCases(before: CaseResult[] | undefined, now: CaseResult[]): CaseResult[] {
  const key = (c: CaseResult) => `${c.label}|${c.seed}`;
  const fresh = new Map(now.map((c) => [key(c), c]));
  const kept = (before ?? []).map((c) => fresh.get(key(c)) ?? c);
  return [...kept, ...now.filter((c) => !kept.includes(c))];
}

const architecture = 'encoder 10-64-64-10 (leaky ReLU 0.1), batch norm (no affine) per ghost batch of 64, decoder 10-64-64-10, 3 heads 10-32-3; batch 128 (two ghost batches), Adam, MSE; 8000 training rows';
// Parts not run this time keep their previous results.
const previous = existsSync('bench/results/specialist-latest.json') ? JSON.parse(readFileSync('bench/results/specialist-latest.json', 'utf8')) : {};
const result: Record<string, unknown> = { ...previous, machine: machine(), n, epochs, seeds, architecture };
if (parts.has('blocks')) {
  const withPenalty = await ablation('group penalty, lambda auto', { penalty: 'group', lambda: 'auto' }, seeds);
  const without = await ablation('no penalty', { penalty: 'none' }, seeds);
  const jacobian = jacobianSeeds > 0 ? [await ablation('Jacobian penalty, lambda auto', { penalty: 'jacobian', lambda: 'auto' }, Math.min(seeds, jacobianSeeds))] : [];
  result.ablation = [withPenalty, without, ...jacobian];
}
if (parts.has('throughput')) {
  const ours = await throughput();
  const torch = torchThroughput();
  console.error(`throughput: wasm ${ours.samplesPerSecond.toFixed(0)} samples/s; torch ${torch.samplesPerSecond?.toFixed(0) ?? torch.note}`);
  result.throughput = { wasm: ours, torch };
}
if (['scaling', 'wide', 'lifted', 'unseen'].some((p) => parts.has(p))) {
  const pool = await WorkerPool.create({ size: 2 });
  try {
    const torchThreads = Number(process.env.BENCH_TORCH_THREADS ?? 2);
    if (parts.has('scaling')) result.scaling = { torchThreads, cases: await scaling(pool, { dims: list('BENCH_DIMS', '9,32,64,128,256'), rows: list('BENCH_ROWS', '5000,20000,100000'), torchThreads, seed: 0 }) };
    if (parts.has('wide')) result.wide = await wide(pool, { blocks: [4, 8, 16], seeds: list('BENCH_WIDE_SEEDS', '1,2,3') });
    if (parts.has('lifted')) {
      const options = { widths: list('BENCH_WIDTHS', '128,256,512,1024,2048'), rows: list('BENCH_LIFT_ROWS', '5000,20000,100000'), rowsWidth: Number(process.env.BENCH_ROWS_WIDTH ?? 1024), torchThreads, repeats: Number(process.env.BENCH_REPEATS ?? 3), seed: 0 };
      const cases = await lifted(pool, options);
      result.lifted = { torchThreads, torchTimeout: Number(process.env.BENCH_TORCH_TIMEOUT ?? 1800), repeats: options.repeats, machine: machine(), cases: mergeCases(previous.lifted?.cases, cases) };
    }
    if (parts.has('unseen')) {
      const options = { widths: list('BENCH_UNSEEN_WIDTHS', '512,1024'), fullRank: list('BENCH_UNSEEN_FULL', '256'), seeds: list('BENCH_UNSEEN_SEEDS', '11,12,13') };
      result.unseen = { machine: machine(), cases: mergeCases(previous.unseen?.cases, await unseen(pool, options)) };
    }
  } finally {
    await pool.close();
  }
}
const file = writeResult('specialist', result);
console.error(`wrote ${file}`);

writeDocTable();
