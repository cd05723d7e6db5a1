// Lifted worlds at n = 800, where the reduction's cap (one component per 30 episodes: 26) binds
// below the 33 components the spectrum supports: 'auto' with each reduction of KS (docs/real-model.md,
// "The wide layers").
//   KS=auto,33 SEEDS=9960,9961,9962 node --experimental-wasm-relaxed-simd --import tsx \
//     --import ./test/node-services.ts bench/structure-lifted-reduction.ts
import { cpuUsage } from 'node:process';
import { loadavg } from 'node:os';
import { discoverTaskStructure } from '../src/structure/discover.ts';
import { WorkerPool } from '../src/worker/pool.ts';
import { runStages } from '../src/onnx/export-network.ts';
import { generalistWorld, structureMetrics } from 'specialist-sdk/lab';
const pool = await WorkerPool.create();
const ks = (process.env.KS ?? 'auto,33').split(',');
for (const seed of (process.env.SEEDS ?? '9960,9961,9962').split(',').map(Number)) {
  const w = generalistWorld({ episodes: 800, steps: 12, blockSizes: [4, 4, 4, 4], irrelevantDims: 16, latentWidth: 512, seed });
  const [n, T] = w.shapes.observations;
  const states = { data: runStages(w.states, n * T, w.truth.phi).data, shape: [n, T, 512] };
  for (const k of ks) {
    const c0 = cpuUsage(); const t0 = performance.now(); const load = loadavg()[0];
    const r = await discoverTaskStructure(states, { data: w.tasks, shape: w.shapes.tasks }, { segmentLength: 2, seed, reduction: k === 'auto' ? 'auto' : Number(k) }, { pool });
    const m = structureMetrics(r.relation, { data: w.truth.relation, shape: w.shapes.relation });
    const c = cpuUsage(c0);
    console.log(`seed ${seed} reduction ${k} (${r.reduction?.components} comps, ran ${r.test}): MCC ${m.mcc.toFixed(3)}, FP ${m.falsePositives}, FN ${m.falseNegatives}, dependent pairs ${r.diagnostic?.dependentPairs.length}, ${((performance.now() - t0) / 1000).toFixed(1)} s, CPU ${((c.user + c.system) / 1e6).toFixed(1)} s (load ${load.toFixed(1)})`);
  }
}
await pool.close();
