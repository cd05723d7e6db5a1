// One kNN-CMI query on the wasm kernels: the observed statistic, then permutation rounds with the
// deterministic early stop, all in kernel memory released when the query returns or throws.
import { callBack, forEachRowChunk, type CallOptions } from '../../../core/call-options.ts';
import { SpecialistError, throwIfAborted } from '../../../core/errors.ts';
import { createRng } from '../../../core/random.ts';
import { cmiCountsScratchBytes } from '../../../kernels/cmi.ts';
import type { KernelMemory } from '../../../kernels/memory.ts';
import { scoped, type KernelExports, type KernelRuntime } from '../../../kernels/runtime.ts';
import { digamma } from '../../../stats/digamma.ts';
import type { CiQuery, CiResult } from '../../ci-test.ts';
import { invalid, minimumRows, permutationBudget, querySeed, ROUND_FIRST, ROUND_MAX, type Resolved } from './options.ts';
import { Draws, drawLocal, shuffleRange } from './permutations.ts';
import { checkQuery, type PreparedData } from './prepare.ts';
import { exceedanceSlack, rejectionSettled } from './tail.ts';

/** The statistic of version p from the kernel's counts [versions, 3, n]. */
function statistic(counts: Int32Array, p: number, n: number, k: number, psi: Float64Array): number {
  const base = p * 3 * n;
  let sum = 0;
  for (let i = 0; i < n; i++) sum += psi[counts[base + i] + 1] + psi[counts[base + n + i] + 1] - psi[counts[base + 2 * n + i] + 1];
  return digamma(k) - sum / n;
}

export type TestOptions = CallOptions & { family?: number };

/** Runs one query on the kernels; every allocation is released when it returns or throws. */
export function runQuery(kernels: KernelRuntime, prepared: PreparedData, options: Resolved, seed: number, query: CiQuery, call: TestOptions = {}): CiResult {
  const blocks = checkQuery(query, prepared);
  const needed = minimumRows(options, { x: blocks.x.length, y: blocks.y.length, z: blocks.z.length });
  if (prepared.n < needed) {
    throw new SpecialistError('INVALID_ARGUMENT', `cmiknn on ${blocks.x.length} + ${blocks.y.length} columns given ${blocks.z.length} needs at least ${needed} rows, got ${prepared.n}`, {
      argument: 'data',
      reason: 'too-few-rows',
      rows: prepared.n,
      needed,
    });
  }
  const family = call.family ?? 1;
  if (!(Number.isInteger(family) && family >= 1)) throw invalid('family', `family must be an integer >= 1, got ${family}`, family);
  const { n, k, columns, psi } = prepared;
  const hasZ = blocks.z.length > 0;
  const s = Math.min(options.shuffleNeighbors, n);
  const budget = permutationBudget(options, family);
  const rng = createRng(querySeed(seed, query));
  const chunk = { signal: call.signal };
  throwIfAborted(call.signal);
  // The two dense [n, n] blocks dominate; say so in terms of n rather than as a bare allocation failure.
  const matrices = (hasZ ? 2 : 1) * n * n * 4;
  if (kernels.memory.bytesInUse + matrices > kernels.memory.maximumBytes) {
    throw new SpecialistError(
      'OUT_OF_MEMORY',
      `cmiknn at n = ${n} needs ${Math.ceil(matrices / 2 ** 20)} MiB of kernel memory for its n x n distance blocks, ` +
        `beyond the maximum of ${Math.floor(kernels.memory.maximumBytes / 2 ** 20)} MiB. Raise memory.maximumBytes (up to 4 GiB) or subsample.`,
      { rows: n, needed: matrices, maximum: kernels.memory.maximumBytes },
    );
  }

  return scoped(kernels, (kx: KernelExports, mem: KernelMemory) => {
    const dx = blocks.x.length;
    const other = [...blocks.y, ...blocks.z];
    const data = mem.alloc(other.length * n * 4);
    const yCols = mem.alloc(blocks.y.length * 4);
    const zCols = mem.alloc(Math.max(1, blocks.z.length) * 4);
    const dz = hasZ ? mem.alloc(n * n * 4) : 0;
    const dyz = mem.alloc(n * n * 4);
    const neighbours = hasZ ? mem.alloc(n * s * 4) : 0;
    const vals = mem.alloc(s * 4);
    const maxVersions = ROUND_MAX + 1;
    const xs = mem.alloc(maxVersions * dx * n * 4);
    const guess = mem.alloc(n * 4);
    const scratch = mem.alloc(cmiCountsScratchBytes(n));
    const eps = mem.alloc(maxVersions * n * 4);
    const counts = mem.alloc(maxVersions * 3 * n * 4);

    // Stage y then z (column-major) and build the fixed blocks: D_z, then D_yz = max(D_y, D_z).
    other.forEach((c, q) => mem.f32(data + q * n * 4, n).set(columns[c]));
    mem.i32(yCols, blocks.y.length).set(blocks.y.map((_, q) => q));
    mem.i32(zCols, blocks.z.length).set(blocks.z.map((_, q) => blocks.y.length + q));
    if (hasZ) forEachRowChunk(n, n * blocks.z.length, chunk, (i0, i1) => kx.blockDistances(data, n, zCols, blocks.z.length, 0, dz, i0, i1));
    forEachRowChunk(n, n * (blocks.y.length + 1), chunk, (i0, i1) => kx.blockDistances(data, n, yCols, blocks.y.length, dz, dyz, i0, i1));
    let nb = new Int32Array(0);
    if (hasZ) {
      forEachRowChunk(n, n, chunk, (i0, i1) => kx.nearestIndices(dz, n, s, i0, i1, vals, neighbours));
      nb = mem.i32(neighbours, n * s).slice();
    }

    const xCols = blocks.x.map((c) => columns[c]);
    const perm = new Int32Array(n);
    const order = new Int32Array(n);
    const used = new Uint8Array(n);
    const draws = new Draws(rng);
    const writeX = (version: number, permuted: boolean) => {
      const target = mem.f32(xs + version * dx * n * 4, dx * n);
      xCols.forEach((col, c) => {
        if (!permuted) target.set(col, c * n);
        else for (let i = 0; i < n; i++) target[c * n + i] = col[perm[i]];
      });
    };

    let observed = NaN;
    const nulls = new Float64Array(budget);
    // At most one more exceedance: the full budget's p-value is then at most twice the reported 1 / (budget + 1).
    const slack = Math.min(1, exceedanceSlack(options.alpha, family, budget));
    let drawn = 0;
    let exceed = 0;
    let round = options.adaptive ? ROUND_FIRST : ROUND_MAX;
    while (drawn < budget) {
      const first = drawn === 0;
      const size = Math.min(round, budget - drawn);
      const versions = size + (first ? 1 : 0);
      if (first) writeX(0, false);
      for (let v = first ? 1 : 0; v < versions; v++) {
        if (hasZ) drawLocal(draws, n, nb, s, perm, order, used);
        else shuffleRange(draws, perm);
        writeX(v, true);
      }
      forEachRowChunk(n, versions * n * (dx + 4), chunk, (i0, i1) =>
        kx.cmiCounts(xs, dx, n, versions, dyz, dz, k, first ? 0 : guess, i0, i1, scratch, eps, counts),
      );
      const countView = mem.i32(counts, versions * 3 * n);
      for (let v = 0; v < versions; v++) {
        const value = statistic(countView, v, n, k, psi);
        if (first && v === 0) observed = value;
        else {
          nulls[drawn + v - (first ? 1 : 0)] = value;
          if (value >= observed) exceed++;
        }
      }
      // The last version's k-th distances are the next round's guesses.
      mem.f32(guess, n).set(mem.f32(eps + (versions - 1) * n * 4, n));
      drawn += size;
      callBack('onProgress', call.onProgress, { done: drawn, total: budget });
      throwIfAborted(call.signal);
      if (options.adaptive && (1 + exceed > options.alpha * (1 + budget) || exceed >= options.exceedances)) break;
      // The rest of the budget would (by a conservative tail bound) not undo the rejection at alpha / family.
      if (options.adaptive && options.tailRejection && rejectionSettled(observed, nulls, drawn, exceed, budget, slack)) {
        return { statistic: observed, pValue: 1 / (1 + budget), permutations: drawn };
      }
      round = Math.min(ROUND_MAX, round * 2);
    }
    return { statistic: observed, pValue: (1 + exceed) / (1 + drawn), permutations: drawn };
  });
}
