// Seeded synthetic worlds with a known segment-task relation (the model of the paper, arXiv:2605.12733).
//
// Both worlds share one skeleton per episode, t = 1..T:
//   a_t     = policy(s_t) + action noise
//   s_{t+1} = transition(s_t, a_t) + state noise, or fresh noise where the chain is broken
//   g_i     = sum over the steps t of task i's segments of W_{i,t} a_t + task noise  (a collider)
// The relation (which segments serve which task) and the broken steps are drawn once per world,
// so they are the same in every episode, as the method assumes.
//
// linearColliderWorld: linear policy and transition, Gaussian noise (the paper's synthetic model).
// nonlinearWorld: tanh / leaky-ReLU policy and transition, Laplace and uniform noise, and every
// step observed through its own random invertible nonlinear map o_t = f_t(s_t).

import { SpecialistError } from '../core/errors.ts';
import { checkAllocation, checkCount } from '../core/validate.ts';
import { createRng, type Rng } from '../core/random.ts';
import {
  add, gaussianMatrix, laplace, leakyRelu, multiply, multiplyAdd, product, signedUniformMatrix, spectralNorm,
  uniformUnit, wellConditioned, withNorm, type Mat,
} from './random-maps.ts';

/**
 * The size and shape of a structure world: episodes, steps, tasks, state width, segment length,
 * the relation (or how many segments serve each task), breaks and seed.
 */
export interface StructureWorldOptions {
  /** Episodes n (samples). */
  episodes: number;
  /** Steps T; must be a multiple of segmentLength. */
  steps: number;
  /** Tasks M. */
  tasks: number;
  /** Dimensions d of each step. Default 1. */
  dim?: number;
  /** Dimensions dg of each task variable. Default 1. */
  taskDim?: number;
  /** Segment length L. Default 2. */
  segmentLength?: number;
  /**
   * Segments per task, as [min, max] (each task draws its count uniformly) or one number.
   * Default [2, max(2, ceil(N / 2))], capped at N: every task touches at least two segments.
   */
  segmentsPerTask?: number | readonly [number, number];
  /** A fixed truth instead of a random one: N x M of 0/1, row-major (segment k, task i at k * M + i). */
  relation?: ArrayLike<number>;
  /**
   * How a task reads its actions: 'per-step' (default), a fresh random map W_{i,t} for every
   * step, g_i = sum_t W_{i,t} a_t + noise; 'per-task', one random map W_i for all of task i's
   * steps. With 'per-step' the two actions of a segment can reach g_i with opposite signs and
   * cancel each other's trace in the representative (see docs/structure.md); with 'per-task' the
   * same cancellation, when it happens, hits every segment of the world at once.
   */
  taskMaps?: 'per-task' | 'per-step';
  /** Probability that the transition into a step is replaced by fresh noise (a broken chain). Default 0. */
  breakProbability?: number;
  /**
   * Noise of linearColliderWorld (every draw: first state, actions, transitions, tasks): 'gaussian'
   * (default, the paper's) or Student t with `studentT` degrees of freedom (1 is Cauchy), for
   * heavy-tailed worlds.
   */
  noise?: 'gaussian' | { studentT: number };
  /** Default 0. */
  seed?: number;
}

/**
 * A world with a known segment-task relation: states, task variables and the truth Layer 1 should
 * find.
 */
export interface StructureWorld {
  /** [n, T, d] row-major: episode e, step t, dim j at (e * T + t) * d + j. */
  states: Float32Array;
  /** [n, M, dg] row-major. */
  tasks: Float32Array;
  /** N x M truth, 1 where segment k serves task i, at k * M + i. */
  relation: Uint8Array;
  shapes: { states: [number, number, number]; tasks: [number, number, number]; relation: [number, number] };
  params: {
    kind: 'linear' | 'nonlinear' | 'random-walk' | 'near-deterministic';
    seed: number;
    segmentLength: number;
    segments: number;
    /** 0-based steps t whose state s_t is fresh noise (the chain from t - 1 is broken). */
    brokenSteps: number[];
    /** Closed-loop spectral norm of the state recursion (below 1: stable). */
    closedLoopNorm: number;
  };
}

export interface Resolved {
  n: number;
  T: number;
  M: number;
  d: number;
  dg: number;
  L: number;
  N: number;
  seed: number;
  breakProbability: number;
  taskMaps: 'per-task' | 'per-step';
}

function invalid(message: string, details: Record<string, unknown>): SpecialistError {
  return new SpecialistError('INVALID_ARGUMENT', message, details);
}

function resolve(options: StructureWorldOptions): Resolved {
  // Bounds: the dims enter d x d maps (cubic cost); products of sizes are checked against one array's limit.
  const n = checkCount('episodes', options.episodes, 1, 10_000_000);
  const T = checkCount('steps', options.steps, 2, 10_000);
  const M = checkCount('tasks', options.tasks, 1, 1024);
  const d = checkCount('dim', options.dim ?? 1, 1, 1024);
  const dg = checkCount('taskDim', options.taskDim ?? 1, 1, 1024);
  const L = checkCount('segmentLength', options.segmentLength ?? 2, 1, T);
  if (T % L !== 0) throw invalid(`steps T = ${T} is not a multiple of segmentLength L = ${L}`, { argument: 'steps', steps: T, segmentLength: L });
  const breakProbability = options.breakProbability ?? 0;
  if (!(breakProbability >= 0 && breakProbability <= 1)) {
    throw invalid(`breakProbability must be in [0, 1], got ${breakProbability}`, { argument: 'breakProbability', value: breakProbability });
  }
  const seed = options.seed ?? 0;
  if (!Number.isFinite(seed)) throw invalid(`seed must be finite, got ${seed}`, { argument: 'seed', value: seed });
  const taskMaps = options.taskMaps ?? 'per-step';
  if (taskMaps !== 'per-task' && taskMaps !== 'per-step') throw invalid(`taskMaps must be 'per-task' or 'per-step', got ${String(taskMaps)}`, { argument: 'taskMaps', value: taskMaps });
  return { n, T, M, d, dg, L, N: T / L, seed, breakProbability, taskMaps };
}

/** Draws (or checks) the N x M truth: each task a random set of segments; not all 0, not all 1. */
function drawRelation(rng: Rng, r: Resolved, options: StructureWorldOptions): Uint8Array {
  const { N, M } = r;
  if (options.relation !== undefined) {
    if (options.relation.length !== N * M) {
      throw new SpecialistError('SHAPE_MISMATCH', `relation holds ${options.relation.length} values, expected N x M = ${N} x ${M}`, { argument: 'relation', length: options.relation.length, segments: N, tasks: M });
    }
    return Uint8Array.from(options.relation, (v) => (v ? 1 : 0));
  }
  const spec = options.segmentsPerTask ?? [Math.min(2, N), Math.min(N, Math.max(2, Math.ceil(N / 2)))];
  const [lo, hi] = typeof spec === 'number' ? [spec, spec] : spec;
  if (!Number.isInteger(lo) || !Number.isInteger(hi) || lo < 1 || hi < lo || hi > N) {
    throw invalid(`segmentsPerTask must satisfy 1 <= min <= max <= N = ${N}, got [${lo}, ${hi}]`, { argument: 'segmentsPerTask', min: lo, max: hi, segments: N });
  }
  for (let attempt = 0; attempt < 100; attempt++) {
    const relation = new Uint8Array(N * M);
    for (let i = 0; i < M; i++) {
      const count = lo + rng.int(hi - lo + 1);
      const order = Array.from({ length: N }, (_, k) => k);
      for (let j = 0; j < count; j++) {
        const pick = j + rng.int(N - j);
        [order[j], order[pick]] = [order[pick], order[j]];
        relation[order[j] * M + i] = 1;
      }
    }
    const ones = relation.reduce((s, v) => s + v, 0);
    if (ones > 0 && ones < N * M) return relation;
  }
  throw invalid(`segmentsPerTask [${lo}, ${hi}] with N = ${N} segments always gives a relation of all 1s`, { argument: 'segmentsPerTask', min: lo, max: hi, segments: N });
}

/** Steps (0-based) serving each task, from the segment relation. */
function stepsOfTasks(relation: Uint8Array, r: Resolved): number[][] {
  const out: number[][] = Array.from({ length: r.M }, () => []);
  for (let t = 0; t < r.T; t++) {
    const k = Math.floor(t / r.L);
    for (let i = 0; i < r.M; i++) if (relation[k * r.M + i]) out[i].push(t);
  }
  return out;
}

function drawBroken(rng: Rng, r: Resolved): Uint8Array {
  const broken = new Uint8Array(r.T);
  for (let t = 1; t < r.T; t++) broken[t] = rng.next() < r.breakProbability ? 1 : 0;
  return broken;
}

/** Per-task, per-step maps W_{i,t} (dg x d) for the steps that serve the task. */
function drawTaskMaps(rng: Rng, r: Resolved, steps: number[][], kind: 'per-task' | 'per-step'): Mat[][] {
  return steps.map((ts) => {
    const shared = signedUniformMatrix(rng, r.dg, r.d, 0.5, 1.5);
    return ts.map(() => (kind === 'per-task' ? shared : signedUniformMatrix(rng, r.dg, r.d, 0.5, 1.5)));
  });
}

/**
 * Transition A, B and policy gain K with spectral norms drawn independently in [0.2, 0.4],
 * [0.5, 0.75] and [0.5, 0.75]: the closed loop A + B K then has norm at most 0.97, so it is stable
 * without any rejection step (a rejection step would favour some sign patterns over others and
 * so bias how strongly a state drives its action once the next state is known).
 */
function drawDynamics(rng: Rng, d: number): { A: Mat; B: Mat; K: Mat; closedLoopNorm: number } {
  const A = withNorm(gaussianMatrix(rng, d, d), 0.2 + 0.2 * rng.next());
  const B = withNorm(gaussianMatrix(rng, d, d), 0.5 + 0.25 * rng.next());
  const K = withNorm(gaussianMatrix(rng, d, d), 0.5 + 0.25 * rng.next());
  return { A, B, K, closedLoopNorm: spectralNorm(add(A, product(B, K))) };
}

export interface Episode {
  /** Fills s (length d) with the first state. */
  init(s: Float64Array): void;
  /** The action at state s. */
  act(s: Float64Array, t: number): Float64Array;
  /** The next state (without the broken-chain case). */
  step(s: Float64Array, a: Float64Array, t: number): Float64Array;
  /** Writes the observation of s at step t into out at offset. */
  observe(s: Float64Array, t: number, out: Float32Array, offset: number): void;
  taskNoise(): number;
  /** What a task variable reads of an action (default: the action itself). */
  read?(a: Float64Array): Float64Array;
}

export function simulate(r: Resolved, world: Episode, taskMaps: Mat[][], steps: number[][], broken: Uint8Array): { states: Float32Array; tasks: Float32Array } {
  const { n, T, M, d, dg } = r;
  checkAllocation(`states [episodes, steps, dim] = [${n}, ${T}, ${d}]`, n * T * d);
  checkAllocation(`tasks [episodes, tasks, taskDim] = [${n}, ${M}, ${dg}]`, n * M * dg);
  const states = new Float32Array(n * T * d);
  const tasks = new Float32Array(n * M * dg);
  const actions: Float64Array[] = new Array(T);
  // Position of step t in each task's list of maps (or -1).
  const slot = steps.map((ts) => {
    const at = new Int32Array(T).fill(-1);
    ts.forEach((t, j) => (at[t] = j));
    return at;
  });
  let s: Float64Array = new Float64Array(d);
  for (let e = 0; e < n; e++) {
    world.init(s);
    for (let t = 0; t < T; t++) {
      world.observe(s, t, states, (e * T + t) * d);
      actions[t] = world.act(s, t);
      if (t + 1 < T) {
        if (broken[t + 1]) {
          s = new Float64Array(d);
          world.init(s);
        } else s = world.step(s, actions[t], t);
      }
    }
    for (let i = 0; i < M; i++) {
      const g = new Float64Array(dg);
      for (let t = 0; t < T; t++) if (slot[i][t] >= 0) multiplyAdd(taskMaps[i][slot[i][t]], world.read ? world.read(actions[t]) : actions[t], g);
      for (let j = 0; j < dg; j++) tasks[(e * M + i) * dg + j] = g[j] + world.taskNoise();
    }
  }
  checkGenerated(states, 'states');
  checkGenerated(tasks, 'tasks');
  return { states, tasks };
}

function checkGenerated(data: Float32Array, name: string): void {
  for (let i = 0; i < data.length; i++) {
    if (!Number.isFinite(data[i])) throw new SpecialistError('INTERNAL', `The synthetic world produced a non-finite value in ${name} at index ${i}`, { argument: name, index: i });
  }
}

export function worldOf(kind: StructureWorld['params']['kind'], r: Resolved, data: { states: Float32Array; tasks: Float32Array }, relation: Uint8Array, broken: Uint8Array, closedLoopNorm: number): StructureWorld {
  return {
    states: data.states,
    tasks: data.tasks,
    relation,
    shapes: { states: [r.n, r.T, r.d], tasks: [r.n, r.M, r.dg], relation: [r.N, r.M] },
    params: {
      kind,
      seed: r.seed,
      segmentLength: r.L,
      segments: r.N,
      brokenSteps: [...broken.keys()].filter((t) => broken[t]),
      closedLoopNorm,
    },
  };
}

/** What every world draws first, in this order (so a seed gives the same relation in all). */
export function drawSkeleton(options: StructureWorldOptions) {
  const r = resolve(options);
  const rng = createRng(r.seed);
  const relation = drawRelation(rng, r, options);
  const broken = drawBroken(rng, r);
  const steps = stepsOfTasks(relation, r);
  const taskMaps = drawTaskMaps(rng, r, steps, r.taskMaps);
  const { A, B, K, closedLoopNorm } = drawDynamics(rng, r.d);
  return { r, rng, relation, broken, steps, taskMaps, A, B, K, closedLoopNorm };
}

/**
 * The paper's linear Gaussian collider world: a_t = K s_t + e, s_{t+1} = A s_t + B a_t + e,
 * g_i = sum_t W_{i,t} a_t + e with standard normal noise everywhere. Task maps W have entries of
 * magnitude 0.5..1.5; the closed loop A + B K is stable (spectral norm <= 0.9).
 */
export function linearColliderWorld(options: StructureWorldOptions): StructureWorld {
  const { r, rng, relation, broken, steps, taskMaps, A, B, K, closedLoopNorm } = drawSkeleton(options);
  const noise = rng.fork();
  const draw = noiseOf(noise, options.noise);
  const world: Episode = {
    init: (s) => s.forEach((_, j) => (s[j] = draw())),
    act: (s) => multiply(K, s).map((v) => v + draw()),
    step: (s, a) => {
      const next = multiply(A, s);
      multiplyAdd(B, a, next);
      return next.map((v) => v + draw());
    },
    observe: (s, _t, out, offset) => out.set(s, offset),
    taskNoise: () => draw(),
  };
  return worldOf('linear', r, simulate(r, world, taskMaps, steps, broken), relation, broken, closedLoopNorm);
}

/** A standard normal draw, or a Student t draw (normal / sqrt(chi^2_df / df)) for heavy tails. */
function noiseOf(rng: Rng, noise: StructureWorldOptions['noise']): () => number {
  if (noise === undefined || noise === 'gaussian') return () => rng.normal();
  return studentT(rng, noise?.studentT, 'noise');
}

/** Draws of Student t with `df` degrees of freedom (1: Cauchy), as normal / sqrt(chi^2_df / df); `argument` names the option in the error. */
export function studentT(rng: Rng, df: number, argument: string): () => number {
  if (!Number.isInteger(df) || df < 1 || df > 1000) throw invalid(`${argument}.studentT must be an integer in [1, 1000], got ${String(df)}`, { argument, value: String(df) });
  return () => {
    let chi = 0;
    for (let k = 0; k < df; k++) chi += rng.normal() ** 2;
    return rng.normal() / Math.sqrt(chi / df);
  };
}

/** One step's invertible observation map. */
type Observation = (s: Float64Array, out: Float32Array, offset: number) => void;

/**
 * d = 1: o = alpha s + beta tanh(gamma s) + delta with alpha, beta, gamma > 0 (strictly increasing).
 * d > 1: two layers x -> leaky(W x + b) with slope 0.2 and W of singular values in [0.6, 1.4]
 * (each layer a bijection of R^d), then a third well-conditioned linear map.
 */
function drawObservation(rng: Rng, d: number): Observation {
  if (d === 1) {
    const alpha = 0.5 + rng.next();
    const beta = 0.5 + 1.5 * rng.next();
    const gamma = 1 + 2 * rng.next();
    const delta = rng.normal();
    return (s, out, offset) => {
      out[offset] = alpha * s[0] + beta * Math.tanh(gamma * s[0]) + delta;
    };
  }
  const layers = [0, 1].map(() => ({ W: wellConditioned(rng, d, 0.6, 1.4), b: Float64Array.from({ length: d }, () => 0.5 * rng.normal()) }));
  const last = wellConditioned(rng, d, 0.6, 1.4);
  return (s, out, offset) => {
    let x: Float64Array = s;
    for (const { W, b } of layers) x = multiply(W, x).map((v, j) => leakyRelu(v + b[j], 0.2));
    out.set(multiply(last, x), offset);
  };
}

/**
 * A nonlinear world: a_t = 1.5 tanh(K s_t) + Laplace noise,
 * s_{t+1} = 0.9 tanh(A s_t) + leaky(B a_t, 0.3) + uniform noise (0.5 scale),
 * g_i = sum_t W_{i,t} a_t + Laplace noise, and states observed as o_t = f_t(s_t) with a fresh
 * random invertible nonlinear f_t per step (see drawObservation). `states` holds the observations.
 */
export function nonlinearWorld(options: StructureWorldOptions): StructureWorld {
  const { r, rng, relation, broken, steps, taskMaps, A, B, K, closedLoopNorm } = drawSkeleton(options);
  const observations = Array.from({ length: r.T }, () => drawObservation(rng, r.d));
  const noise = rng.fork();
  const world: Episode = {
    init: (s) => s.forEach((_, j) => (s[j] = uniformUnit(noise))),
    act: (s) => multiply(K, s).map((v) => 1.5 * Math.tanh(v) + laplace(noise)),
    step: (s, a) => {
      const next = multiply(A, s).map((v) => 0.9 * Math.tanh(v));
      const drive = multiply(B, a);
      return next.map((v, j) => v + leakyRelu(drive[j], 0.3) + 0.5 * uniformUnit(noise));
    },
    observe: (s, t, out, offset) => observations[t](s, out, offset),
    taskNoise: () => laplace(noise),
  };
  return worldOf('nonlinear', r, simulate(r, world, taskMaps, steps, broken), relation, broken, closedLoopNorm);
}
