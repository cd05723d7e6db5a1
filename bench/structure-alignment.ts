// The alignment check's rates (docs/structure.md, "Segments that do not line up"): how often it
// warns on aligned data (the SDK's worlds and a user's own toy data, default settings) and on
// misaligned data (tasks that change every 3 steps read at segmentLength 2; segments of 2 offset
// by one step), over seeds; and what the check costs against the run.
//   node --import tsx bench/structure-alignment.ts [seeds] [episodes]
import { discoverTaskStructure } from '../src/structure/discover.ts';
import { linearColliderWorld, nonlinearWorld, type StructureWorld } from '../src/synthetic/structure-worlds.ts';
// @ts-expect-error: the consumer test's plain .mjs generator of a user's own toy data
import { toyData } from '../test/consumers/own-data/toy-data.mjs';

type Data = { states: { data: Float32Array; shape: number[] }; tasks: { data: Float32Array; shape: number[] } };
const seeds = Number(process.argv[2] ?? 10);
const n = Number(process.argv[3] ?? 1000);

const fromWorld = (w: StructureWorld): Data => ({ states: { data: w.states, shape: w.shapes.states }, tasks: { data: w.tasks, shape: w.shapes.tasks } });

/** Steps [from, from + count) of every episode. */
function window(d: Data, from: number, count: number): Data {
  const [rows, T, dim] = d.states.shape;
  const out = new Float32Array(rows * count * dim);
  for (let e = 0; e < rows; e++) out.set(d.states.data.subarray((e * T + from) * dim, (e * T + from + count) * dim), e * count * dim);
  return { states: { data: out, shape: [rows, count, dim] }, tasks: d.tasks };
}

const cases: { name: string; aligned: boolean; test?: 'auto' | 'fisherz'; make: (seed: number) => Data }[] = [
  { name: 'linear world, d 1, T 8, L 2', aligned: true, make: (seed) => fromWorld(linearColliderWorld({ episodes: n, steps: 8, tasks: 3, seed })) },
  { name: 'linear world, d 2, T 12, L 2', aligned: true, make: (seed) => fromWorld(linearColliderWorld({ episodes: n, steps: 12, tasks: 3, dim: 2, seed })) },
  { name: 'linear world, d 1, T 12, L 3', aligned: true, make: (seed) => fromWorld(linearColliderWorld({ episodes: n, steps: 12, tasks: 3, segmentLength: 3, seed })) },
  { name: 'nonlinear world, d 1, T 8, L 2', aligned: true, make: (seed) => fromWorld(nonlinearWorld({ episodes: n, steps: 8, tasks: 3, seed })) },
  { name: 'own toy data (16-dim obs), T 6, L 2', aligned: true, make: (seed) => { const t = toyData(n, seed); return { states: t.observations, tasks: t.tasks }; } },
  { name: 'length 3 read at 2, d 1, T 12', aligned: false, make: (seed) => fromWorld(linearColliderWorld({ episodes: n, steps: 12, tasks: 3, segmentLength: 3, seed })) },
  { name: 'length 3 read at 2, d 1, T 6', aligned: false, make: (seed) => fromWorld(linearColliderWorld({ episodes: n, steps: 6, tasks: 2, segmentLength: 3, relation: [1, 0, 0, 1], seed })) },
  { name: 'L 2 offset by one, d 1, T 8', aligned: false, make: (seed) => window(fromWorld(linearColliderWorld({ episodes: n, steps: 10, tasks: 3, seed })), 1, 8) },
  { name: 'length 3 read at 2, nonlinear, T 12', aligned: false, make: (seed) => fromWorld(nonlinearWorld({ episodes: n, steps: 12, tasks: 3, segmentLength: 3, seed })) },
];

const only = process.env.CASES ? new RegExp(process.env.CASES) : null;
const report: unknown[] = [];
for (const c of cases) {
  if (only && !only.test(c.name)) continue;
  let fired = 0;
  let runMs = 0;
  let checkMs = 0;
  const suggestions: string[] = [];
  for (let seed = 0; seed < seeds; seed++) {
    const d = c.make(seed + 1);
    const r = await discoverTaskStructure(d.states, d.tasks, { segmentLength: 2 * (c.name.includes('L 3') ? 1.5 : 1), test: c.test ?? 'auto', seed });
    const a = r.alignment!;
    if (a.misaligned.length > 0) {
      fired++;
      suggestions.push(a.suggestion ? `${a.suggestion.segmentLength}+${a.suggestion.offset}` : 'none');
    }
    runMs += r.elapsedMs - r.timings.alignmentMs;
    checkMs += r.timings.alignmentMs;
    if (process.env.VERBOSE && a.misaligned.length > 0) console.log(seed + 1, r.test, JSON.stringify(a.misaligned));
  }
  const row = { case: c.name, aligned: c.aligned, n, seeds, fired, rate: fired / seeds, suggestions, runMsMean: runMs / seeds, checkMsMean: checkMs / seeds };
  report.push(row);
  console.log(JSON.stringify(row));
}
