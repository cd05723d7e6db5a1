// The data given to discoverTaskStructure: plain typed arrays with a shape, validated into one
// float32 matrix (one row per episode; the used steps' dims, then the task variables' dims) that a
// CI test prepares once. Every problem becomes a typed error that names where it is.

import { SpecialistError } from '../core/errors.ts';
import { checkTensor, type Matrix, type Tensor } from '../core/tensor.ts';
import { toFloat32Checked, type Locate } from '../core/validate.ts';
import { episodeMismatch } from './swapped.ts';

/** Where each step and task variable sits among the columns of the assembled matrix. */
export interface Layout {
  episodes: number;
  /** Steps in the data. */
  steps: number;
  /** Steps used: segments * segmentLength (the rest is the dropped tail). */
  usedSteps: number;
  dim: number;
  tasks: number;
  taskDim: number;
  segments: number;
  segmentLength: number;
  width: number;
}

export function stepColumns(layout: Layout, step: number): number[] {
  return Array.from({ length: layout.dim }, (_, j) => step * layout.dim + j);
}

export function taskColumns(layout: Layout, task: number): number[] {
  const base = layout.usedSteps * layout.dim + task * layout.taskDim;
  return Array.from({ length: layout.taskDim }, (_, j) => base + j);
}

function shapeOf(name: string, input: Tensor, names: [string, string, string]): [number, number, number] {
  const shape = checkTensor(name, input, [2, 3], `${names[0]}, ${names[1]}[, ${names[2]}]`);
  if (!shape.every((s) => s >= 1)) {
    throw new SpecialistError('SHAPE_MISMATCH', `${name} has shape [${shape.join(', ')}]; every size must be at least 1`, { argument: name, shape: [...shape] });
  }
  return [shape[0], shape[1], shape.length === 3 ? shape[2] : 1];
}

export interface LayoutOptions {
  segmentLength: number;
  dropTail: boolean;
  /** Smallest number of segments the method can work with. */
  minSegments: number;
}

export function planLayout(states: Tensor, tasks: Tensor, options: LayoutOptions): Layout {
  const [n, T, d] = shapeOf('states', states, ['n', 'T', 'd']);
  const [nTasks, M, dg] = shapeOf('tasks', tasks, ['n', 'M', 'dg']);
  if (nTasks !== n) throw episodeMismatch('states', states.shape, tasks.shape);
  const L = options.segmentLength;
  if (!Number.isInteger(L) || L < 2) {
    throw new SpecialistError('INVALID_ARGUMENT', `segmentLength must be an integer >= 2 (the band conditioning set needs the step before each representative inside its segment), got ${L}`, {
      argument: 'segmentLength',
      value: L,
    });
  }
  const tail = T % L;
  if (tail !== 0 && !options.dropTail) {
    throw new SpecialistError('INVALID_ARGUMENT', `T = ${T} steps is not a multiple of segmentLength ${L}; pass dropTail: true to ignore the last ${tail} step(s)`, {
      argument: 'segmentLength',
      reason: 'not-divisible',
      steps: T,
      segmentLength: L,
      tail,
    });
  }
  const N = Math.floor(T / L);
  if (N < options.minSegments) {
    throw new SpecialistError('INVALID_ARGUMENT', `T = ${T} steps with segmentLength ${L} gives ${N} segment(s); this method needs at least ${options.minSegments}`, {
      argument: 'segmentLength',
      reason: 'too-few-segments',
      segments: N,
      needed: options.minSegments,
    });
  }
  if (n < 2) {
    throw new SpecialistError('INVALID_ARGUMENT', 'One episode supports no conditional-independence test: give many episodes (rows of states and tasks)', {
      argument: 'states',
      reason: 'too-few-episodes',
      episodes: n,
    });
  }
  return { episodes: n, steps: T, usedSteps: N * L, dim: d, tasks: M, taskDim: dg, segments: N, segmentLength: L, width: N * L * d + M * dg };
}

/**
 * Copies the used steps and the tasks into one float32 matrix, checking every value is finite (the
 * error names episode / step / task / dim). Constant columns are refused by refuseConstantColumns,
 * once the states have their final columns (a reduction may drop constant ones first).
 */
export function assemble(states: Tensor, tasks: Tensor, layout: Layout): Matrix {
  const { episodes: n, steps: T, usedSteps, dim: d, tasks: M, taskDim: dg, width } = layout;
  const out = new Float32Array(n * width);
  const stateWidth = usedSteps * d;
  // float64 input is narrowed once, refusing values float32 cannot hold (core/validate.ts).
  const place = (first: string, inner: number): Locate => ({
    cell: (row, c) => `episode ${row}, ${first} ${Math.floor(c / inner)}, dim ${c % inner}`,
    column: (c) => `${first} ${Math.floor(c / inner)}, dim ${c % inner}`,
  });
  const stateData = toFloat32Checked('states', states.data, n, T * d, place('step', d));
  const taskData = toFloat32Checked('tasks', tasks.data, n, M * dg, place('task', dg));
  for (let e = 0; e < n; e++) {
    const row = e * width;
    const src = e * T * d;
    for (let c = 0; c < stateWidth; c++) {
      const v = stateData[src + c];
      if (v - v !== 0) throw nonFinite('states', v, { episode: e, step: Math.floor(c / d), dim: c % d });
      out[row + c] = v;
    }
    const taskSrc = e * M * dg;
    for (let c = 0; c < M * dg; c++) {
      const v = taskData[taskSrc + c];
      if (v - v !== 0) throw nonFinite('tasks', v, { episode: e, task: Math.floor(c / dg), dim: c % dg });
      out[row + stateWidth + c] = v;
    }
  }
  return { data: out, rows: n, cols: width };
}

/** Refuses a column that is the same in every episode (the error names its step / task and dim). */
export function refuseConstantColumns(data: Matrix, layout: Layout): void {
  const { episodes: n, usedSteps, dim: d, taskDim: dg, width } = layout;
  const stateWidth = usedSteps * d;
  const lo = new Float64Array(width).fill(Infinity);
  const hi = new Float64Array(width).fill(-Infinity);
  for (let e = 0; e < n; e++) {
    for (let c = 0; c < width; c++) {
      const v = data.data[e * width + c];
      if (v < lo[c]) lo[c] = v;
      if (v > hi[c]) hi[c] = v;
    }
  }
  for (let c = 0; c < width; c++) {
    if (lo[c] === hi[c]) {
      const where: Record<string, number> = c < stateWidth ? { step: Math.floor(c / d), dim: c % d } : { task: Math.floor((c - stateWidth) / dg), dim: (c - stateWidth) % dg };
      const name = c < stateWidth ? 'states' : 'tasks';
      throw new SpecialistError('INVALID_ARGUMENT', `${name} ${describe(where)} is constant (${lo[c]}) across all ${n} episodes; a constant column carries no information and breaks the tests`, {
        argument: name,
        reason: 'constant-column',
        value: lo[c],
        ...where,
      });
    }
  }
}

function describe(where: Record<string, number>): string {
  return Object.entries(where).map(([k, v]) => `${k} ${v}`).join(', ');
}

function nonFinite(name: string, value: number, where: Record<string, number>): SpecialistError {
  return new SpecialistError('NON_FINITE', `${name} holds ${value} at ${describe(where)} (0-based)`, { argument: name, value: String(value), ...where });
}
