// kNN conditional mutual information test: the Frenzel-Pompe / KSG estimator in the max norm with a
// local permutation null (x permuted only among the nearest neighbours of each point in z-space,
// after Runge 2018), running on the wasm kernels of kernels/cmi.ts.
//
//   eps_i  = distance from point i to its k-th nearest neighbour in the joint (x, y, z) space
//   n_xz, n_yz, n_z = points j != i strictly within eps_i in the (x, z), (y, z) and z spaces
//   CMI    = psi(k) - mean_i [ psi(n_xz + 1) + psi(n_yz + 1) - psi(n_z + 1) ]
//
// With z empty, n_z = n - 1 for every point and this is the KSG mutual information (algorithm 1):
// psi(k) + psi(n) - mean_i [ psi(n_x + 1) + psi(n_y + 1) ].

import { SpecialistError, throwIfAborted } from '../../core/errors.ts';
import type { CallOptions } from '../../core/call-options.ts';
import { forEachRowChunk } from '../../core/call-options.ts';
import { cmiCountsScratchBytes } from '../../kernels/cmi.ts';
import { checkMatrix, type Matrix } from '../../core/tensor.ts';
import type { KernelExports, KernelRuntime } from '../../kernels/runtime.ts';
import type { KernelMemory } from '../../kernels/memory.ts';
import { createRng, type Rng } from '../../core/random.ts';
import type { CiPrepareContext, CiQuery, CiResult, CiTest, PreparedCiTest } from '../ci-test.ts';
import { digamma, digammaTable } from '../../stats/digamma.ts';

export interface CmiKnnOptions {
  /**
   * Neighbours k of the estimator: an integer >= 1, or a fraction of n in (0, 1) (k = round(f n),
   * at least 1). Default 0.1. Larger k lowers the variance and raises the bias towards 0; since the
   * null is built by permutation the bias costs power, not validity. 0.1 - 0.2 n is the usual
   * range for this test; 0.1 is the cheaper end.
   */
  knn?: number;
  /**
   * Permutations of the null for a test that stands alone. Default 100. With `family` > 1 (tests
   * in a batch, see PreparedCiTest.test) the budget rises to ceil(2 family / alpha) - 1 (capped by
   * `maxPermutations`) when that is more, so that the smallest p-value, 1 / (budget + 1), is half
   * the Bonferroni level: a corrected decision is always reachable.
   */
  permutations?: number;
  /** Cap on the family-raised budget (never below `permutations`). Default 10,000. */
  maxPermutations?: number;
  /**
   * Size of each point's z-space neighbourhood (itself included) among which x is permuted.
   * Default 5: small enough to keep x's dependence on z in the null, large enough to leave most
   * points a not-yet-used neighbour. At most n is used. Ignored without z (the null is then a full
   * permutation).
   */
  shuffleNeighbors?: number;
  /** 'rank' (default): mid-ranks of each column, invariant to monotone maps; 'none': values as given. */
  transform?: 'rank' | 'none';
  /**
   * Standard deviation of seeded Gaussian noise added to each column after the transform, relative
   * to the column's own standard deviation. Default 1e-5. It only breaks ties of distances (ranks
   * and discrete values have many); 1e-5 rather than a smaller value because distances are float32,
   * whose resolution near the largest ranks is about 1e-7 of the range. 0 turns it off.
   */
  noise?: number;
  /**
   * The level at which decisions will be taken. Default 0.05. Used only to size the budget for a
   * family and for early stopping; the p-value itself does not depend on it.
   */
  alpha?: number;
  /**
   * Stop drawing once the decision at `alpha` is settled: as soon as (1 + b) / (1 + budget) > alpha
   * with b null values >= the observed so far, the final p-value could not reach alpha (and no
   * correction raises a threshold above alpha), so the test stops and reports (1 + b) / (1 + B)
   * after B draws, which is above alpha as well. Draws run in rounds of 8, 16, 32, 64, 64, ...
   * and the rule is checked between rounds, so results stay deterministic. Default true.
   */
  adaptive?: boolean;
}

interface Resolved {
  knn: number;
  permutations: number;
  maxPermutations: number;
  shuffleNeighbors: number;
  transform: 'rank' | 'none';
  noise: number;
  alpha: number;
  adaptive: boolean;
}

const ROUND_FIRST = 8;
const ROUND_MAX = 64;

function invalid(argument: string, message: string, value: unknown): SpecialistError {
  return new SpecialistError('INVALID_ARGUMENT', message, { argument, value });
}

function resolveOptions(options: CmiKnnOptions): Resolved {
  const o = {
    knn: options.knn ?? 0.1,
    permutations: options.permutations ?? 100,
    maxPermutations: options.maxPermutations ?? 10_000,
    shuffleNeighbors: options.shuffleNeighbors ?? 5,
    transform: options.transform ?? 'rank',
    noise: options.noise ?? 1e-5,
    alpha: options.alpha ?? 0.05,
    adaptive: options.adaptive ?? true,
  };
  const { knn } = o;
  if (!(typeof knn === 'number' && ((knn > 0 && knn < 1) || (Number.isInteger(knn) && knn >= 1)))) {
    throw invalid('knn', `knn must be an integer >= 1 or a fraction of n in (0, 1), got ${knn}`, knn);
  }
  for (const name of ['permutations', 'maxPermutations', 'shuffleNeighbors'] as const) {
    const v = o[name];
    if (!Number.isInteger(v) || v < 1) throw invalid(name, `${name} must be an integer >= 1, got ${v}`, v);
  }
  if (o.transform !== 'rank' && o.transform !== 'none') throw invalid('transform', `transform must be 'rank' or 'none', got ${String(o.transform)}`, o.transform);
  if (!(Number.isFinite(o.noise) && o.noise >= 0)) throw invalid('noise', `noise must be a finite number >= 0, got ${o.noise}`, o.noise);
  if (!(o.alpha > 0 && o.alpha < 1)) throw invalid('alpha', `alpha must be in (0, 1), got ${o.alpha}`, o.alpha);
  if (typeof o.adaptive !== 'boolean') throw invalid('adaptive', `adaptive must be true or false, got ${String(o.adaptive)}`, o.adaptive);
  return o;
}

/** k for n points: an integer as given, or a fraction of n rounded (at least 1). */
export function resolveK(knn: number, n: number): number {
  return knn < 1 ? Math.max(1, Math.round(knn * n)) : knn;
}

/** The permutation budget of one test among `family` (see CmiKnnOptions.permutations). */
export function permutationBudget(options: Pick<Resolved, 'permutations' | 'maxPermutations' | 'alpha'>, family = 1): number {
  if (family <= 1) return options.permutations;
  const needed = Math.ceil((2 * family) / options.alpha) - 1;
  return Math.max(options.permutations, Math.min(options.maxPermutations, needed));
}

/** 32-bit finaliser of MurmurHash3: a cheap, well-mixing step for seed derivation. */
function mix32(h: number): number {
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/**
 * The seed of one query: a hash of the prepare seed and the query's columns (each block as a set),
 * so a query draws the same permutations whatever ran before it and in whichever worker.
 */
export function querySeed(seed: number, query: CiQuery): number {
  let h = mix32((seed >>> 0) ^ mix32(Math.floor(seed / 2 ** 32) >>> 0));
  for (const [tag, block] of [[0x78, query.x], [0x79, query.y], [0x7a, query.z]] as const) {
    h = mix32(h ^ Math.imul(tag, 0x9e3779b1));
    for (const c of [...block].sort((a, b) => a - b)) h = mix32((h + Math.imul(c + 1, 0x27d4eb2f)) >>> 0);
  }
  return h;
}

/** Mid-ranks of a column (ties share the mean of their positions), centred on 0. */
function midRanks(values: Float32Array): Float32Array {
  const n = values.length;
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => values[a] - values[b]);
  const out = new Float32Array(n);
  for (let start = 0; start < n; ) {
    let end = start + 1;
    while (end < n && values[order[end]] === values[order[start]]) end++;
    const rank = (start + end - 1) / 2 - (n - 1) / 2; // a multiple of 0.5: exact in float32
    for (let t = start; t < end; t++) out[order[t]] = rank;
    start = end;
  }
  return out;
}

function standardDeviation(v: Float32Array): number {
  let mean = 0;
  for (const x of v) mean += x;
  mean /= v.length;
  let ss = 0;
  for (const x of v) ss += (x - mean) ** 2;
  return Math.sqrt(ss / v.length);
}

interface PreparedData {
  n: number;
  k: number;
  /** Transformed (and jittered) columns, each n float32 values. */
  columns: Float32Array[];
  /** Columns that were constant before the jitter: no test may use them. */
  constant: boolean[];
  psi: Float64Array;
}

function prepareData(data: Matrix, options: Resolved, seed: number): PreparedData {
  checkMatrix('data', data);
  const n = data.rows;
  const k = resolveK(options.knn, n);
  if (n < k + 1) {
    throw new SpecialistError('INVALID_ARGUMENT', `n = ${n} rows is too small for knn = ${k}: the kNN-CMI test needs at least k + 1 rows`, {
      argument: 'knn',
      rows: n,
      knn: k,
    });
  }
  const noiseRng = createRng(mix32(seed >>> 0) ^ 0x6e6f6973);
  const columns: Float32Array[] = [];
  const constant: boolean[] = [];
  for (let c = 0; c < data.cols; c++) {
    const raw = new Float32Array(n);
    for (let r = 0; r < n; r++) raw[r] = data.data[r * data.cols + c];
    const column = options.transform === 'rank' ? midRanks(raw) : raw;
    const sd = standardDeviation(column);
    constant.push(!(sd > 0));
    const scale = options.noise * sd;
    // Draw for every column, so a column's noise does not depend on whether others are constant.
    for (let r = 0; r < n; r++) {
      const e = noiseRng.normal();
      if (scale > 0) column[r] = Math.fround(column[r] + scale * e);
    }
    columns.push(column);
  }
  return { n, k, columns, constant, psi: digammaTable(n) };
}

/** Checks a query against the prepared columns; returns its blocks sorted. */
function checkQuery(query: CiQuery, prepared: PreparedData): { x: number[]; y: number[]; z: number[] } {
  if (!query || !Array.isArray(query.x) || !Array.isArray(query.y) || !Array.isArray(query.z)) {
    throw new SpecialistError('INVALID_ARGUMENT', 'a CI query must be { x: number[], y: number[], z: number[] }', { argument: 'query' });
  }
  const width = prepared.columns.length;
  const seen = new Set<number>();
  const blocks = { x: [...query.x], y: [...query.y], z: [...query.z] };
  for (const [name, block] of Object.entries(blocks)) {
    if (name !== 'z' && block.length === 0) throw new SpecialistError('INVALID_ARGUMENT', `query.${name} must list at least one column`, { argument: `query.${name}` });
    for (const c of block) {
      if (!Number.isInteger(c) || c < 0 || c >= width) {
        throw new SpecialistError('INVALID_ARGUMENT', `query.${name} holds ${c}, which is not a column of the ${width}-column data`, { argument: `query.${name}`, column: c, width });
      }
      if (seen.has(c)) throw new SpecialistError('INVALID_ARGUMENT', `column ${c} appears more than once in the query`, { argument: 'query', column: c });
      seen.add(c);
      if (prepared.constant[c]) {
        throw new SpecialistError('INVALID_ARGUMENT', `column ${c} (in query.${name}) is constant: the kNN-CMI test needs variation in every column`, {
          argument: `query.${name}`,
          column: c,
          reason: 'constant',
        });
      }
    }
    block.sort((a, b) => a - b);
  }
  return blocks;
}

/** The statistic of version p from the kernel's counts [versions, 3, n]. */
function statistic(counts: Int32Array, p: number, n: number, k: number, psi: Float64Array): number {
  const base = p * 3 * n;
  let sum = 0;
  for (let i = 0; i < n; i++) sum += psi[counts[base + i] + 1] + psi[counts[base + n + i] + 1] - psi[counts[base + 2 * n + i] + 1];
  return digamma(k) - sum / n;
}

/**
 * Integer draws for the permutations: sfc32 inlined (the shared Rng spends two 32-bit outputs and
 * a float division per draw, which was a tenth of a test's time), seeded from the query's Rng.
 */
class Draws {
  // State in an Int32Array: uint32 values kept in object fields would be boxed on every update.
  private readonly s = new Int32Array(4);
  constructor(rng: Rng) {
    for (let i = 0; i < 4; i++) this.s[i] = Math.floor(rng.next() * 4294967296) | 0;
    this.s[3] |= 1;
  }
  /** Uniform integer in [0, m) for m <= 2^21 (the bias, m / 2^32, is negligible). */
  int(m: number): number {
    const s = this.s;
    const a = s[0], b = s[1], c = s[2], d = s[3];
    const t = (((a + b) | 0) + d) | 0;
    s[3] = (d + 1) | 0;
    s[0] = b ^ (b >>> 9);
    s[1] = (c + (c << 3)) | 0;
    s[2] = (((c << 21) | (c >>> 11)) + t) | 0;
    return Math.floor(((t >>> 0) * m) / 4294967296);
  }
}

/** A uniformly random permutation of 0..n-1 (Fisher-Yates). */
function shuffleRange(draws: Draws, a: Int32Array): void {
  for (let i = 0; i < a.length; i++) a[i] = i;
  for (let i = a.length - 1; i > 0; i--) {
    const j = draws.int(i + 1);
    const t = a[i];
    a[i] = a[j];
    a[j] = t;
  }
}

/**
 * One draw of the local permutation: points are visited in random order, and each takes x from a
 * random neighbour (in z-space, itself included) that no earlier point took; when all of them are
 * taken, from a random neighbour anyway (so x values may repeat, as in Runge 2018).
 * `neighbours` is [n, s] and is reordered in place (any order of a row is as good as another).
 */
function drawLocal(draws: Draws, n: number, neighbours: Int32Array, s: number, perm: Int32Array, order: Int32Array, used: Uint8Array): void {
  shuffleRange(draws, order);
  used.fill(0);
  for (let t = 0; t < n; t++) {
    const i = order[t];
    const row = i * s;
    let pick = -1;
    // Lazy Fisher-Yates over the row: draw candidates one at a time until an unused one turns up.
    for (let q = 0; q < s && pick < 0; q++) {
      const r = row + q + draws.int(s - q);
      const c = neighbours[r];
      neighbours[r] = neighbours[row + q];
      neighbours[row + q] = c;
      if (!used[c]) pick = c;
    }
    if (pick < 0) pick = neighbours[row + draws.int(s)];
    perm[i] = pick;
    used[pick] = 1;
  }
}

type TestOptions = CallOptions & { family?: number };

/** Runs one query on the kernels; every allocation is released when it returns or throws. */
function runQuery(runtime: KernelRuntime, prepared: PreparedData, options: Resolved, seed: number, query: CiQuery, call: TestOptions = {}): CiResult {
  const blocks = checkQuery(query, prepared);
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
  if (runtime.memory.bytesInUse + matrices > runtime.memory.maximumBytes) {
    throw new SpecialistError(
      'OUT_OF_MEMORY',
      `cmiknn at n = ${n} needs ${Math.ceil(matrices / 2 ** 20)} MiB of kernel memory for its n x n distance blocks, ` +
        `beyond the maximum of ${Math.floor(runtime.memory.maximumBytes / 2 ** 20)} MiB. Raise memory.maximumBytes (up to 4 GiB) or subsample.`,
      { rows: n, needed: matrices, maximum: runtime.memory.maximumBytes },
    );
  }

  return runtime.scoped((kx: KernelExports, mem: KernelMemory) => {
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
        else if (value >= observed) exceed++;
      }
      // The last version's k-th distances are the next round's guesses.
      mem.f32(guess, n).set(mem.f32(eps + (versions - 1) * n * 4, n));
      drawn += size;
      call.onProgress?.(drawn, budget);
      throwIfAborted(call.signal);
      if (options.adaptive && 1 + exceed > options.alpha * (1 + budget)) break;
      round = Math.min(ROUND_MAX, round * 2);
    }
    return { statistic: observed, pValue: (1 + exceed) / (1 + drawn), permutations: drawn };
  });
}

/**
 * The kNN conditional mutual information test (see CmiKnnOptions for every default and why).
 * p-value = (1 + #{null values >= observed}) / (1 + draws): the share of the null at or above the
 * observed statistic, counting the observed among the draws, so no p-value is below 1 / (P + 1).
 * Randomness (tie-breaking noise, permutations) derives from the prepare seed and, per query, from
 * the query's columns only: results do not depend on the order of queries or on the thread.
 */
export function cmiKnn(options: CmiKnnOptions = {}): CiTest {
  const resolved = resolveOptions(options);
  return {
    name: 'cmiknn',
    prepare(data: Matrix, context: CiPrepareContext): PreparedCiTest {
      if (!context?.runtime) throw new SpecialistError('INVALID_ARGUMENT', 'cmiknn needs a kernel runtime in the prepare context', { argument: 'runtime' });
      if (!Number.isFinite(context.seed)) throw invalid('seed', `seed must be a finite number, got ${context.seed}`, context.seed);
      throwIfAborted(context.signal);
      const prepared = prepareData(data, resolved, context.seed);
      return {
        test: (query, call) => runQuery(context.runtime, prepared, resolved, context.seed, query, call),
      };
    },
  };
}
