// Where the intersection's time goes on one lifted world (docs/structure.md, (x), "Cost"): Layer 1
// in one thread with the GCM alone, the intersection with the GCM first and with RCoT first (its
// default), each member's calls and time, and the run's timings. The tests are given as `ciTest`,
// so 'auto''s choice does not run.
//   W=512 SEED=9800 LABELS=gcm,intersection,rcot-first node --experimental-wasm-relaxed-simd --import tsx \
//     --import ./test/node-services.ts bench/structure-intersection-cost.ts
import { cpuUsage } from 'node:process';
import { KernelRuntime } from '../src/kernels/runtime.ts';
import { discoverTaskStructure } from '../src/structure/discover.ts';
import { gcm } from '../src/structure/ci/gcm/index.ts';
import { rcot } from '../src/structure/ci/rcot/index.ts';
import { intersection } from '../src/structure/ci/intersection.ts';
import type { CiTest, CiQuery } from '../src/structure/ci-test.ts';
import { runStages } from '../src/onnx/export-network.ts';
import { generalistWorld } from 'specialist-sdk/lab';

const W = Number(process.env.W ?? 512);
const seed = Number(process.env.SEED ?? 9800);
const w = generalistWorld({ episodes: 2000, steps: 12, blockSizes: [4, 4, 4, 4], irrelevantDims: 16, latentWidth: W, seed });
const [n, T] = w.shapes.observations;
const states = { data: runStages(w.states, n * T, w.truth.phi).data, shape: [n, T, W] };
const tasks = { data: w.tasks, shape: w.shapes.tasks };
const kernels = await KernelRuntime.create();
const timed = (inner: CiTest, tally: { calls: number; ms: number; zs: number[] }): CiTest => ({
  name: inner.name, minimumRows: inner.minimumRows,
  prepare: (d, c) => { const p = inner.prepare(d, c); return { test: (q: CiQuery, o) => { const t0 = performance.now(); const r = p.test(q, o); tally.calls++; tally.ms += performance.now() - t0; tally.zs.push(q.z.length); return r; } }; },
});
for (const label of (process.env.LABELS ?? 'gcm,intersection,rcot-first').split(',')) {
  const g = { calls: 0, ms: 0, zs: [] as number[] };
  const r2 = { calls: 0, ms: 0, zs: [] as number[] };
  const test = label === 'gcm' ? timed(gcm(), g) : label === 'rcot-first' ? intersection([timed(rcot(), r2), timed(gcm(), g)], { alpha: 0.05 }) : intersection([timed(gcm(), g), timed(rcot(), r2)], { alpha: 0.05 });
  const c0 = cpuUsage(); const t0 = performance.now();
  const r = await discoverTaskStructure(states, tasks, { segmentLength: 2, seed }, { kernels, ciTest: test });
  const c = cpuUsage(c0);
  console.log(label === 'intersection' ? 'intersection, GCM first' : label === 'rcot-first' ? 'intersection, RCoT first' : label, 'wall', ((performance.now() - t0) / 1000).toFixed(1), 'cpu', ((c.user + c.system) / 1e6).toFixed(1), 'gcm calls', g.calls, (g.ms / 1000).toFixed(1), 's; rcot calls', r2.calls, (r2.ms / 1000).toFixed(1), 's; rcot z', JSON.stringify(r2.zs), 'timings', JSON.stringify(Object.fromEntries(Object.entries(r.timings).map(([k, v]) => [k, Math.round(v)]))), 'alignment tests', r.alignment?.tests);
}
