// The principal-component front end of a wide fit: the network reads the leading principal
// components of the standardised latents instead of all W of them, so a fit's cost follows the rank
// of the data rather than the width of the generalist.
//
// Why: real generalists give 384-2048 numbers per input that are an injective function of a state
// of a few tens of dimensions (docs/specialist.md). Their standardised covariance has a few strong
// directions and a long weak tail: generalistWorld with an intrinsic 32 lifted to W = 512 has 33
// components above 2% of the largest and none of the other 479 above 0.5%; the PP-OCRv4 backbone
// output (480 wide) has 92 above 1%, holding 93% of the variance. The encoder, the decoder and
// s_hat then take r instead of W coordinates (the encoder's cost goes as r^2, not W^2), and the
// Theorem 2 estimator is unchanged behind the projection: the decoder reconstructs what was kept.
//
// Why not a screen of columns: every column of an entangling generalist depends on every
// coordinate of the state, so no column is unread by all tasks (the decoder must also keep the
// irrelevant part); what wide latents do have is redundancy, which a projection removes.
//
// After the fit the projection is folded into the first encoder layer and the last decoder layer
// (foldFrontEnd), so the model reads and reconstructs the W latents like any other: same file
// format, same transform(), same ONNX export.
import { SpecialistError } from '../core/errors.ts';
import { createRng } from '../core/random.ts';
import { checkCount } from '../core/validate.ts';
import type { Matrix } from '../core/tensor.ts';
import { type KernelRuntime, scoped } from '../kernels/runtime.ts';
import { orthonormalise, rayleighRitz } from '../stats/leading-eigen.ts';
import { columnStats } from './data.ts';
import type { LayerWeights } from './layers.ts';
import type { SpecialistsState } from './state.ts';

/** 'auto' keeps the components whose variance is at least this fraction of the largest one's. */
export const RANK_FLOOR = 0.01;
/**
 * ... and for a linear fit (architecture 'linear', or 'auto' where the linear fit is kept) this
 * fraction. Why lower: a linear encoder's cost grows only with the components it reads, and on the
 * PP-OCRv4 backbone output (480 wide) the directions that read the character free of the font lie
 * partly in components between 0.2% and 1% of the largest: the linear block carried font R²
 * 0.07-0.10 from the 90-92 components above 1%, 0.00-0.03 from the 231-232 above 0.2% (seeds 1-3,
 * docs/real-model.md). The network keeps 1%: at 0.2% the lifted worlds' 33 real components come
 * with 42-49 of noise.
 */
export const LINEAR_RANK_FLOOR = 0.002;
/** 'auto' applies the front end only to latents wider than this (narrower fits are cheap as they are). */
export const FRONT_END_MIN_WIDTH = 128;
/** Rows of the covariance (a uniform stride over the rows): directions, not a test, so a sample suffices. */
const COVARIANCE_ROWS = 8192;
/** Rows per kernel call when standardising, accumulating the covariance and projecting. */
const CHUNK = 512;
/** First block size of the subspace iteration; doubled while the rank found comes close to it. */
const FIRST_BLOCK = 128;
const MAX_ITERATIONS = 60;
/** Largest block of the subspace iteration (its Rayleigh-Ritz step is a Jacobi eigen-decomposition of k x k). */
const MAX_BLOCK = 512;

export interface FrontEnd {
  /** Width W of the latents. */
  width: number;
  /** Components kept (r). */
  rank: number;
  /** Column means and standard deviations of the latents (as the fit standardises them). */
  mean: Float32Array;
  std: Float32Array;
  /** Orthonormal components [W, r], strongest first. */
  components: Float32Array;
  /** Share of the standardised latents' variance the kept components hold. */
  varianceKept: number;
}

/** Rows [from, to) of z, standardised, into `out`. */
function standardisedRows(z: Matrix, from: number, to: number, mean: Float32Array, std: Float32Array, out: Float32Array): void {
  const W = z.cols;
  for (let r = from; r < to; r++) {
    const src = r * W, dst = (r - from) * W;
    for (let c = 0; c < W; c++) out[dst + c] = (z.data[src + c] - mean[c]) / std[c];
  }
}

/** Covariance [W, W] of the standardised rows at a uniform stride (float32, accumulated on the kernels). */
function covariance(kernels: KernelRuntime, z: Matrix, mean: Float32Array, std: Float32Array): Float32Array {
  const W = z.cols;
  const step = Math.max(1, Math.ceil(z.rows / COVARIANCE_ROWS));
  const rows = Int32Array.from({ length: Math.ceil(z.rows / step) }, (_, i) => i * step);
  return scoped(kernels, (k, mem) => {
    const cov = mem.alloc(W * W * 4), chunk = mem.alloc(CHUNK * W * 4);
    mem.f32(cov, W * W).fill(0);
    for (let start = 0; start < rows.length; start += CHUNK) {
      const count = Math.min(CHUNK, rows.length - start);
      const x = mem.f32(chunk, count * W);
      for (let i = 0; i < count; i++) standardisedRows(z, rows[start + i], rows[start + i] + 1, mean, std, x.subarray(i * W, (i + 1) * W));
      k.gemm(1, 0, W, W, count, 1 / rows.length, chunk, chunk, 1, cov);
    }
    return mem.f32(cov, W * W).slice();
  });
}

/** a [W, W] times q [W, k] on the kernels (float32). */
function times(kernels: KernelRuntime, a: Float32Array, q: Float64Array, W: number, k: number): Float64Array {
  return scoped(kernels, (kern, mem) => {
    const pa = mem.alloc(W * W * 4), pq = mem.alloc(W * k * 4), pc = mem.alloc(W * k * 4);
    mem.f32(pa, W * W).set(a);
    mem.f32(pq, W * k).set(q);
    kern.gemm(0, 0, W, k, W, 1, pa, pq, 0, pc);
    return Float64Array.from(mem.f32(pc, W * k));
  });
}

/** Ritz values (descending) and the Ritz vectors [W, k] of `cov` on the span of q. */
function ritzOf(kernels: KernelRuntime, cov: Float32Array, q: Float64Array, W: number, k: number): { values: Float64Array; vectors: Float64Array } {
  return rayleighRitz(q, times(kernels, cov, q, W, k), W, k);
}

/**
 * The leading eigenpairs of `cov` [W, W] by subspace iteration on a block of k columns, until the
 * Ritz values of the components `wanted` counts change by less than 1e-4 of the largest; k is
 * doubled (up to MAX_BLOCK) while those components fill more than 3/4 of the block.
 */
function leadingComponents(kernels: KernelRuntime, cov: Float32Array, W: number, wanted: (values: Float64Array) => number, seed: number): { values: Float64Array; vectors: Float64Array; k: number } {
  const rng = createRng(seed);
  for (let k = Math.min(W, FIRST_BLOCK); ; k = Math.min(W, MAX_BLOCK, 2 * k)) {
    let q: Float64Array = Float64Array.from({ length: W * k }, () => rng.normal());
    orthonormalise(q, W, k);
    let ritz = ritzOf(kernels, cov, q, W, k);
    for (let it = 0; it < MAX_ITERATIONS && k < W; it++) {
      q = times(kernels, cov, q, W, k);
      orthonormalise(q, W, k);
      if (it % 3 !== 2) continue;
      const next = ritzOf(kernels, cov, q, W, k);
      const settled = next.values.slice(0, wanted(next.values)).every((v, i) => Math.abs(v - ritz.values[i]) <= 1e-4 * next.values[0]);
      ritz = next;
      if (settled) break;
    }
    if (k === Math.min(W, MAX_BLOCK) || wanted(ritz.values) <= (3 * k) / 4) return { ...ritz, k };
  }
}

/** Most components an explicit inputRank may ask for (3/4 of the largest block the iteration uses). */
export const MAX_INPUT_RANK = (3 * MAX_BLOCK) / 4;

/**
 * The front end of latents z [N, W]: their column statistics and the leading principal components
 * of the standardised columns, `rank` of them or, for 'auto', those holding at least `floor`
 * (default RANK_FLOOR) of the largest one's variance. Returns null when 'auto' finds more than W / 2 or more than
 * MAX_INPUT_RANK (the projection would save little and could drop what a task reads).
 */
export function fitFrontEnd(kernels: KernelRuntime, z: Matrix, rank: number | 'auto', seed: number, floor = RANK_FLOOR): FrontEnd | null {
  const W = z.cols;
  const most = Math.min(W, MAX_INPUT_RANK);
  // 'full' never gets here; a number is at most the latents' width and MAX_INPUT_RANK.
  if (rank !== 'auto') checkCount('inputRank', rank, 1, most);
  const { mean, std } = columnStats(z.data, z.rows, W);
  const cov = covariance(kernels, z, mean, std);
  const above = (values: Float64Array) => values.filter((v) => v >= floor * values[0]).length;
  const eig = leadingComponents(kernels, cov, W, rank === 'auto' ? above : () => rank, seed);
  const r = rank === 'auto' ? above(eig.values) : rank;
  if (rank === 'auto' && (r > W / 2 || r > MAX_INPUT_RANK)) return null;
  const components = new Float32Array(W * r);
  for (let row = 0; row < W; row++) for (let c = 0; c < r; c++) components[row * r + c] = eig.vectors[row * eig.k + c];
  let total = 0;
  for (let c = 0; c < W; c++) total += cov[c * W + c];
  const kept = eig.values.slice(0, r).reduce((a, b) => a + Math.max(0, b), 0);
  return { width: W, rank: r, mean, std, components, varianceKept: total > 0 ? Math.min(1, kept / total) : 1 };
}

/** The components of every row of z: [N, r] (standardised as the front end was fitted). */
export function projectRows(kernels: KernelRuntime, z: Matrix, front: FrontEnd): Float32Array {
  const { width: W, rank: r } = front;
  const out = new Float32Array(z.rows * r);
  scoped(kernels, (k, mem) => {
    const pp = mem.alloc(W * r * 4), px = mem.alloc(CHUNK * W * 4), pu = mem.alloc(CHUNK * r * 4);
    mem.f32(pp, W * r).set(front.components);
    for (let start = 0; start < z.rows; start += CHUNK) {
      const count = Math.min(CHUNK, z.rows - start);
      standardisedRows(z, start, start + count, front.mean, front.std, mem.f32(px, count * W));
      k.gemm(0, 0, count, r, W, 1, px, pp, 0, pu);
      out.set(mem.f32(pu, count * r), start * r);
    }
  });
  return out;
}

/**
 * A model fitted on the components (d = r) as a model of the latents (d = W): the projection and
 * the components' standardisation go into the first encoder layer's weights and bias, their
 * inverse into the last decoder layer's, and the latents' own statistics become the model's.
 */
export function foldFrontEnd(state: SpecialistsState, front: FrontEnd): SpecialistsState {
  const { width: W, rank: r, components: P } = front;
  const { zMean: mu, zStd: sigma } = state;
  const [first, ...encoderRest] = state.encoder;
  const h = first.dout;
  const w = new Float32Array(W * h), b = Float32Array.from(first.b);
  for (let c = 0; c < r; c++) {
    for (let o = 0; o < h; o++) {
      const v = first.w[c * h + o] / sigma[c];
      b[o] -= mu[c] * v;
      for (let row = 0; row < W; row++) w[row * h + o] += P[row * r + c] * v;
    }
  }
  const last = state.decoder[state.decoder.length - 1];
  const g = last.din;
  const wl = new Float32Array(g * W), bl = new Float32Array(W);
  for (let c = 0; c < r; c++) {
    const bias = last.b[c] * sigma[c] + mu[c];
    for (let row = 0; row < W; row++) {
      const p = P[row * r + c];
      bl[row] += bias * p;
      for (let i = 0; i < g; i++) wl[i * W + row] += last.w[i * r + c] * sigma[c] * p;
    }
  }
  const encoder: LayerWeights[] = [{ ...first, din: W, w, b }, ...encoderRest];
  const decoder: LayerWeights[] = [...state.decoder.slice(0, -1), { ...last, dout: W, w: wl, b: bl }];
  return { ...state, d: W, zMean: front.mean, zStd: front.std, encoder, decoder };
}
