// Layer 1 alone on the real recogniser's cached latents (bench/real-model-cache.ts; encode them
// first with `npm run real-model -- --latents-cache DIR`): every test on the same latents, with the
// false cells and their p-values, the reduction and the test choice, and, with --oracle, the same
// direct tests with the true content of every step (one-hot) beside its reduced latents: where a
// false cell goes away once the neighbours' content is known exactly, the latents' neighbours do not
// block the path through the content chain (the state is seen only through the pictures).
//   node --experimental-wasm-relaxed-simd --import tsx --import ./test/node-services.ts bench/real-model-layer1.ts \
//     --layer p2o.AveragePool.1 [--seeds 1,2,3] [--tests auto,rcot,fisherz] [--latents-cache /tmp/fit-cache] [--oracle]
// JSON to stdout, lines to stderr.
import { parseArgs } from 'node:util';
import { cpuUsage } from 'node:process';
import { loadavg } from 'node:os';
import type { Tensor } from '../src/core/tensor.ts';
import { KernelRuntime } from '../src/kernels/runtime.ts';
import { assemble, planLayout } from '../src/structure/input.ts';
import { reduceStates } from '../src/structure/reduce.ts';
import { discoverTaskStructure, type StructureOptions, type StructureResult } from '../src/structure/discover.ts';
import { WorkerPool } from '../src/worker/pool.ts';
import { cachePath, readCache } from './real-model-cache.ts';
import { glyphWorld, structureMetrics } from 'specialist-sdk/lab';

const { values } = parseArgs({
  args: process.argv.slice(2),
  options: { layer: { type: 'string' }, seeds: { type: 'string' }, episodes: { type: 'string' }, holdout: { type: 'string' }, steps: { type: 'string' }, tests: { type: 'string' }, 'latents-cache': { type: 'string' }, oracle: { type: 'boolean' }, reduction: { type: 'string' } },
  strict: true,
});
const layer = values.layer ?? 'p2o.AveragePool.1';
const seeds = (values.seeds ?? '1,2,3').split(',').map(Number);
const episodes = Number(values.episodes ?? 800);
const holdout = Number(values.holdout ?? 100);
const steps = Number(values.steps ?? 8);
const tests = (values.tests ?? 'auto,rcot,fisherz').split(',') as NonNullable<StructureOptions['test']>[];
const dir = values['latents-cache'] ?? '/tmp/fit-cache';
const reduction: StructureOptions['reduction'] = values.reduction === undefined || values.reduction === 'auto' || values.reduction === 'none' ? (values.reduction as 'auto' | 'none' | undefined) : Number(values.reduction);
const log = (line: string) => process.stderr.write(`${line}\n`);

/** The cells decided 1 where the truth has 0, with their raw p-values. */
function falseCells(r: StructureResult, truth: number[][]): string[] {
  return r.relation.flatMap((row, k) => row.flatMap((v, i) => (v === 1 && truth[k][i] === 0 ? [`(segment ${k}, task ${i}) p ${r.directPValues[i][k]?.toExponential(1)}`] : [])));
}

/** The states' reduced components with each step's true content one-hot beside them, [n, T, m + classes]. */
function withContent(reduced: { data: Float32Array; cols: number }, m: number, content: Int32Array, slotSizes: number[], n: number, T: number): Tensor<Float32Array> {
  const classes = slotSizes.reduce((a, b) => a + b, 0);
  const width = m + classes;
  const out = new Float32Array(n * T * width);
  for (let e = 0; e < n; e++) {
    for (let t = 0; t < T; t++) {
      const at = (e * T + t) * width;
      for (let j = 0; j < m; j++) out[at + j] = reduced.data[e * reduced.cols + t * m + j];
      let offset = m;
      slotSizes.forEach((size, p) => {
        out[at + offset + content[(e * T + t) * slotSizes.length + p]] = 1;
        offset += size;
      });
    }
  }
  return { data: out, shape: [n, T, width] };
}

const kernels = await KernelRuntime.create();
const pool = await WorkerPool.create();
const runs: object[] = [];
try {
  for (const seed of seeds) {
    const world = glyphWorld({ episodes: episodes + holdout, steps, seed });
    const [N, M] = world.shapes.relation;
    const L = world.params.segmentLength;
    const dg = world.params.taskDim;
    const truth = Array.from({ length: N }, (_, k) => Array.from(world.truth.relation.subarray(k * M, k * M + M)));
    const file = cachePath(dir, { seed, layer, episodes, holdout, steps });
    const cached = readCache(file);
    if (!cached) throw new Error(`no cached latents at ${file}: run npm run real-model -- --layer ${layer} --seeds ${seed} --latents-cache ${dir} first`);
    const latents = cached.latents;
    const tasks = { data: world.tasks.subarray(0, episodes * M * dg), shape: [episodes, M, dg] };
    log(`seed ${seed}, ${layer} [${latents.shape.join(', ')}], relation ${JSON.stringify(truth)}`);
    const rows: object[] = [];
    const run = async (label: string, states: Tensor, options: StructureOptions) => {
      const load = loadavg()[0];
      const cpu0 = cpuUsage();
      const t0 = performance.now();
      const r = await discoverTaskStructure(states, tasks, options, { pool, kernels });
      const seconds = (performance.now() - t0) / 1000;
      const used = cpuUsage(cpu0);
      const m = structureMetrics(r.relation, truth);
      const row = { label, ran: r.test, mcc: m.mcc, falseCells: falseCells(r, truth), misses: m.falseNegatives, seconds, cpuSeconds: (used.user + used.system) / 1e6, load, reduction: r.reduction?.reason ?? null, choice: r.testChoice?.reason ?? null, directPValues: r.directPValues };
      log(`  ${label} (ran ${r.test}): MCC ${m.mcc.toFixed(3)}, false ${row.falseCells.join('; ') || 'none'}, misses ${m.falseNegatives}, ${seconds.toFixed(1)} s, CPU ${row.cpuSeconds.toFixed(1)} s (load ${load.toFixed(1)})`);
      rows.push(row);
      return r;
    };
    for (const test of tests) await run(String(test), latents, { segmentLength: L, test, seed, ...(reduction !== undefined ? { reduction } : {}) });
    if (values.oracle) {
      // The same reduction as the runs above, then the true content of every step beside it.
      const layout = planLayout(latents, tasks, { segmentLength: L, dropTail: false, minSegments: 1 });
      const reduced = reduceStates(assemble(latents, tasks, layout), layout, reduction ?? 'auto', kernels, seed);
      const m = reduced ? reduced.layout.dim : latents.shape[2];
      const source = reduced ? reduced.data : assemble(latents, tasks, layout);
      const slotSizes = world.params.slots.map((s) => [...s].length);
      const plain = { data: new Float32Array(episodes * steps * m), shape: [episodes, steps, m] };
      for (let e = 0; e < episodes; e++) plain.data.set(source.data.subarray(e * source.cols, e * source.cols + steps * m), e * steps * m);
      const content = withContent(source, m, world.truth.content, slotSizes, episodes, steps);
      for (const test of tests) {
        await run(`${String(test)}, ${m} components as given`, plain, { segmentLength: L, test, seed, reduction: 'none' });
        await run(`${String(test)}, ${m} components + true content`, content, { segmentLength: L, test, seed, reduction: 'none' });
      }
    }
    runs.push({ seed, layer, truth, rows });
  }
} finally {
  await pool.close();
}
console.log(JSON.stringify({ layer, episodes, seeds, runs }, null, 2));
