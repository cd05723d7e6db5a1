// A task's support from its importances: fitting chooses it this way, loading checks it this way.

/** Support of one task: coordinates whose importance exceeds threshold x the largest. */
export function supportFrom(importance: Float32Array, threshold: number): number[] {
  const max = Math.max(0, ...importance);
  if (max === 0) return [];
  const out: number[] = [];
  importance.forEach((v, j) => {
    if (v > threshold * max) out.push(j);
  });
  return out;
}
