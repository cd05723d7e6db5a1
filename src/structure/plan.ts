// Which CI tests a run asks (Theorem 1; docs/structure.md), as column queries on the assembled matrix:
// 'pairwise' tests s_{r_k} _||_ s_{r_v} | band(k, v) + g_i for task i and segments k < v (the
// paper's Algorithm 1); 'direct' tests s_{r_k} _||_ g_i | conditioning(k) for each task and segment.
// The diagnostic tests every pair given the band only, without any task variable.
import { SpecialistError } from '../core/errors.ts';
import { bandSteps, directSteps, representative, wideSteps } from './band.ts';
import type { CiQuery, CiTest } from './ci-test.ts';
import { stepColumns, taskColumns, type Layout } from './input.ts';
import type { DirectConditioning, StructureMethod } from './options.ts';

/** One planned test: which question, and where its answer goes (task -1: diagnostic; v -1: direct). */
export interface Planned {
  query: CiQuery;
  task: number;
  k: number;
  v: number;
}

/** Most columns the default 'all-states' set may have: beyond it, and beyond n / 20, 'neighbours'. */
const WIDE_DEFAULT_COLUMNS = 100;

/**
 * The default conditioning of the direct test: all states with Fisher z and the GCM while that set
 * is small (its cost grows with its size, and each column costs a degree of freedom), else the
 * neighbours; always the neighbours for RCoT, the intersection (RCoT's power decides its own),
 * kNN-CMI and user tests (docs/structure.md).
 */
export function defaultConditioning(layout: Layout, test: CiTest): DirectConditioning {
  const columns = (layout.usedSteps - 1) * layout.dim;
  return (test.name === 'fisherz' || test.name === 'gcm') && columns <= Math.min(WIDE_DEFAULT_COLUMNS, layout.episodes / 20) ? 'all-states' : 'neighbours';
}

export function plan(layout: Layout, method: StructureMethod, conditioning: DirectConditioning): { main: Planned[]; diagnostic: Planned[] } {
  const { segments: N, usedSteps: T, segmentLength: L, tasks: M } = layout;
  const rep = (k: number) => stepColumns(layout, representative(k, L));
  const steps = (list: number[]) => list.flatMap((t) => stepColumns(layout, t));
  const main: Planned[] = [];
  const diagnostic: Planned[] = [];
  for (let k = 0; k < N; k++) {
    for (let v = k + 1; v < N; v++) diagnostic.push({ query: { x: rep(k), y: rep(v), z: steps(bandSteps(k, v, T, L)) }, task: -1, k, v });
  }
  if (method === 'pairwise') {
    for (let i = 0; i < M; i++) {
      for (const d of diagnostic) main.push({ query: { ...d.query, z: [...d.query.z, ...taskColumns(layout, i)] }, task: i, k: d.k, v: d.v });
    }
  } else {
    // Segment by segment: the M tests of a segment share x and z, which a test may reuse (RCoT
    // keeps the last z basis), and a round-robin split over workers keeps them together.
    const given = conditioning === 'all-states' ? wideSteps : directSteps;
    for (let k = 0; k < N; k++) {
      for (let i = 0; i < M; i++) main.push({ query: { x: rep(k), y: taskColumns(layout, i), z: steps(given(k, T, L)) }, task: i, k, v: -1 });
    }
  }
  return { main, diagnostic };
}

/**
 * Fewest episodes for every test of the plan: the test's own minimum (CiTest.minimumRows) or, for
 * a test that states none, the columns involved plus three.
 */
export function episodesNeeded(planned: readonly Planned[], test: CiTest): { needed: number; largest: number } {
  let needed = 0;
  let largest = 0;
  for (const { query } of planned) {
    const dims = { x: query.x.length, y: query.y.length, z: query.z.length };
    const columns = dims.x + dims.y + dims.z;
    const own = test.minimumRows?.(dims);
    needed = Math.max(needed, typeof own === 'number' && Number.isFinite(own) ? own : columns + 3);
    largest = Math.max(largest, columns);
  }
  return { needed, largest };
}

export function checkEpisodes(layout: Layout, planned: Planned[], test: CiTest): void {
  const { needed, largest } = episodesNeeded(planned, test);
  if (layout.episodes < needed) {
    throw new SpecialistError('INVALID_ARGUMENT', `${layout.episodes} episodes are too few: the largest ${test.name} test of this run involves ${largest} columns and needs at least ${needed} episodes`, {
      argument: 'states',
      reason: 'too-few-episodes',
      episodes: layout.episodes,
      needed,
    });
  }
}
