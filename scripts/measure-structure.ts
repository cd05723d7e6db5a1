// Quick measurement of task-structure discovery on the linear collider world (the paper's sweep):
// accuracy and MCC of every method / rule / correction, and the wall time of one Algorithm 1 run.
// Prints one JSON object. Usage:
// node --import tsx scripts/measure-structure.ts [--seeds 10] [--episodes 10000] [--task-maps per-step|per-task]

import os from 'node:os';
import { KernelRuntime } from '../src/kernels/runtime.ts';
import { discoverTaskStructure, type DirectConditioning, type StructureMethod, type StructureRule } from '../src/structure/discover.ts';
import type { Correction } from '../src/stats/multiple-testing.ts';
import { linearColliderWorld, structureMetrics } from 'specialist-sdk/lab';

function flag(name: string, fallback: number): number {
  const at = process.argv.indexOf(`--${name}`);
  return at >= 0 ? Number(process.argv[at + 1]) : fallback;
}

const seeds = flag('seeds', 10);
const taskMapsAt = process.argv.indexOf('--task-maps');
const taskMaps = (taskMapsAt >= 0 ? process.argv[taskMapsAt + 1] : 'per-step') as 'per-task' | 'per-step';
const episodes = flag('episodes', 10000);
const L = 2;
const alpha = 0.05;

interface Config {
  method: StructureMethod;
  rule: StructureRule;
  correction: Correction;
  conditioning?: DirectConditioning;
}
const configs: Config[] = [];
for (const correction of ['none', 'bh', 'bonferroni'] as const) {
  for (const rule of ['union', 'clique'] as const) configs.push({ method: 'pairwise', rule, correction });
  for (const conditioning of ['neighbours', 'all-states'] as const) configs.push({ method: 'direct', rule: 'union', correction, conditioning });
}
const label = (c: Config) => (c.method === 'direct' ? `direct/${c.conditioning}/${c.correction}` : `pairwise/${c.rule}/${c.correction}`);

const settings: [number, number][] = [
  ...[8, 12, 16, 20].map((T) => [T, Math.round(T / 5)] as [number, number]),
  ...[2, 6, 8, 10].map((M) => [20, M] as [number, number]), // T = 20, M = 4 is already in the first sweep: 8 settings
];

const stats = (xs: number[]) => {
  const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
  const sd = Math.sqrt(xs.reduce((a, b) => a + (b - mean) ** 2, 0) / Math.max(1, xs.length - 1));
  return { mean: +mean.toFixed(4), sd: +sd.toFixed(4), min: +Math.min(...xs).toFixed(4) };
};

const runtime = await KernelRuntime.create();
const perSetting: Record<string, unknown>[] = [];
const overall = new Map<string, { acc: number[]; mcc: number[] }>(configs.map((c) => [label(c), { acc: [], mcc: [] }]));
const generationMs: number[] = [];
for (const [T, M] of settings) {
  const bySetting = new Map<string, { acc: number[]; mcc: number[] }>(configs.map((c) => [label(c), { acc: [], mcc: [] }]));
  for (let seed = 1; seed <= seeds; seed++) {
    const g0 = performance.now();
    const world = linearColliderWorld({ episodes, steps: T, tasks: M, segmentLength: L, taskMaps, seed: 1000 * T + 10 * M + seed });
    generationMs.push(performance.now() - g0);
    const states = { data: world.states, shape: world.shapes.states };
    const tasks = { data: world.tasks, shape: world.shapes.tasks };
    const truth = { data: world.relation, shape: world.shapes.relation };
    for (const c of configs) {
      const result = await discoverTaskStructure(states, tasks, { segmentLength: L, alpha, ...c, diagnostic: false }, { kernels: runtime });
      const m = structureMetrics(result.relation, truth);
      for (const bucket of [bySetting.get(label(c))!, overall.get(label(c))!]) {
        bucket.acc.push(m.accuracy);
        bucket.mcc.push(m.mcc);
      }
    }
  }
  perSetting.push({
    T,
    M,
    results: Object.fromEntries([...bySetting].map(([k, v]) => [k, { accuracy: stats(v.acc), mcc: stats(v.mcc) }])),
  });
}

// Wall time of one run at n = 10,000, T = 20, M = 4 (data generation excluded; covariance build included).
const world = linearColliderWorld({ episodes: 10000, steps: 20, tasks: 4, seed: 7 });
const states = { data: world.states, shape: world.shapes.states };
const tasks = { data: world.tasks, shape: world.shapes.tasks };
async function time(options: Parameters<typeof discoverTaskStructure>[2], call: Parameters<typeof discoverTaskStructure>[3] = {}, reps = 30) {
  for (let i = 0; i < 5; i++) await discoverTaskStructure(states, tasks, options, call);
  const ms: number[] = [];
  const phases: Record<string, number[]> = {};
  for (let i = 0; i < reps; i++) {
    const t0 = performance.now();
    const r = await discoverTaskStructure(states, tasks, options, call);
    ms.push(performance.now() - t0);
    for (const [k, v] of Object.entries(r.timings)) (phases[k] ??= []).push(v);
  }
  const median = (xs: number[]) => +[...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)].toFixed(2);
  return { medianMs: median(ms), minMs: +Math.min(...ms).toFixed(2), phasesMedianMs: Object.fromEntries(Object.entries(phases).map(([k, v]) => [k, median(v)])) };
}
const timing = {
  'pairwise (Algorithm 1), union, none, no diagnostic': await time({ segmentLength: 2, method: 'pairwise', rule: 'union', correction: 'none', diagnostic: false }, { kernels: runtime }),
  'pairwise, clique, bh, with diagnostic': await time({ segmentLength: 2, method: 'pairwise', rule: 'clique', correction: 'bh' }, { kernels: runtime }),
  'direct, neighbours, bh, with diagnostic': await time({ segmentLength: 2, method: 'direct', conditioning: 'neighbours', correction: 'bh' }, { kernels: runtime }),
  'defaults (a new runtime per call), with diagnostic': await time({ segmentLength: 2 }),
};

console.log(
  JSON.stringify(
    {
      machine: { cpu: os.cpus()[0]?.model, cores: os.cpus().length, node: process.version, kernelBuild: runtime.build },
      world: `linearColliderWorld (d = 1, dg = 1, taskMaps ${taskMaps}, segmentsPerTask default [2, ceil(N/2)], no broken chains)`,
      episodes,
      seeds,
      segmentLength: L,
      alpha,
      overall: Object.fromEntries([...overall].map(([k, v]) => [k, { accuracy: stats(v.acc), mcc: stats(v.mcc) }])),
      perSetting,
      timing,
      generationMsMedian: +[...generationMs].sort((a, b) => a - b)[Math.floor(generationMs.length / 2)].toFixed(1),
    },
    null,
    1,
  ),
);
