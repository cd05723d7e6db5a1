// When a lambda path stage is accepted for a task: what dropping the coordinates the stage took
// from its head costs, measured on the representation the stage left (schedule.ts, dropChecks);
// when a stage has stopped shrinking the supports; how a stage weighs the rows it shrinks; and when
// the final refit has settled.

export interface Verdict {
  pass: boolean;
  /** Support size after the stage. */
  size: number;
  /** Mean rise of the row errors over the support before the stage, its standard error, and the rise allowed. */
  rise: number;
  standardError: number;
  allowed: number;
}

/** A rise is only held against a stage when it exceeds this many standard errors of the paired row differences. */
export const SIGNIFICANCE = 2;

/** Mean and standard error of a - b over paired rows. */
export function pairedRise(a: Float32Array, b: Float32Array): { rise: number; standardError: number } {
  const n = a.length;
  let s = 0, sq = 0;
  for (let i = 0; i < n; i++) {
    const d = a[i] - b[i];
    s += d;
    sq += d * d;
  }
  const m = s / Math.max(1, n);
  const variance = n > 1 ? (sq - n * m * m) / (n - 1) : 0;
  return { rise: m, standardError: Math.sqrt(Math.max(0, variance) / Math.max(1, n)) };
}

/**
 * The rise of a task's validation loss (whitened targets: 1 is the variance, so 1 - before is the
 * share explained) that dropping coordinates down to `size` may cost: `tolerance` x the share one
 * coordinate would explain on average if one more were needed, explained / (size + 1).
 *
 * Why per coordinate: dropping a needed coordinate of a block B costs about explained / |B| (each
 * whitened direction of the signal its share), so a rule relative to the loss itself (the
 * previous one allowed 1.5 x the best loss) admits dropping needed coordinates once |B| is large:
 * blocks of 8 came out as 5 and 6. Measured on generalistWorld at d = 64 (blocks of 8): one needed
 * coordinate dropped costs 0.13, the allowance at size 7 is 0.028 (tolerance 0.25).
 */
export function allowedRise(before: number, size: number, tolerance: number): number {
  return (tolerance * Math.max(0, 1 - before)) / (size + 1);
}

/**
 * How much more a stage that drops `dropped` coordinates at once may cost than one that drops one:
 * max(1, ln(dropped x tolerance)), 1 up to 10 coordinates at the default tolerance.
 *
 * Why: where the representation still spreads a task thinly over many coordinates, each spare one
 * leaks a little of the task, and a stage that drops 75 of them at once adds those leaks up.
 * Measured on generalistWorld at d = 256 (blocks of 32, seed 11): the stage from 145 to 70
 * coordinates rose by 0.0034-0.0060 against an allowance of 0.0028-0.0030 (its retry at the
 * geometric mean the same), so every task ended on 145 coordinates. One needed coordinate costs
 * about explained / |block| (0.027 there) whatever else goes with it, so the allowance may grow
 * with the count, but only slowly: with a logarithm it stays below one needed coordinate's cost
 * (tolerance x ln(dropped x tolerance) < 1) up to 218 coordinates at once at the default.
 */
export function bulkFactor(dropped: number, tolerance: number): number {
  return Math.max(1, Math.log(dropped * tolerance));
}

function mean(v: Float32Array): number {
  let s = 0;
  for (let i = 0; i < v.length; i++) s += v[i];
  return s / Math.max(1, v.length);
}

/**
 * A stage passes for a task unless the refit on its new support does worse than the refit on its
 * support before the stage by more than allowedRise (times bulkFactor for `dropped` coordinates
 * dropped at once, default 1) and by more than SIGNIFICANCE standard errors (so a small
 * validation set does not fail a stage on its own noise).
 */
export function judgeDrop(now: Float32Array, before: Float32Array, size: number, tolerance: number, dropped = 1): Verdict {
  const { rise, standardError } = pairedRise(now, before);
  const allowed = allowedRise(mean(before), size, tolerance) * bulkFactor(dropped, tolerance);
  const pass = !(rise > allowed && rise > SIGNIFICANCE * standardError);
  return { pass, size, rise, standardError, allowed };
}

/** Nothing dropped: the stage passes. */
export function unchanged(size: number): Verdict {
  return { pass: true, size, rise: 0, standardError: 0, allowed: 0 };
}

/**
 * The support grew: along a working path supports only shrink, so growth means the penalty stopped
 * biting in a stable way (seen with the Jacobian penalty at large lambda, where Adam's normalised
 * steps leave every row jittering at a similar small size). The stage fails.
 */
export function grew(size: number): Verdict {
  return { pass: false, size, rise: NaN, standardError: NaN, allowed: 0 };
}

/**
 * A path stage's supports are still shrinking: some task's size fell below the lowest it had in the
 * stage by more than 2% of that (by any row below 50 rows, so narrow fits count every row).
 */
export function shrinking(sizes: number[], lowest: number[]): boolean {
  return sizes.some((v, k) => v < lowest[k] - Math.floor(lowest[k] / 50));
}

/**
 * Reweighted group lasso (a step towards counting coordinates rather than summing norms): a row
 * weaker than the task's median live row pays more per unit norm, a stronger one less, within
 * [1/4, 4]. Weights are set at the start of each path stage from the rows as they are then.
 */
export function reweight(norms: Float32Array[]): Float32Array[] {
  return norms.map((row) => {
    const live = [...row].filter((v) => v > 0).sort((a, b) => a - b);
    const median = live.length ? live[live.length >> 1] : 1;
    return row.map((v) => (v > 0 ? Math.min(4, Math.max(0.25, median / v)) : 4));
  });
}

/**
 * Settled: over a curve of losses (the validation loss after each epoch of the final refit), the
 * mean of its last quarter differs by less than 5% from that of the quarter before. A curve shorter
 * than 4 points cannot tell: false.
 */
export function converged(curve: number[]): boolean {
  if (curve.length < 4 || !curve.every(Number.isFinite)) return false;
  const q = Math.floor(curve.length / 4);
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  const last = mean(curve.slice(-q)), before = mean(curve.slice(-2 * q, -q));
  return Math.abs(before - last) <= 0.05 * Math.max(before, 1e-12);
}
