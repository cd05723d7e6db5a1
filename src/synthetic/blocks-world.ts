// A seeded world with known task blocks (Layer 2's test bed): independent true latents s, K tasks
// whose vector signals are nonlinear functions of their own block only (blocks may overlap), some
// irrelevant coordinates, and a generalist latent z_hat = phi(s) with phi a random invertible
// nonlinear map that mixes every coordinate.
import { SpecialistError } from '../core/errors.ts';
import { checkAllocation, checkCount } from '../core/validate.ts';
import { createRng, type Rng } from '../core/random.ts';

/** The size and shape of a blocks world; each option documents its default. */
export interface BlocksWorldOptions {
  /** Rows. Default 10000. */
  n?: number;
  /** True latent coordinates. Default 10. */
  dims?: number;
  /** Coordinates each task depends on. Default [[0, 1, 2], [2, 3], [4, 5, 6]]: sizes 3, 2, 3, one shared. */
  blocks?: number[][];
  /** Width of every task signal; at least the largest block, so the signal pins its block down. Default 3. */
  signalDims?: number;
  /** Standard deviation of the noise on the task signals. Default 0.05. */
  noise?: number;
  /** Default 0. */
  seed?: number;
}

/**
 * The data and truth of blocksWorld: the true latents, the generalist latents, the task signals
 * and each task's block.
 */
export interface BlocksWorld {
  /** True latents [n, dims]. */
  s: Float32Array;
  /** Generalist latents z_hat = phi(s) [n, dims]. */
  z: Float32Array;
  /** Task signals [n, K, signalDims]. */
  y: Float32Array;
  n: number;
  dims: number;
  signalDims: number;
  truth: { blocks: number[][]; irrelevant: number[]; seed: number };
}

function orthogonal(rng: Rng, d: number): Float64Array {
  const q = new Float64Array(d * d);
  for (let i = 0; i < d; i++) {
    const v = Float64Array.from({ length: d }, () => rng.normal());
    for (let j = 0; j < i; j++) {
      let dot = 0;
      for (let c = 0; c < d; c++) dot += v[c] * q[j * d + c];
      for (let c = 0; c < d; c++) v[c] -= dot * q[j * d + c];
    }
    const len = Math.hypot(...v);
    for (let c = 0; c < d; c++) q[i * d + c] = v[c] / len;
  }
  return q;
}

/** A random d x d matrix with singular values in [0.5, 1.5]: invertible and well conditioned. */
function invertible(rng: Rng, d: number): Float64Array {
  const u = orthogonal(rng, d), v = orthogonal(rng, d);
  const sv = Float64Array.from({ length: d }, () => 0.5 + rng.next());
  const out = new Float64Array(d * d);
  for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) {
    let s = 0;
    for (let p = 0; p < d; p++) s += u[i * d + p] * sv[p] * v[p * d + j];
    out[i * d + j] = s;
  }
  return out;
}

function apply(m: Float64Array, rows: number, cols: number, x: ArrayLike<number>): Float64Array {
  const out = new Float64Array(rows);
  for (let i = 0; i < rows; i++) {
    let s = 0;
    for (let j = 0; j < cols; j++) s += m[i * cols + j] * x[j];
    out[i] = s;
  }
  return out;
}

const leaky = (v: number) => (v >= 0 ? v : 0.3 * v);

/**
 * A world for Layer 2 with known blocks: task signals that are nonlinear functions of known
 * coordinates of s (their block), and generalist latents z = phi(s) that mix every coordinate.
 */
export function blocksWorld(options: BlocksWorldOptions = {}): BlocksWorld {
  const n = options.n ?? 10000;
  const dims = options.dims ?? 10;
  const blocks = options.blocks ?? [[0, 1, 2], [2, 3], [4, 5, 6]];
  const signalDims = options.signalDims ?? Math.max(3, ...blocks.map((b) => b.length));
  const noise = options.noise ?? 0.05;
  const seed = options.seed ?? 0;
  checkCount('n', n, 1, 100_000_000);
  // dims and signalDims enter square maps (cubic cost to draw).
  checkCount('dims', dims, 1, 1024);
  checkCount('signalDims', signalDims, 1, 1024);
  if (!Array.isArray(blocks) || blocks.length < 1 || blocks.length > 1024) throw new SpecialistError('INVALID_ARGUMENT', 'blocks must list 1 to 1024 tasks', { argument: 'blocks' });
  blocks.forEach((b, k) => {
    if (b.length === 0 || b.some((c) => !Number.isInteger(c) || c < 0 || c >= dims) || new Set(b).size !== b.length) {
      throw new SpecialistError('INVALID_ARGUMENT', `blocks[${k}] must list distinct coordinates in [0, ${dims - 1}]`, { block: b });
    }
  });
  if (!Number.isInteger(signalDims) || signalDims < Math.max(...blocks.map((b) => b.length))) {
    throw new SpecialistError('INVALID_ARGUMENT', `signalDims must be an integer >= the largest block (${Math.max(...blocks.map((b) => b.length))}), got ${signalDims}`);
  }
  if (!(noise >= 0)) throw new SpecialistError('INVALID_ARGUMENT', `noise must be >= 0, got ${noise}`);
  const rng = createRng(seed);
  // Task maps y = A s_I + 0.5 tanh(B s_I + c): A has orthonormal columns, so y determines s_I.
  const tasks = blocks.map((b) => {
    const m = b.length;
    // Orthonormal columns: every direction of the block moves the signal as much as any other.
    const q = orthogonal(rng, signalDims);
    const a = Float64Array.from({ length: signalDims * m }, (_, i) => q[(i % m) * signalDims + Math.floor(i / m)]);
    const bm = Float64Array.from({ length: signalDims * m }, () => (rng.normal() * 1.5) / Math.sqrt(m));
    const c = Float64Array.from({ length: signalDims }, () => rng.normal() * 0.5);
    return { b, a, bm, c };
  });
  // phi: three invertible mixing layers with leaky ReLU in between (a bijection of R^dims).
  const mix = [invertible(rng, dims), invertible(rng, dims), invertible(rng, dims)];
  const K = blocks.length;
  checkAllocation(`targets [n, tasks, signalDims] = [${n}, ${K}, ${signalDims}]`, n * K * signalDims);
  checkAllocation(`latents [n, dims] = [${n}, ${dims}]`, n * dims);
  const s = new Float32Array(n * dims), z = new Float32Array(n * dims), y = new Float32Array(n * K * signalDims);
  for (let r = 0; r < n; r++) {
    const sr = Float64Array.from({ length: dims }, () => rng.normal());
    s.set(sr, r * dims);
    let h: Float64Array = sr;
    mix.forEach((m, i) => {
      h = apply(m, dims, dims, h);
      if (i < mix.length - 1) h = h.map(leaky);
    });
    z.set(h, r * dims);
    tasks.forEach((t, k) => {
      const sub = t.b.map((c) => sr[c]);
      const lin = apply(t.a, signalDims, t.b.length, sub);
      const non = apply(t.bm, signalDims, t.b.length, sub);
      for (let j = 0; j < signalDims; j++) y[(r * K + k) * signalDims + j] = lin[j] + 0.5 * Math.tanh(non[j] + t.c[j]) + noise * rng.normal();
    });
  }
  const used = new Set(blocks.flat());
  const irrelevant = Array.from({ length: dims }, (_, i) => i).filter((i) => !used.has(i));
  return { s, z, y, n, dims, signalDims, truth: { blocks: blocks.map((b) => [...b]), irrelevant, seed } };
}
