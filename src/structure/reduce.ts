// Each step's states reduced to the principal components the data support, before any test
// (docs/structure.md, "Reduction"). One projection for all steps, fitted on a pilot sample of the
// pooled (episode, step) rows: the same function of every state, so a tested representative stays
// a function of its state (always valid) and a conditioning neighbour keeps what the kept
// components carry of its state (valid when they determine it; the diagnostic checks the paths).
//
// - Narrow steps (at most WIDE_STEP numbers): only directions with no variance (a redundant
//   column, a linear map of a smaller state) are dropped, which loses nothing.
// - Wide steps (encoder latents, 384-2048 numbers that are a function of a few tens of state
//   dimensions): components with less than SUPPORTED of the largest variance are dropped too, and
//   at most n / EPISODES_PER_COMPONENT are kept, so the direct test keeps 10 episodes per column.
import { createRng } from '../core/random.ts';
import type { Matrix } from '../core/tensor.ts';
import { getKernel } from '../kernels/registry.ts';
import type { KernelRuntime } from '../kernels/runtime.ts';
import { leadingEigen } from '../stats/leading-eigen.ts';
import { symmetricEigen } from '../stats/symmetric-eigen.ts';
import type { StructureResult } from './decide.ts';
import type { Layout } from './input.ts';
import type { ReductionOption } from './options.ts';


/** How a run's states were reduced: StructureResult.reduction (defined there, in the main entry). */
export type StateReduction = NonNullable<StructureResult['reduction']>;

/** Steps wider than this are reduced to the components their spectrum supports, not only to their rank. */
export const WIDE_STEP = 64;
/** A wide step keeps components with at least this share of the largest component's variance. */
export const SUPPORTED = 1e-2;
/** Below this share of the largest variance a direction is rounding: the numerical rank. */
const RANK = 1e-10;
/** Episodes per kept component (the direct test has about 3 components per step: 10 episodes per column). */
const EPISODES_PER_COMPONENT = 30;
/** Pooled rows the components are fitted on. */
export const PILOT_ROWS = 2000;

/** Evenly spaced (episode, step) rows of the used steps, as a row-major [rows, d] block. */
function pilot(data: Matrix, layout: Layout): Matrix {
  const { episodes: n, usedSteps: T, dim: d } = layout;
  const rows = Math.min(n * T, PILOT_ROWS);
  const out = new Float32Array(rows * d);
  for (let r = 0; r < rows; r++) {
    const q = Math.floor((r * n * T) / rows);
    const e = Math.floor(q / T);
    const t = q % T;
    out.set(data.data.subarray(e * data.cols + t * d, e * data.cols + (t + 1) * d), r * d);
  }
  return { data: out, rows, cols: d };
}

/** The leading `m` eigenpairs of the d x d covariance (all of them by Jacobi when d is narrow). */
function spectrum(cov: Float64Array, d: number, m: number, kernels: KernelRuntime, seed: number): { values: Float64Array; vectors: Float64Array; m: number } {
  if (d <= WIDE_STEP) {
    // In decreasing order of value, as leadingEigen's.
    const { values, vectors } = symmetricEigen(cov, d);
    return { values: values.map((v) => Math.max(0, v)), vectors, m: d };
  }
  const a = { data: Float32Array.from(cov), rows: d, cols: d };
  const gemm = getKernel('gemm');
  const multiply = (block: Float64Array, cols: number) => Float64Array.from(gemm.wasm(kernels, { a, b: { data: Float32Array.from(block), rows: d, cols } }).data);
  const { values, vectors } = leadingEigen(d, m, multiply, createRng(seed ^ 0x5eed));
  return { values, vectors, m };
}

/** Projects every used step onto the first k columns of `vectors` ([d, m]) after centring on `means`. */
function project(data: Matrix, layout: Layout, means: Float64Array, vectors: Float64Array, m: number, k: number, kernels: KernelRuntime): { data: Matrix; layout: Layout } {
  const { episodes: n, usedSteps: T, dim: d, tasks: M, taskDim: dg } = layout;
  const v = new Float32Array(d * k);
  for (let c = 0; c < d; c++) for (let j = 0; j < k; j++) v[c * k + j] = vectors[c * m + j];
  const shift = new Float64Array(k);
  for (let c = 0; c < d; c++) for (let j = 0; j < k; j++) shift[j] += means[c] * vectors[c * m + j];
  const width = T * k + M * dg;
  const out = new Float32Array(n * width);
  const gemm = getKernel('gemm');
  // Episodes in chunks: one gemm per chunk keeps the kernel's staging memory small.
  const chunk = Math.max(1, Math.floor(2 ** 20 / (T * d)));
  for (let e0 = 0; e0 < n; e0 += chunk) {
    const rows = Math.min(chunk, n - e0);
    const x = new Float32Array(rows * T * d);
    for (let e = 0; e < rows; e++) x.set(data.data.subarray((e0 + e) * data.cols, (e0 + e) * data.cols + T * d), e * T * d);
    const y = gemm.wasm(kernels, { a: { data: x, rows: rows * T, cols: d }, b: { data: v, rows: d, cols: k } }).data;
    for (let e = 0; e < rows; e++) {
      const row = (e0 + e) * width;
      for (let q = 0; q < T * k; q++) out[row + q] = y[e * T * k + q] - shift[q % k];
      out.set(data.data.subarray((e0 + e) * data.cols + T * d, (e0 + e + 1) * data.cols), row + T * k);
    }
  }
  return { data: { data: out, rows: n, cols: width }, layout: { ...layout, dim: k, width } };
}


/**
 * The states of `data` (assembled, layout `layout`) reduced per the option, or null where the
 * states stay as they are (a narrow step of full rank, or 'none').
 */
export function reduceStates(data: Matrix, layout: Layout, option: ReductionOption, kernels: KernelRuntime, seed: number): { data: Matrix; layout: Layout; reduction: StateReduction } | null {
  const d = layout.dim;
  if (option === 'none' || d === 1) return null;
  const sample = pilot(data, layout);
  const { means, cov } = getKernel('covariance').wasm(kernels, { x: sample });
  let trace = 0;
  for (let c = 0; c < d; c++) trace += cov[c * d + c];
  const wide = d > WIDE_STEP;
  const cap = typeof option === 'number' ? Math.min(option, d) : wide ? Math.min(d, Math.max(8, Math.floor(layout.episodes / EPISODES_PER_COMPONENT))) : d;
  // Wide: a block of leading components, doubled while its last one is still supported.
  let m = Math.min(d, cap + 16, 96);
  let s = spectrum(cov, d, m, kernels, seed);
  while (wide && m < Math.min(d, cap + 16) && s.values[m - 1] >= SUPPORTED * s.values[0]) {
    m = Math.min(d, 2 * m, cap + 16);
    s = spectrum(cov, d, m, kernels, seed);
  }
  const floor = (wide ? SUPPORTED : RANK) * s.values[0];
  const supported = s.values.filter((v) => v > floor).length;
  const components = typeof option === 'number' ? cap : Math.min(supported, cap);
  if (components >= d) return null;
  const kept = s.values.subarray(0, components).reduce((a, b) => a + b, 0);
  const varianceKept = trace > 0 ? Math.min(1, kept / trace) : 1;
  const reason =
    typeof option === 'number' ? `${components} principal components per step, as asked`
      : !wide ? `the ${d} numbers of a step span ${components} dimensions (the rest has no variance): the tests ran on those ${components} principal components, which lose nothing`
        : components < supported ? `${d} numbers per step with ${supported} components above 1% of the largest variance; ${components} kept (at most one per ${EPISODES_PER_COMPONENT} episodes), holding ${(100 * varianceKept).toFixed(1)}% of the variance`
          : `${d} numbers per step, ${components} components above 1% of the largest variance, holding ${(100 * varianceKept).toFixed(1)}% of the variance: the tests ran on them`;
  return { ...project(data, layout, means, s.vectors, s.m, components, kernels), reduction: { width: d, components, supported, varianceKept, pilotRows: sample.rows, reason } };
}
