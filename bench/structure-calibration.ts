// Parts of `npm run bench:structure` on the level of the tests (issues 11 and 12):
//  (g) false-positive rates at 0.05 on null worlds, every test: (1) structure worlds whose null
//      cells sit next to serving segments (T = 6; task 0 serves segment 1, task 1 segments 0 and
//      2), d = 1..4 so that the direct test's Z has 2-8 columns and the pairwise test's up to 9,
//      both methods; nonlinear worlds for rcot, kNN-CMI and auto, the linear world for Fisher z;
//      (2) single tests on ciWorld (x and y depend on z with R^2 0.5 or 0.7), z of 1, 2, 4, 8 columns;
//  (w) wide states: x of d = 64, 128, 256 columns, y of 1, z of 2d (the direct test on encoder
//      latents), n a multiple of the 3d + 1 columns; the rejection rate of Fisher z (Gaussian and
//      Laplace noise) and RCoT (Laplace noise) on linear null data.
// Environment: BENCH_CAL_WORLDS (40), BENCH_CAL_N (1000), BENCH_CAL_REPS (200), BENCH_WIDE_REPS (60),
// BENCH_CAL_TESTS (all: fisherz,rcot,auto,cmiknn; a comma-separated subset of the (g) rows).
import { nullPValues } from '../src/metrics/structure.ts';
import type { KernelRuntime } from '../src/kernels/runtime.ts';
import { logGamma } from '../src/stats/distributions.ts';
import { ciTestFromSpec, type CiTestSpec } from '../src/structure/ci/builtins.ts';
import { discoverTaskStructure } from '../src/structure/discover.ts';
import type { WorkerPool } from '../src/worker/pool.ts';
import { log, round } from './structure-util.ts';
import { ciWorld, type CiWorldOptions, linearColliderWorld, type Matrix, nonlinearWorld } from 'specialist-sdk/lab';

/** Two-sided 99% binomial band of the count of rejections at 0.05 among `trials`. */
function band(trials: number): [number, number] {
  const pmf = Array.from({ length: trials + 1 }, (_, k) => Math.exp(logGamma(trials + 1) - logGamma(k + 1) - logGamma(trials - k + 1) + k * Math.log(0.05) + (trials - k) * Math.log(0.95)));
  let lo = 0;
  for (let acc = pmf[0]; acc < 0.005; acc += pmf[++lo]);
  let hi = trials;
  for (let acc = pmf[trials]; acc < 0.005; acc += pmf[--hi]);
  return [lo, hi];
}

interface Rate {
  setting: string;
  test: string;
  rejected: number;
  trials: number;
  rate: number;
  band: [number, number];
  inside: boolean;
}

function rate(setting: string, test: string, rejected: number, trials: number): Rate {
  const b = band(trials);
  return { setting, test, rejected, trials, rate: round(rejected / trials), band: b, inside: rejected >= b[0] && rejected <= b[1] };
}

function printRates(title: string, rates: Rate[]): void {
  log(`\n${title}`);
  log('| setting | test | rejected at 0.05 | rate | 99% band | inside |');
  log('| --- | --- | --- | --- | --- | --- |');
  for (const r of rates) log(`| ${r.setting} | ${r.test} | ${r.rejected} / ${r.trials} | ${r.rate.toFixed(3)} | [${r.band[0]}, ${r.band[1]}] | ${r.inside ? 'yes' : '**no**'} |`);
}

/** The structure null worlds: T = 6, L = 2; task 0 on segment 1, task 1 on segments 0 and 2. */
export const NULL_RELATION = [0, 1, 1, 0, 0, 1];

/** (g) False-positive rates of every test and method on null worlds. */
export async function calibration(pool: WorkerPool, kernels: KernelRuntime): Promise<object> {
  const worlds = Number(process.env.BENCH_CAL_WORLDS ?? 40);
  const n = Number(process.env.BENCH_CAL_N ?? 1000);
  const reps = Number(process.env.BENCH_CAL_REPS ?? 200);
  const only = new Set((process.env.BENCH_CAL_TESTS ?? 'fisherz,rcot,auto,cmiknn').split(',').map((t) => t.trim()));
  const structure: Rate[] = [];
  const allTests: [string, 'linear' | 'nonlinear', string | CiTestSpec][] = [
    ['fisherz', 'linear', 'fisherz'],
    ['rcot', 'nonlinear', 'rcot'],
    ['auto', 'nonlinear', 'auto'],
    ['cmiknn', 'nonlinear', { name: 'cmiknn', options: { permutations: 199, maxPermutations: 199 } }],
  ];
  const tests = allTests.filter(([label]) => only.has(label));
  for (const method of ['direct', 'pairwise'] as const) {
    for (const d of method === 'direct' ? [1, 2, 3, 4] : [1, 2]) {
      for (const [label, kind, test] of tests) {
        let rejected = 0;
        let trials = 0;
        for (let s = 0; s < worlds; s++) {
          const make = kind === 'linear' ? linearColliderWorld : nonlinearWorld;
          const w = make({ episodes: n, steps: 6, tasks: 2, dim: d, relation: NULL_RELATION, seed: 7000 + 100 * d + s });
          const r = await discoverTaskStructure({ data: w.states, shape: w.shapes.states }, { data: w.tasks, shape: w.shapes.tasks }, { segmentLength: 2, method, test: test as never, correction: 'none', diagnostic: false, seed: s }, { pool });
          for (const p of nullPValues(r, NULL_RELATION, 2)) (trials++, p <= 0.05 && rejected++);
        }
        const zMax = method === 'direct' ? 2 * d : 4 * d + 1;
        structure.push(rate(`${method}, d = ${d} (Z of up to ${zMax}), ${kind} world`, label, rejected, trials));
        log(`  (g) ${structure.at(-1)!.setting}, ${label}: ${rejected} / ${trials}`);
      }
    }
  }
  printRates(`(g1) null cells of structure worlds, n = ${n}, ${worlds} worlds per row, raw p-values at 0.05`, structure);

  const single: Rate[] = [];
  const allSingle: [string, CiTestSpec, CiWorldOptions['kind'], number[]][] = [
    ['fisherz', { name: 'fisherz' }, 'linear', [500, 2000]],
    ['rcot', { name: 'rcot' }, 'nonlinear', [500, 2000]],
    ['cmiknn', { name: 'cmiknn', options: { permutations: 199 } }, 'nonlinear', [500]],
  ];
  const singleTests = allSingle.filter(([label]) => only.has(label));
  for (const explained of [0.5, 0.7]) {
    for (const [label, spec, kind, sizes] of singleTests) {
      for (const rows of sizes) {
        for (const dz of [1, 2, 4, 8]) {
          let rejected = 0;
          for (let s = 0; s < reps; s++) {
            const w = ciWorld({ rows, dz, kind, explained, seed: 1000 * dz + s });
            if (ciTestFromSpec(spec).prepare(w.data, { kernels, seed: s }).test(w.query).pValue <= 0.05) rejected++;
          }
          single.push(rate(`${kind}, R^2 ${explained}, n = ${rows}, z of ${dz}`, label, rejected, reps));
          log(`  (g) ${single.at(-1)!.setting}, ${label}: ${rejected} / ${reps}`);
        }
      }
    }
  }
  printRates(`(g2) single tests on ciWorld, x and y of one column, ${reps} data sets per row`, single);
  return { structure: { n, worlds, relation: NULL_RELATION, rates: structure }, single: { reps, rates: single } };
}

/** (w) Fisher z and RCoT with wide states: rejection rate on linear null data against n. */
export async function wideWidths(kernels: KernelRuntime): Promise<object> {
  const reps = Number(process.env.BENCH_WIDE_REPS ?? 60);
  const rates: (Rate & { d: number; n: number; multiple: number })[] = [];
  const cases: [string, CiTestSpec, 'gaussian' | 'laplace'][] = [
    ['fisherz', { name: 'fisherz' }, 'gaussian'],
    ['fisherz', { name: 'fisherz' }, 'laplace'],
    ['rcot', { name: 'rcot' }, 'laplace'],
  ];
  for (const d of [64, 128, 256]) {
    const columns = 3 * d + 1;
    for (const multiple of [1.5, 2, 4, 10]) {
      const n = Math.round(multiple * columns);
      for (const [label, spec, noise] of cases) {
        const test = ciTestFromSpec(spec);
        const needed = test.minimumRows?.({ x: d, y: 1, z: 2 * d }) ?? 0;
        if (n < needed) continue;
        const count = d === 256 ? Math.max(10, Math.round(reps / 3)) : reps;
        let rejected = 0;
        for (let s = 0; s < count; s++) {
          const w = ciWorld({ rows: n, dz: 2 * d, dx: d, dy: 1, kind: 'linear', noise, seed: 50_000 + 1000 * d + s });
          if (test.prepare(w.data as Matrix, { kernels, seed: s }).test(w.query).pValue <= 0.05) rejected++;
        }
        rates.push({ ...rate(`d = ${d}, n = ${n} (${multiple} x ${columns} columns), ${noise} noise`, label, rejected, count), d, n, multiple });
        log(`  (w) ${rates.at(-1)!.setting}, ${label}: ${rejected} / ${count}`);
      }
    }
  }
  printRates('(w) wide states: x of d columns, y of 1, z of 2d, linear null data, rejection rate at 0.05', rates);
  return { reps, rates };
}
