// Inputs given the wrong way round, where the shapes tell: episodes in the second axis (a [T, n, d]
// or [M, n] array), or states and task variables swapped. Only cases without false alarms become
// errors (they are on a path that fails anyway); a shape that is legal but unlikely is a warning.
import { SpecialistError } from '../core/errors.ts';

/**
 * The error for states (or latents, observations) and tasks that disagree on the number of
 * episodes, naming a transposed array when one axis of the other matches.
 */
export function episodeMismatch(name: string, states: readonly number[], tasks: readonly number[]): SpecialistError {
  const [n, nTasks] = [states[0], tasks[0]];
  let hint = '';
  let reason = 'episodes-differ';
  if (states[1] === tasks[1]) {
    hint = `: both look transposed (episodes in the second axis); give ${name} as [n, T, ...] and tasks as [n, M, ...]`;
    reason = 'transposed';
  } else if (states[1] === nTasks) {
    hint = `: ${name} look transposed, [${states.join(', ')}] has the ${nTasks} episodes of tasks in its second axis; give [n, T, ...] (episodes first, e.g. np.swapaxes(${name}, 0, 1))`;
    reason = 'transposed';
  } else if (tasks[1] === n) {
    hint = `: tasks look transposed, [${tasks.join(', ')}] has the ${n} episodes of ${name} in its second axis; give [n, M] or [n, M, dg] (one row per episode, e.g. tasks.T)`;
    reason = 'transposed';
  }
  return new SpecialistError('SHAPE_MISMATCH', `${name} hold ${n} episodes but tasks hold ${nTasks}${hint}`, { argument: reason === 'transposed' ? (hint.startsWith(': tasks') ? 'tasks' : name) : 'tasks', reason, [name]: n, tasks: nTasks });
}

/**
 * Warnings on shapes that fit but suggest swapped inputs: more task variables per episode than steps
 * (states and tasks swapped?), fewer episodes than steps (episodes in the second axis?).
 */
export function shapeWarnings(episodes: number, steps: number, tasks: number): string[] {
  const out: string[] = [];
  if (tasks > steps) {
    out.push(`tasks hold ${tasks} variables per episode and the states only ${steps} steps: are states and tasks swapped? States are [n, T, d] (one row of T steps per episode), tasks [n, M, dg] (what each of the M tasks achieved)`);
  }
  if (episodes < steps) {
    out.push(`${episodes} episodes of ${steps} steps: are the episodes in the second axis? States are [n, T, d] with one row per episode, and the tests need many episodes`);
  }
  return out;
}
