// One Layer 2 case on generalistWorld at a chosen width, with the true step-task relation as
// membership (Layer 1 is measured elsewhere): the rows a pipeline would fit (every step serving a
// task, whole episodes up to a row count), the generalist latents phi(s) of those rows, per-step
// targets, and the scores of a fitted model against the truth (support sizes, kernel-ridge R^2 of
// each specialist block to its true block and to every other true coordinate).
import { runStages } from '../src/onnx/export-network.ts';
import type { Specialists } from '../src/specialist/model.ts';
import type { Tensor } from '../src/core/tensor.ts';
import { generalistWorld, kernelRidgeR2 } from 'specialist-sdk/lab';

export interface WideCaseSpec {
  /** Coordinates of each task's block. */
  blockSizes: number[];
  /** Coordinates no task uses. */
  irrelevantDims: number;
  /** Rows to fit (episodes x serving steps, whole episodes); ignored when `episodes` is given. */
  rows: number;
  /** Every served step of this many episodes (a pipeline's rows for n episodes), instead of `rows`. */
  episodes?: number;
  seed: number;
  /** Width W of the generalist's output (generalistWorld's latentWidth): phi(s) lifted to W numbers. Default: no lift. */
  latentWidth?: number;
}

export interface WideCase {
  spec: WideCaseSpec;
  d: number;
  latents: Tensor;
  targets: Tensor;
  membership: Tensor;
  /** True states of the rows [rows, D] (D = d unless the latents are lifted to a width W > D). */
  states: Float32Array;
  /** Width of the latents (W; d when there is no lift). */
  width: number;
  blocks: number[][];
}

/** Four tasks with blocks of `block` coordinates and as many irrelevant coordinates as relevant ones (d = 8 x block). */
export function wideSpec(block: number, rows: number, seed: number): WideCaseSpec {
  return { blockSizes: [block, block, block, block], irrelevantDims: 4 * block, rows, seed };
}

export function wideCase(spec: WideCaseSpec): WideCase {
  const { blockSizes, irrelevantDims, rows: wanted, seed, latentWidth } = spec;
  const M = blockSizes.length;
  // T = 12 steps of which most serve a task: episodes enough for the rows wanted.
  const probe = generalistWorld({ episodes: 2, blockSizes, irrelevantDims, seed });
  const L = probe.params.segmentLength, T = probe.params.steps;
  const serves = (rel: Uint8Array, t: number, i: number) => rel[Math.floor(t / L) * M + i] === 1;
  const steps = Array.from({ length: T }, (_, t) => t).filter((t) => Array.from({ length: M }, (_, i) => i).some((i) => serves(probe.truth.relation, t, i)));
  const episodes = spec.episodes ?? Math.ceil(wanted / steps.length);
  const rowCount = spec.episodes ? episodes * steps.length : wanted;
  const world = generalistWorld({ episodes, blockSizes, irrelevantDims, seed, latentWidth });
  const D = world.params.latentDims, dg = world.params.taskDim;
  const pairs: [number, number][] = [];
  for (let e = 0; e < episodes; e++) for (const t of steps) if (pairs.length < rowCount) pairs.push([e, t]);
  const R = pairs.length;
  const states = new Float32Array(R * D);
  pairs.forEach(([e, t], r) => states.set(world.states.subarray((e * T + t) * D, (e * T + t + 1) * D), r * D));
  // In chunks of rows: runStages works in float64, and [100,000, 2048] would take 1.6 GB at once.
  const W = world.params.latentWidth;
  const z = new Float32Array(R * W);
  for (let from = 0; from < R; from += 4096) {
    const to = Math.min(R, from + 4096);
    z.set(runStages(states.subarray(from * D, to * D), to - from, world.truth.phi).data, from * W);
  }
  const y = new Float32Array(R * M * dg);
  const member = new Float32Array(R * M);
  pairs.forEach(([e, t], r) => {
    for (let i = 0; i < M; i++) {
      member[r * M + i] = serves(world.truth.relation, t, i) ? 1 : 0;
      const from = ((e * T + t) * M + i) * dg;
      y.set(world.contributions.subarray(from, from + dg), (r * M + i) * dg);
    }
  });
  return {
    spec,
    d: D,
    width: W,
    latents: { data: z, shape: [R, W] },
    targets: { data: y, shape: [R, M, dg] },
    membership: { data: member, shape: [R, M] },
    states,
    blocks: world.truth.blocks,
  };
}

export interface TaskScore {
  task: number;
  trueSize: number;
  size: number;
  r2Relevant: number;
  r2Other: number;
}

/** A fitted model's block for a task on some rows: [rows, |support|]. */
export type BlockOf = (task: number, rows: number[]) => Tensor;

/** Our model's blocks: its transform of the rows' latents. */
export function modelBlocks(c: WideCase, model: Specialists): BlockOf {
  const d = c.width;
  return (task, rows) => model.transform({ data: Float32Array.from({ length: rows.length * d }, (_, q) => c.latents.data[rows[Math.floor(q / d)] * d + (q % d)]), shape: [rows.length, d] }, task);
}

/** Blocks from s_hat of every row [N, dh] and supports (the PyTorch peer's output). */
export function sHatBlocks(sHat: Float32Array, dh: number, supports: number[][]): BlockOf {
  return (task, rows) => {
    const cols = supports[task];
    return { data: Float32Array.from({ length: rows.length * cols.length }, (_, q) => sHat[rows[Math.floor(q / cols.length)] * dh + cols[q % cols.length]]), shape: [rows.length, cols.length] };
  };
}

/**
 * Per task, on up to 4000 of its member rows: the support size against the true block's, and the
 * kernel ridge R^2 (held-out rows; `trainRows` fitting rows, default 1000) from the specialist block
 * to the true block and to every other true coordinate.
 */
export function scoreCase(c: WideCase, blockOf: BlockOf, trainRows = 1000): TaskScore[] {
  const R = c.latents.shape[0], D = c.d;
  const M = c.blocks.length;
  return c.blocks.map((trueBlock, task) => {
    const rows: number[] = [];
    for (let r = 0; r < R && rows.length < 4000; r++) if (c.membership.data[r * M + task]) rows.push(r);
    const truth = (cols: number[]): Tensor => ({
      data: Float32Array.from({ length: rows.length * cols.length }, (_, q) => c.states[rows[Math.floor(q / cols.length)] * D + cols[q % cols.length]]),
      shape: [rows.length, cols.length],
    });
    const block = blockOf(task, rows);
    const others = Array.from({ length: D }, (_, j) => j).filter((j) => !trueBlock.includes(j));
    const score = (cols: number[]) => (block.shape[1] === 0 ? 0 : kernelRidgeR2(block, truth(cols), { seed: c.spec.seed, trainRows }).mean);
    return { task, trueSize: trueBlock.length, size: block.shape[1], r2Relevant: score(trueBlock), r2Other: score(others) };
  });
}
