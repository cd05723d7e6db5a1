// npm run bench:kernels: the max-norm pairwise distance kernel (n = 2000, d = 64) and the matrix
// multiply (512 x 512 x 512), each wasm build against the plain TypeScript reference of the kernel
// registry, in the same run. Medians of several runs; ratios are what to read (shared machines).
import type { KernelBuild } from '../src/kernels/builds.ts';
import { KernelRuntime } from '../src/kernels/runtime.ts';
import { getKernel } from '../src/kernels/registry.ts';
import { machine, time, writeResult, type Timing } from './util.ts';
import { createRng, KERNEL_BUILDS, runKernel, supportedBuilds } from 'specialist-sdk/lab';

const runs = Number(process.env.BENCH_RUNS ?? 7);
const rng = createRng(2026);
const mat = (rows: number, cols: number) => ({ data: Float32Array.from({ length: rows * cols }, () => rng.normal()), rows, cols });

interface Row {
  implementation: KernelBuild | 'typescript-reference';
  timing: Timing;
  rate: number;
  speedupOverReference: number;
}

async function compare(label: string, unit: string, work: number, referenceFn: () => unknown, wasmFn: (rt: KernelRuntime) => unknown): Promise<{ name: string; unit: string; rows: Row[] }> {
  const reference = await time(referenceFn, Math.max(3, Math.ceil(runs / 2)));
  const rows: Row[] = [{ implementation: 'typescript-reference', timing: reference, rate: work / (reference.medianMs / 1000), speedupOverReference: 1 }];
  for (const build of supportedBuilds()) {
    const rt = await KernelRuntime.create({ build });
    const timing = await time(() => wasmFn(rt), runs, 2);
    rows.push({ implementation: build, timing, rate: work / (timing.medianMs / 1000), speedupOverReference: reference.medianMs / timing.medianMs });
  }
  console.error(`\n${label} (${unit})`);
  for (const r of rows) {
    console.error(`  ${r.implementation.padEnd(22)} ${r.timing.medianMs.toFixed(2).padStart(9)} ms  ${r.rate.toExponential(3).padStart(10)} ${unit}  x${r.speedupOverReference.toFixed(1)}`);
  }
  return { name: label, unit, rows };
}

const points = mat(2000, 64);
const distance = await compare(
  'pairwiseDistances max norm, n = 2000, d = 64',
  'pair-dims/s',
  2000 * 2000 * 64,
  () => getKernel('pairwiseDistances').reference({ a: points, metric: 'max' }),
  (rt) => runKernel('pairwiseDistances', { a: points, metric: 'max' }, { kernels: rt }),
);

const a = mat(512, 512);
const b = mat(512, 512);
const gemm = await compare(
  'gemm 512 x 512 x 512',
  'FLOP/s',
  2 * 512 ** 3,
  () => getKernel('gemm').reference({ a, b }),
  (rt) => runKernel('gemm', { a, b }, { kernels: rt }),
);
for (const row of gemm.rows) (row as Row & { gflops: number }).gflops = row.rate / 1e9;

const supported = supportedBuilds();
const result = {
  benchmark: 'kernels',
  date: new Date().toISOString(),
  machine: machine(),
  runs,
  builds: Object.fromEntries(KERNEL_BUILDS.map((b) => [b, supported.includes(b) ? 'measured' : 'not validated by this host (Node 20 needs --experimental-wasm-relaxed-simd)'])),
  results: [distance, gemm],
};
console.log(JSON.stringify(result, null, 2));
console.error(`\nwritten to ${writeResult('kernels', result)}`);
