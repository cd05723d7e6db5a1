// The embedded default world: one world that exercises both layers, with a real ONNX generalist.
//
// Each step has a latent state s_t in R^D made of task blocks (block B_i of task i) and irrelevant
// coordinates. Every coordinate group evolves on its own (block-diagonal dynamics), so nothing
// outside B_i carries information about task i. Steps are grouped into segments of L steps; a
// segment serves some tasks. At a step serving task i the agent acts through task i's block,
// a_t^i = policy_i(s_t[B_i]) (vector-valued, nonlinear), and the task variable g_i (dimension dg >=
// |B_i|) collects those actions: g_i = sum_t a_t^i W_i + noise, a collider as Theorem 1 needs.
// Observations are o_t = f(s_t) through a random invertible nonlinear map, and the generalist
// encoder (built as ONNX: MatMul, Add, LeakyRelu) computes an entangled but invertible
// z_t = phi(s_t) from o_t, i.e. phi(f^{-1}(o_t)), so Layer 2 must undo phi to find each block.
import { SpecialistError } from '../core/errors.ts';
import { checkAllocation, checkCount } from '../core/validate.ts';
import { buildOnnxModel, type NodeSpec, type TensorSpec } from '../onnx/builder.ts';
import { appendStages, type NetworkStage } from '../onnx/export-network.ts';
import { createRng, type Rng } from '../core/random.ts';
import { laplace, leakyRelu, wellConditioned, type Mat } from './random-maps.ts';

/** The size and shape of a generalist world; each option documents its default. */
export interface GeneralistWorldOptions {
  /** Episodes n. Default 2000. */
  episodes?: number;
  /** Steps T. Default 12. */
  steps?: number;
  /** Segment length L. Default 2. */
  segmentLength?: number;
  /** Block size of each task's latent coordinates; the number of tasks M is its length. Default [2, 3, 2]. */
  blockSizes?: number[];
  /** Latent coordinates that no task uses. Default 2. */
  irrelevantDims?: number;
  /** Dimension of each task variable (at least its block size). Default: the block size + 1. */
  taskDim?: number;
  /** Negative-side slope of the leaky ReLUs in f and phi: 1 is linear, smaller is more nonlinear. Default 0.5. */
  slope?: number;
  /** Range of the singular values of each block's transition matrix (chain strength). Default [0.2, 0.5]. */
  carryOver?: [number, number];
  /**
   * Width W of the generalist's output. Real encoders give 384-2048 numbers per input that are an
   * injective function of a much smaller state: with W > D the encoder lifts phi(s) to W numbers,
   * z = leaky(phi(s) A + b), A a random D x W Gaussian matrix (full row rank, so z determines phi(s):
   * injective, and the latents are rank D inside R^W). Default: D (no lift; the latents are phi(s)).
   */
  latentWidth?: number;
  /** Default 0. */
  seed?: number;
}

/**
 * The data and truth of generalistWorld: observations, states, task variables, the encoder's ONNX
 * bytes and the known blocks.
 */
export interface GeneralistWorld {
  /** o_t, [n, T, D]. */
  observations: Float32Array;
  /** The true latent states s_t, [n, T, D] (for evaluation only). */
  states: Float32Array;
  /** g, [n, M, dg]. */
  tasks: Float32Array;
  /**
   * Each step's own contribution to each task variable, a_t^i W_i, [n, T, M, dg] (zero where the
   * step does not serve the task): per-step targets for the heads, much stronger than g itself.
   */
  contributions: Float32Array;
  /** The generalist encoder o_t -> z_t = phi(s_t) (lifted to latentWidth) as an ONNX model (input "observation" [batch, D], output "latent" [batch, W]). */
  encoderOnnx: Uint8Array;
  truth: {
    /** N x M, 1 where segment k serves task i (row-major). */
    relation: Uint8Array;
    /** Coordinates of s in each task's block. */
    blocks: number[][];
    /** Coordinates of s that no task uses. */
    irrelevant: number[];
    /** phi (and the lift) as network stages: runStages(states, rows, phi) gives the latents the encoder must produce. */
    phi: NetworkStage[];
  };
  shapes: { observations: [number, number, number]; tasks: [number, number, number]; relation: [number, number] };
  /** latentDims: D, the width of the true state; latentWidth: W, the width of the encoder's output. */
  params: Required<GeneralistWorldOptions> & { latentDims: number; segments: number };
}


/** Gauss-Jordan inverse with partial pivoting (the matrices here are small and well conditioned). */
export function invert(m: Mat): Mat {
  const d = m.rows;
  const a = Array.from({ length: d }, (_, r) => [...Array.from(m.data.subarray(r * d, r * d + d)), ...Array.from({ length: d }, (_, c) => (c === r ? 1 : 0))]);
  for (let col = 0; col < d; col++) {
    let pivot = col;
    for (let r = col + 1; r < d; r++) if (Math.abs(a[r][col]) > Math.abs(a[pivot][col])) pivot = r;
    [a[col], a[pivot]] = [a[pivot], a[col]];
    const p = a[col][col];
    if (Math.abs(p) < 1e-12) throw new SpecialistError('INTERNAL', 'singular matrix in the synthetic world');
    for (let c = 0; c < 2 * d; c++) a[col][c] /= p;
    for (let r = 0; r < d; r++) {
      if (r === col) continue;
      const f = a[r][col];
      if (f !== 0) for (let c = 0; c < 2 * d; c++) a[r][c] -= f * a[col][c];
    }
  }
  return { data: Float64Array.from(a.flatMap((row) => row.slice(d))), rows: d, cols: d };
}

/** An invertible map x -> leaky(x W1 + b1) W2 + b2 (row vectors), with its parameters. */
interface InvertibleMap {
  slope: number;
  w1: Mat;
  b1: Float64Array;
  w2: Mat;
  b2: Float64Array;
}

function randomInvertibleMap(rng: Rng, d: number, slope: number): InvertibleMap & { slope: number } {
  return {
    w1: wellConditioned(rng, d, 0.6, 1.6),
    b1: Float64Array.from({ length: d }, () => 0.3 * rng.normal()),
    w2: wellConditioned(rng, d, 0.6, 1.6),
    b2: Float64Array.from({ length: d }, () => 0.3 * rng.normal()),
    slope,
  };
}

function rowTimes(x: ArrayLike<number>, w: Mat, b: ArrayLike<number>): Float64Array {
  const out = Float64Array.from(b);
  for (let i = 0; i < w.rows; i++) for (let j = 0; j < w.cols; j++) out[j] += x[i] * w.data[i * w.cols + j];
  return out;
}

function applyMap(map: InvertibleMap, x: ArrayLike<number>): Float64Array {
  return rowTimes(rowTimes(x, map.w1, map.b1).map((v) => leakyRelu(v, map.slope)), map.w2, map.b2);
}

function dense(w: Mat, b: Float64Array, activation: 'identity' | 'leakyRelu', slope = 1): NetworkStage {
  return { kind: 'dense', din: w.rows, dout: w.cols, w: Float32Array.from(w.data), b: Float32Array.from(b), activation, slope };
}

/** Stages of phi(f^{-1}(o)): invert f layer by layer (leaky's inverse is leaky with slope 1/slope), then phi. */
function encoderStages(f: InvertibleMap, phi: InvertibleMap): NetworkStage[] {
  const w2inv = invert(f.w2);
  const w1inv = invert(f.w1);
  const negate = (v: Float64Array, m: Mat) => rowTimes(v, m, new Float64Array(m.cols)).map((x) => -x);
  return [
    dense(w2inv, negate(f.b2, w2inv), 'leakyRelu', 1 / f.slope),
    dense(w1inv, negate(f.b1, w1inv), 'identity'),
    dense(phi.w1, phi.b1, 'leakyRelu', phi.slope),
    dense(phi.w2, phi.b2, 'identity'),
  ];
}

/**
 * The lift of phi(s) to W numbers: a dense D -> W stage with a leaky ReLU. Drawn from its own
 * stream, so the world without a lift is the same world as before the option existed.
 */
function liftStage(seed: number, D: number, W: number, slope: number): NetworkStage {
  const rng = createRng((seed ^ 0x1f7a3c5d) >>> 0);
  const w = { data: Float64Array.from({ length: D * W }, () => rng.normal() / Math.sqrt(D)), rows: D, cols: W };
  return dense(w, Float64Array.from({ length: W }, () => 0.3 * rng.normal()), 'leakyRelu', slope);
}

/** N x M relation (row-major): every task serves at least two segments, and at least one segment serves none (when N > M). */
export function drawRelation(rng: Rng, N: number, M: number): Uint8Array {
  // Each task serves at least two segments (so the pairwise method can see it); tasks interleave.
  for (;;) {
    const relation = new Uint8Array(N * M);
    for (let i = 0; i < M; i++) {
      const count = 2 + rng.int(Math.max(1, Math.ceil(N / 2) - 1));
      // Fisher-Yates: the same order on every engine (a random sort comparator is not).
      const order = Array.from({ length: N }, (_, k) => k);
      for (let k = N - 1; k > 0; k--) {
        const j = rng.int(k + 1);
        [order[k], order[j]] = [order[j], order[k]];
      }
      for (const k of order.slice(0, Math.min(N, count))) relation[k * M + i] = 1;
    }
    // Keep some segments that serve no task, so the truth is not all ones.
    let empty = 0;
    for (let k = 0; k < N; k++) if (relation.subarray(k * M, k * M + M).every((v) => v === 0)) empty++;
    if (empty >= 1 || N <= M) return relation;
  }
}

/**
 * A world with a known encoder: observations o = f(s) and an ONNX generalist phi(f^{-1}(o))
 * (lifted to `latentWidth`), with the truth of both layers.
 */
export function generalistWorld(options: GeneralistWorldOptions = {}): GeneralistWorld {
  const n = options.episodes ?? 2000;
  const T = options.steps ?? 12;
  const L = options.segmentLength ?? 2;
  const blockSizes = options.blockSizes ?? [2, 3, 2];
  const irrelevantDims = options.irrelevantDims ?? 2;
  const seed = options.seed ?? 0;
  const slope = options.slope ?? 0.5;
  const carryOver = options.carryOver ?? [0.2, 0.5];
  checkCount('episodes', n, 2, 10_000_000);
  checkCount('steps', T, 2, 10_000);
  // The dims enter D x D maps (cubic cost to draw and invert): D at most 1024.
  if (!Array.isArray(blockSizes) || blockSizes.length < 1 || blockSizes.length > 64) throw new SpecialistError('INVALID_ARGUMENT', 'blockSizes must list 1 to 64 block sizes', { argument: 'blockSizes' });
  blockSizes.forEach((b, i) => checkCount(`blockSizes[${i}]`, b, 1, 256));
  checkCount('irrelevantDims', irrelevantDims, 0, 1024);
  checkCount('latent dims (the block sizes and irrelevantDims)', blockSizes.reduce((a, b) => a + b, 0) + irrelevantDims, 1, 1024);
  const M = blockSizes.length;
  const taskDim = options.taskDim ?? Math.max(...blockSizes) + 1;
  checkCount('taskDim', taskDim, 1, 1024);
  if (!Number.isInteger(L) || L < 2 || !Number.isInteger(T) || T % L !== 0 || T < 2 * L) {
    throw new SpecialistError('INVALID_ARGUMENT', `steps (${T}) must be a multiple of segmentLength (${L} >= 2) with at least two segments`);
  }
  if (!(slope > 0 && slope <= 1)) throw new SpecialistError('INVALID_ARGUMENT', `slope must be in (0, 1], got ${slope}`);
  if (!(carryOver[0] > 0 && carryOver[0] <= carryOver[1] && carryOver[1] < 1)) throw new SpecialistError('INVALID_ARGUMENT', `carryOver must satisfy 0 < lo <= hi < 1, got [${carryOver.join(', ')}]`);
  if (taskDim < Math.max(...blockSizes)) throw new SpecialistError('INVALID_ARGUMENT', `taskDim (${taskDim}) must be at least the largest block (${Math.max(...blockSizes)}) so each signal pins its block down`);
  const N = T / L;
  const D = blockSizes.reduce((a, b) => a + b, 0) + irrelevantDims;
  const W = options.latentWidth ?? D;
  checkCount(`latentWidth (at least the ${D} latent dims)`, W, D, 4096);
  const rng = createRng(seed);

  const blocks: number[][] = [];
  let next = 0;
  for (const size of blockSizes) blocks.push(Array.from({ length: size }, () => next++));
  const irrelevant = Array.from({ length: irrelevantDims }, () => next++);
  const groups = [...blocks, ...irrelevant.map((c) => [c])];
  const relation = drawRelation(rng, N, M);

  // Block-diagonal AR(1) dynamics, stable; per task a two-layer nonlinear policy on its block.
  const dynamics = groups.map((g) => ({ coords: g, a: wellConditioned(rng, g.length, carryOver[0], carryOver[1]) }));
  const policies = blocks.map((b) => ({ w1: wellConditioned(rng, b.length, 0.8, 1.5), w2: wellConditioned(rng, b.length, 0.8, 1.5) }));
  // One map per task, shared by its steps: the head of task i then learns one relation from a step's
  // block to g_i (per-step maps would average out over the steps it pools).
  const taskMaps = blocks.map((b) => Float64Array.from({ length: b.length * taskDim }, () => rng.normal() / Math.sqrt(b.length)));
  const f = randomInvertibleMap(rng, D, slope);
  const phi = randomInvertibleMap(rng, D, slope);

  checkAllocation(`contributions [episodes, steps, tasks, taskDim] = [${n}, ${T}, ${M}, ${taskDim}]`, n * T * M * taskDim);
  checkAllocation(`observations [episodes, steps, dims] = [${n}, ${T}, ${D}]`, n * T * D);
  const states = new Float32Array(n * T * D);
  const observations = new Float32Array(n * T * D);
  const tasks = new Float32Array(n * M * taskDim);
  const contributions = new Float32Array(n * T * M * taskDim);
  const s = new Float64Array(D);
  for (let e = 0; e < n; e++) {
    for (let j = 0; j < D; j++) s[j] = rng.normal();
    const g = new Float64Array(M * taskDim);
    for (let t = 0; t < T; t++) {
      const segment = Math.floor(t / L);
      states.set(s, (e * T + t) * D);
      observations.set(applyMap(f, s), (e * T + t) * D);
      for (let i = 0; i < M; i++) {
        if (!relation[segment * M + i]) continue;
        const local = blocks[i].map((c) => s[c]);
        const h = rowTimes(local, policies[i].w1, new Float64Array(local.length)).map((v) => Math.tanh(v) + 0.3 * v);
        const action = rowTimes(h, policies[i].w2, new Float64Array(local.length)).map((v) => v + 0.2 * laplace(rng));
        const map = taskMaps[i];
        const base = ((e * T + t) * M + i) * taskDim;
        for (let a = 0; a < action.length; a++) {
          for (let q = 0; q < taskDim; q++) {
            const v = action[a] * map[a * taskDim + q];
            g[i * taskDim + q] += v;
            contributions[base + q] += v;
          }
        }
      }
      const nextState = new Float64Array(D);
      for (const { coords, a } of dynamics) {
        const v = rowTimes(coords.map((c) => s[c]), a, new Float64Array(coords.length));
        coords.forEach((c, q) => (nextState[c] = v[q] + 0.6 * rng.normal()));
      }
      s.set(nextState);
    }
    for (let q = 0; q < M * taskDim; q++) tasks[e * M * taskDim + q] = g[q] + 0.3 * rng.normal();
  }

  const stages = [...encoderStages(f, phi), ...(W > D ? [liftStage(seed, D, W, slope)] : [])];
  const nodes: NodeSpec[] = [];
  const initializers: TensorSpec[] = [];
  const z = appendStages(nodes, initializers, 'observation', 'phi_finv', stages);
  nodes.push({ op: 'Identity', inputs: [z], outputs: ['latent'] });
  const encoderOnnx = buildOnnxModel({
    graphName: 'synthetic-generalist',
    inputs: [{ name: 'observation', shape: ['batch', D] }],
    outputs: [{ name: 'latent', shape: ['batch', W] }],
    initializers,
    nodes,
    metadata: { world: 'specialist generalist world', seed: String(seed) },
  });

  return {
    observations,
    states,
    tasks,
    contributions,
    encoderOnnx,
    truth: { relation, blocks, irrelevant, phi: stages.slice(2) },
    shapes: { observations: [n, T, D], tasks: [n, M, taskDim], relation: [N, M] },
    params: { episodes: n, steps: T, segmentLength: L, blockSizes, irrelevantDims, taskDim, slope, carryOver, latentWidth: W, seed, latentDims: D, segments: N },
  };
}
