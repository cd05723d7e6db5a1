// Shared by the benchmarks: machine facts, medians of repeated runs, JSON results in bench/results/.
// Benchmarks import src/ directly; their npm scripts preload test/node-services.ts, which gives them
// Node's services (worker threads, files, onnxruntime-node) as the package's Node entries do.
import { cpus, totalmem, platform, arch, loadavg } from 'node:os';
import { mkdirSync, writeFileSync } from 'node:fs';

export function machine() {
  return {
    cpu: cpus()[0]?.model ?? 'unknown',
    cores: cpus().length,
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    platform: `${platform()}-${arch()}`,
    node: process.version,
    execArgv: process.execArgv,
    loadAverage1m: loadavg()[0],
  };
}

export interface Timing {
  medianMs: number;
  minMs: number;
  runs: number;
  samplesMs: number[];
}

/** Median wall time of `runs` calls after `warmup` untimed ones. */
export async function time(fn: () => unknown, runs = 5, warmup = 1): Promise<Timing> {
  for (let i = 0; i < warmup; i++) await fn();
  const samples: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    await fn();
    samples.push(performance.now() - t0);
  }
  const sorted = [...samples].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  const medianMs = sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
  return { medianMs, minMs: sorted[0], runs, samplesMs: samples.map((s) => Math.round(s * 100) / 100) };
}

export function writeResult(name: string, result: object): string {
  mkdirSync('bench/results', { recursive: true });
  const file = `bench/results/${name}-${new Date().toISOString().replace(/[:.]/g, '-')}.json`;
  writeFileSync(file, JSON.stringify(result, null, 2) + '\n');
  writeFileSync(`bench/results/${name}-latest.json`, JSON.stringify(result, null, 2) + '\n');
  return file;
}
