// Worlds that test the level of Layer 1's tests where data stop being tame (issue 19): random walks
// with small innovations, relations that are nearly deterministic, task variables with ties,
// states observed through a redundant linear map, and data with nothing to find. All follow the
// skeleton of structure-worlds.ts (the same relation for a seed), so their truth is known:
//
// randomWalkWorld         s_{t+1} = s_t + sigma a_t, a_t standard normal (or -1 / 0 / 1:
//                         integer states, many ties), g_i = sum_t W h(a_t) + noise: every state is
//                         within sigma of its neighbours, so x is nearly a linear function of z
// nearDeterministicWorld  s_{t+1} = A s_t + b + sigma e, a_t = s_t^2 + sigma e (elementwise),
//                         g_i = sum_t W a_t + sigma e: x is nearly an affine function of z and g
//                         nearly a quadratic one (the x = 2a + 1, y = a^2, z = a); with
//                         sigma = 0 every state is a function of the previous one and no cell can
//                         be detected: the answer is all zeros
// liftedStates            observations o_t = s_t M (M of d x width, width > d): rank d inside width
// independentWorld        states and tasks drawn independently (Gaussian, Student t, Cauchy):
//                         every cell and every diagnostic pair is null
import { SpecialistError } from '../core/errors.ts';
import { createRng, type Rng } from '../core/random.ts';
import { checkAllocation, checkCount } from '../core/validate.ts';
import { multiply, orthogonal, scaled } from './random-maps.ts';
import { drawSkeleton, simulate, studentT, worldOf, type Episode, type StructureWorld, type StructureWorldOptions } from './structure-worlds.ts';

/** Options of randomWalkWorld: the structure world's, with the walk's innovation scale and reads. */
export interface RandomWalkOptions extends Omit<StructureWorldOptions, 'noise' | 'breakProbability'> {
  /** Scale sigma of each step's innovation relative to the first state's spread. Default 0.01. */
  innovation?: number;
  /** How a task reads an action: 'linear' (default), 'tanh' (monotone), 'square' (not monotone: no correlation to see). */
  reads?: 'linear' | 'tanh' | 'square';
  /** Innovations of -1, 0 or 1 and integer first states: integer states with many ties. Default false. */
  discrete?: boolean;
  /** Round each task variable to an integer (ties in y). Default false. */
  integerTasks?: boolean;
}

function checkScale(name: string, value: number, max: number): number {
  if (!(value >= 0 && value <= max)) throw new SpecialistError('INVALID_ARGUMENT', `${name} must be in [0, ${max}], got ${value}`, { argument: name, value });
  return value;
}

const READS = { linear: (a: number) => a, tanh: (a: number) => Math.tanh(a), square: (a: number) => a * a - 1 };

/** Rounds every task variable of the world to an integer (in place). */
function roundTasks(world: StructureWorld): StructureWorld {
  for (let i = 0; i < world.tasks.length; i++) world.tasks[i] = Math.round(world.tasks[i]);
  return world;
}

/**
 * A structure world whose states are a random walk with small innovations (see the top of this
 * file): x nearly a linear function of z, a hostile null for tests that assume otherwise.
 */
export function randomWalkWorld(options: RandomWalkOptions): StructureWorld {
  const sigma = checkScale('innovation', options.innovation ?? 0.01, 10);
  const read = READS[options.reads ?? 'linear'];
  if (!read) throw new SpecialistError('INVALID_ARGUMENT', `reads must be 'linear', 'tanh' or 'square', got ${String(options.reads)}`, { argument: 'reads' });
  const { r, rng, relation, broken, steps, taskMaps } = drawSkeleton({ ...options, breakProbability: 0 });
  const noise = rng.fork();
  const discrete = options.discrete ?? false;
  const innovation = () => (discrete ? noise.int(3) - 1 : noise.normal());
  const world: Episode = {
    init: (s) => s.forEach((_, j) => (s[j] = discrete ? Math.round(10 * noise.normal()) : noise.normal())),
    // The action is the innovation itself; the task reads it through h.
    act: (s) => Float64Array.from(s, () => innovation()),
    step: (s, a) => s.map((v, j) => v + (discrete ? a[j] : sigma * a[j])),
    observe: (s, _t, out, offset) => out.set(s, offset),
    taskNoise: () => noise.normal(),
    read: (a) => a.map(read),
  };
  const made = worldOf('random-walk', r, simulate(r, world, taskMaps, steps, broken), relation, broken, 1);
  return options.integerTasks ? roundTasks(made) : made;
}

/** Options of nearDeterministicWorld: the structure world's, with one noise scale for everything. */
export interface NearDeterministicOptions extends Omit<StructureWorldOptions, 'noise' | 'breakProbability'> {
  /** Scale sigma of every noise (states, actions, tasks) against states of unit spread. Default 0.01; 0 is deterministic. */
  noise?: number;
}

/**
 * A structure world whose states, actions and tasks are nearly functions of the previous state
 * (see the top of this file); with noise 0 no cell can be detected and the truth is all zeros.
 */
export function nearDeterministicWorld(options: NearDeterministicOptions): StructureWorld {
  const sigma = checkScale('noise', options.noise ?? 0.01, 10);
  const { r, rng, relation, broken, steps, taskMaps } = drawSkeleton({ ...options, noise: undefined, breakProbability: 0 });
  // A contraction times a rotation and an offset: states keep a spread of about 1 over T steps.
  const A = scaled(orthogonal(rng, r.d), 0.95);
  const b = Float64Array.from({ length: r.d }, () => 0.3 * rng.normal());
  const noise = rng.fork();
  const world: Episode = {
    init: (s) => s.forEach((_, j) => (s[j] = noise.normal())),
    act: (s) => s.map((v) => v * v - 1 + sigma * noise.normal()),
    step: (s) => multiply(A, s).map((v, j) => v + b[j] + sigma * noise.normal()),
    observe: (s, _t, out, offset) => out.set(s, offset),
    taskNoise: () => sigma * noise.normal(),
  };
  return worldOf('near-deterministic', r, simulate(r, world, taskMaps, steps, broken), relation, broken, 0.95);
}

/**
 * The world's states observed through one random linear map M (d x width, Gaussian entries):
 * o_t = s_t M, rank d inside `width` numbers, plus `noise` standard deviations of independent
 * noise per number (0: exactly rank-deficient; small: nearly collinear). Tasks and truth unchanged.
 */
export function liftedStates(world: StructureWorld, width: number, options: { noise?: number; seed?: number } = {}): StructureWorld {
  const [n, T, d] = world.shapes.states;
  checkCount('width', width, d, 4096);
  const noise = checkScale('noise', options.noise ?? 0, 10);
  checkAllocation(`lifted states [${n}, ${T}, ${width}]`, n * T * width);
  const rng = createRng(options.seed ?? 0);
  const m = Float64Array.from({ length: d * width }, () => rng.normal() / Math.sqrt(d));
  const states = new Float32Array(n * T * width);
  for (let q = 0; q < n * T; q++) {
    for (let j = 0; j < width; j++) {
      let v = 0;
      for (let c = 0; c < d; c++) v += world.states[q * d + c] * m[c * width + j];
      states[q * width + j] = v + (noise > 0 ? noise * rng.normal() : 0);
    }
  }
  return { ...world, states, shapes: { ...world.shapes, states: [n, T, width] } };
}

/** Options of independentWorld: sizes, the law of every number, the seed. */
export interface IndependentWorldOptions {
  /** Episodes n. */
  episodes: number;
  /** Steps T. */
  steps: number;
  /** Tasks M. */
  tasks: number;
  /** Numbers per state d. Default 1. */
  dim?: number;
  /** Numbers per task dg. Default 1. */
  taskDim?: number;
  /** Law of every number: 'gaussian' (default), 'cauchy', or Student t with `studentT` degrees of freedom. */
  law?: 'gaussian' | 'cauchy' | { studentT: number };
  /** Seed of the draws. Default 0. */
  seed?: number;
}

function drawLaw(rng: Rng, law: IndependentWorldOptions['law']): () => number {
  if (law === undefined || law === 'gaussian') return () => rng.normal();
  if (law === 'cauchy') return () => Math.tan(Math.PI * (rng.next() - 0.5));
  return studentT(rng, law?.studentT, 'law');
}

/** States [n, T, d] and tasks [n, M, dg] with every number drawn independently: the relation is all zeros. */
export function independentWorld(options: IndependentWorldOptions): { states: Float32Array; tasks: Float32Array; shapes: { states: [number, number, number]; tasks: [number, number, number] } } {
  const n = checkCount('episodes', options.episodes, 1, 10_000_000);
  const T = checkCount('steps', options.steps, 1, 10_000);
  const M = checkCount('tasks', options.tasks, 1, 1024);
  const d = checkCount('dim', options.dim ?? 1, 1, 4096);
  const dg = checkCount('taskDim', options.taskDim ?? 1, 1, 1024);
  checkAllocation(`states [${n}, ${T}, ${d}]`, n * T * d);
  const draw = drawLaw(createRng(options.seed ?? 0), options.law);
  return {
    states: Float32Array.from({ length: n * T * d }, draw),
    tasks: Float32Array.from({ length: n * M * dg }, draw),
    shapes: { states: [n, T, d], tasks: [n, M, dg] },
  };
}
