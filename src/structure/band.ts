// Representatives and conditioning sets of Theorem 1 (docs/structure.md), as 0-based steps.
// In the paper's 1-based terms the representative of segment k is r_k = k L; with 0-based k and
// steps that is step (k + 1) L - 1, the last step of the segment.

/** 0-based step of segment k's representative (k 0-based). */
export function representative(k: number, segmentLength: number): number {
  return (k + 1) * segmentLength - 1;
}

/** The steps right before and after step r that exist in 0..steps-1. */
function neighbours(r: number, steps: number): number[] {
  return [r - 1, r + 1].filter((t) => t >= 0 && t < steps);
}

/**
 * Band conditioning set of segments k < v without the task variable:
 * {s_{r_k - 1}, s_{r_k + 1}, s_{r_v - 1}, s_{r_v + 1}}, steps outside the sequence dropped and
 * duplicates merged (with L = 2 and v = k + 1, s_{r_k + 1} is s_{r_v - 1}). Sorted, 0-based.
 */
export function bandSteps(k: number, v: number, steps: number, segmentLength: number): number[] {
  const set = new Set([...neighbours(representative(k, segmentLength), steps), ...neighbours(representative(v, segmentLength), steps)]);
  return [...set].sort((a, b) => a - b);
}

/** Conditioning set of the direct test of segment k: {s_{r_k - 1}, s_{r_k + 1}} within the sequence. */
export function directSteps(k: number, steps: number, segmentLength: number): number[] {
  return neighbours(representative(k, segmentLength), steps);
}

/**
 * Wide conditioning set of the direct test of segment k: every used step except the representative
 * itself. It holds the two neighbours, so it blocks the same paths, and conditioning on further
 * states opens none (docs/structure.md, "Wider conditioning"). Sorted, 0-based.
 */
export function wideSteps(k: number, steps: number, segmentLength: number): number[] {
  const r = representative(k, segmentLength);
  return Array.from({ length: steps }, (_, t) => t).filter((t) => t !== r);
}
