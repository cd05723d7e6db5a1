// Do the user's segments line up with where the tasks change? Layer 1 tests only each segment's
// representative (its last step), so a segment that straddles a task change is decided by whichever
// task set reaches its last two steps, silently. The check tests a few other steps the same way
// (x = that step, y = g_i, z = its neighbours or all other states, as the run) and compares.
//
// Under the model the direct test of any step t answers "does step t or step t - 1 serve task i":
// the open paths are s_t -> a_t -> g_i (the policy) and s_t <- a_{t-1} -> g_i (the transition;
// docs/structure.md). With L = 2 a segment's answer is the union of its two steps' tasks, so a
// segment that straddles a task change can only be seen by an *absence*: for a representative r of
// segment k that depends on g_i beyond doubt, aligned segments say
// - 'first': the segment's first step serves task i, so its test (policy path) shows dependence
//   (compared where the previous segment does not serve task i, or k = 0);
// - 'next': step r serves task i, so the next segment's first step r + 1 (transition path) shows
//   dependence (compared where the next segment does not serve task i, so no two paths can cancel).
// A straddling segment fails one of them for every task that changes at its boundary. So can a
// path whose trace happens to vanish in an aligned world; misalignedSteps() guards against that.
import type { CiResult } from './ci-test.ts';
import { representative } from './band.ts';
import { stepColumns, taskColumns, type Layout } from './input.ts';
import type { DirectConditioning } from './options.ts';
import type { Planned } from './plan.ts';

/** A raw p-value at or below this is dependence beyond doubt for any realistic number of tests. */
const STRONG = 1e-8;
/** Fewest contradicting steps before the check warns (measured: bench/structure-alignment.ts). */
const MIN_CONTRADICTIONS = 2;

/** A step that disagrees with a representative about one task where aligned segments would agree. */
export interface MisalignedStep {
  /** 0-based step. */
  step: number;
  task: number;
  /** 0-based step of the representative it was compared with (its own segment's, or for 'next' the previous one's). */
  representative: number;
  /** Which step: its segment's first ('first') or the next segment's first ('next'). */
  kind: 'first' | 'next';
  /** Raw p-value of this step's test. */
  pValue: number;
  /** Raw p-value of the representative's test (the run's own). */
  representativePValue: number;
}

/** What the alignment check ran and found (StructureResult.alignment). */
export interface AlignmentCheck {
  /** Tests the check ran (steps other than representatives, where the comparison is valid). */
  tests: number;
  /** Steps that disagree with their representative beyond what alpha allows. Empty when aligned. */
  misaligned: MisalignedStep[];
  /** A segment length (and offset) whose segments start where the tasks seem to change, or null. */
  suggestion: { segmentLength: number; offset: number } | null;
}

interface Comparison extends Planned {
  step: number;
  kind: MisalignedStep['kind'];
  representative: number;
  representativePValue: number;
}

/** Conditioning steps of a single step's direct test, as the run conditions its representatives. */
function conditioningSteps(t: number, steps: number, conditioning: DirectConditioning): number[] {
  if (conditioning === 'all-states') return Array.from({ length: steps }, (_, s) => s).filter((s) => s !== t);
  return [t - 1, t + 1].filter((s) => s >= 0 && s < steps);
}

/**
 * The comparisons worth a test: a step and task where aligned segments must agree with a
 * representative, and the representative's own p-value is decisive on one side.
 */
export function alignmentPlan(layout: Layout, relation: number[][], repPValue: (k: number, i: number) => number, alpha: number, conditioning: DirectConditioning): Comparison[] {
  const { segments: N, segmentLength: L, tasks: M, usedSteps } = layout;
  const out: Comparison[] = [];
  const compare = (t: number, k: number, i: number, kind: Comparison['kind']) => {
    const z = conditioningSteps(t, usedSteps, conditioning).flatMap((s) => stepColumns(layout, s));
    out.push({ query: { x: stepColumns(layout, t), y: taskColumns(layout, i), z }, task: i, k, v: -1, step: t, kind, representative: representative(k, L), representativePValue: repPValue(k, i) });
  };
  for (let k = 0; k < N; k++) {
    const r = representative(k, L);
    for (let i = 0; i < M; i++) {
      if (repPValue(k, i) > STRONG) continue;
      if (k === 0 || relation[k - 1][i] === 0) compare(k * L, k, i, 'first');
      if (k + 1 < N && relation[k + 1][i] === 0) compare(r + 1, k, i, 'next');
    }
  }
  return out;
}

/**
 * The steps whose answers contradict their representative's: no dependence at all (p > alpha)
 * where the representative's is beyond doubt. Counted only for a kind of comparison (a path type)
 * that shows dependence beyond doubt elsewhere in the run (data whose steps do not pass a task on
 * through the transition, fresh states every step, never make 'next' comparisons strong), and only
 * when at least MIN_CONTRADICTIONS contradict: a single path's trace can vanish by chance in an
 * aligned world (a policy that barely moves the action given the next state), a segment that
 * straddles a change contradicts for every task the change brings in or takes out.
 */
export function misalignedSteps(plan: readonly Comparison[], results: readonly CiResult[], alpha: number): MisalignedStep[] {
  const carries = new Set(plan.flatMap((c, j) => (results[j].pValue <= STRONG ? [c.kind] : [])));
  const out: MisalignedStep[] = [];
  plan.forEach((c, j) => {
    const p = results[j].pValue;
    if (carries.has(c.kind) && p > alpha) out.push({ step: c.step, task: c.task, representative: c.representative, kind: c.kind, pValue: p, representativePValue: c.representativePValue });
  });
  return out.length >= MIN_CONTRADICTIONS ? out : [];
}

/**
 * Where a task change must lie, per misaligned step, as inclusive [from, to] ranges of steps (a
 * change at s: step s serves other tasks than step s - 1). 'next' (steps r and r + 1 do not serve
 * the task, r - 1 or r does, so r - 1 does): at r. 'missing' (t and t - 1 do not, r or r - 1 does):
 * in [t + 1, r]. 'extra' (t or t - 1 does, r and r - 1 do not): in [t, r - 1].
 */
function changeRanges(found: readonly MisalignedStep[]): [number, number][] {
  return found.map((m) => (m.kind === 'next' ? [m.representative, m.representative] : [m.step + 1, m.representative]));
}

/**
 * A segmentation whose segment starts fall in every range: first the longest other length that
 * divides T (offset 0), then the same length shifted by the smallest offset, else null.
 */
export function suggestSegments(found: readonly MisalignedStep[], T: number, L: number): AlignmentCheck['suggestion'] {
  if (found.length === 0) return null;
  const ranges = changeRanges(found);
  const fits = (length: number, offset: number) => ranges.every(([a, b]) => {
    for (let s = a; s <= b; s++) if ((s - offset) % length === 0) return true;
    return false;
  });
  for (let length = Math.floor(T / 2); length >= 2; length--) {
    if (length !== L && T % length === 0 && fits(length, 0)) return { segmentLength: length, offset: 0 };
  }
  for (let offset = 1; offset < L; offset++) if (fits(L, offset)) return { segmentLength: L, offset };
  return null;
}

/** The run's warning about misaligned segments, naming the steps and what to try; null when aligned. */
export function alignmentWarning(check: AlignmentCheck, L: number): string | null {
  if (check.misaligned.length === 0) return null;
  const shown = check.misaligned.slice(0, 6).map((m) => {
    return `step ${m.step} shows no dependence on task ${m.task}, which step ${m.representative} depends on (p ${m.pValue.toExponential(2)} against ${m.representativePValue.toExponential(1)})`;
  });
  const more = check.misaligned.length > shown.length ? `, and ${check.misaligned.length - shown.length} more` : '';
  const s = check.suggestion;
  const advice = s === null
    ? 'choose a segment length whose segments start where the tasks change'
    : s.offset === 0
      ? `try segment length ${s.segmentLength} (segmentLength, --segment-length)`
      : `the tasks seem to change ${s.offset} step(s) after each segment start: drop the first ${s.offset} step(s) of every episode (and the tail with dropTail, --drop-tail), or choose a segment length that fits`;
  return `segments of ${L} steps do not line up with the tasks: ${shown.join('; ')}${more}. Layer 1 decides a segment by its last two steps, so the relation shifts; ${advice} (docs/own-data.md, "Segments")`;
}

/** Runs the check on a decided 'direct' run: plans the comparisons, tests them, compares. */
export async function checkAlignment(layout: Layout, relation: number[][], directPValues: (number | null)[][], alpha: number, conditioning: DirectConditioning, execute: (planned: Planned[], family: number) => Promise<CiResult[]>): Promise<AlignmentCheck> {
  const plan = alignmentPlan(layout, relation, (k, i) => directPValues[i][k] ?? 1, alpha, conditioning);
  const results = await execute(plan, plan.length);
  const misaligned = misalignedSteps(plan, results, alpha);
  return { tests: plan.length, misaligned, suggestion: suggestSegments(misaligned, layout.usedSteps, layout.segmentLength) };
}
