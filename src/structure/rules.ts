// From the pairwise decisions of one task to the set of segments that serve it.
//
// 'union' (the paper): every segment of a rejected pair serves the task. One false-positive pair
// thus marks two wrong cells.
//
// 'clique' (ours): under Theorem 1 the segments of a task are pairwise dependent given g_i, so they
// form a clique of the task's dependence graph, and every pair with a segment outside the set is
// independent. Each pair (k, v) gets the evidence weight
//     w_kv = ln(alpha / q_kv),   q_kv its adjusted p-value (clamped to >= 1e-300),
// positive exactly when the pair is rejected, and growing with the strength of the evidence; a
// pair far from rejection counts against putting both segments in one set. The rule picks the set
// S maximising the sum of w over the pairs inside S (a maximum-weight clique in the signed
// complete graph), keeping it only when that sum is positive. A lone false-positive pair next to a
// true set is then outvoted by its non-rejected pairs with the true segments, and a true segment
// with one missed pair is kept by its other, strong pairs.
// Exact search over the subsets of the segments with at least one positive pair (a segment with
// none never raises the sum) up to 16 of them; beyond that, a greedy start plus single-segment
// add/remove moves until no move improves the sum.

const EXACT_LIMIT = 16;

/** Segments (0-based) in the union of rejected pairs; `rejected(k, v)` for k < v. */
export function unionRule(segments: number, rejected: (k: number, v: number) => boolean): number[] {
  const on = new Uint8Array(segments);
  for (let k = 0; k < segments; k++) {
    for (let v = k + 1; v < segments; v++) {
      if (rejected(k, v)) on[k] = on[v] = 1;
    }
  }
  return [...on.keys()].filter((k) => on[k]);
}

/** Evidence weight of one pair from its adjusted p-value (see the module comment). */
export function pairWeight(adjusted: number, alpha: number): number {
  return Math.log(alpha / Math.max(adjusted, 1e-300));
}

/**
 * The maximum-weight set of segments for symmetric weights `w` (segments x segments, row-major;
 * NaN = untested, counted as 0). Returns the chosen segments, sorted; empty when no set has a
 * positive sum.
 */
export function cliqueRule(segments: number, w: Float64Array): number[] {
  const weight = (a: number, b: number) => (Number.isNaN(w[a * segments + b]) ? 0 : w[a * segments + b]);
  const candidates: number[] = [];
  for (let k = 0; k < segments; k++) {
    for (let v = 0; v < segments; v++) {
      if (v !== k && weight(k, v) > 0) {
        candidates.push(k);
        break;
      }
    }
  }
  if (candidates.length < 2) return [];
  const chosen = candidates.length <= EXACT_LIMIT ? exact(candidates, weight) : greedy(candidates, weight);
  return chosen.sort((a, b) => a - b);
}

function exact(candidates: number[], weight: (a: number, b: number) => number): number[] {
  const c = candidates.length;
  const wc = new Float64Array(c * c);
  for (let a = 0; a < c; a++) for (let b = 0; b < c; b++) wc[a * c + b] = a === b ? 0 : weight(candidates[a], candidates[b]);
  const score = new Float64Array(1 << c);
  let best = 0;
  let bestMask = 0;
  for (let mask = 1; mask < 1 << c; mask++) {
    const low = 31 - Math.clz32(mask & -mask);
    const rest = mask & (mask - 1);
    let s = score[rest];
    for (let bits = rest; bits !== 0; bits &= bits - 1) s += wc[low * c + 31 - Math.clz32(bits & -bits)];
    score[mask] = s;
    if (s > best) {
      best = s;
      bestMask = mask;
    }
  }
  return candidates.filter((_, j) => bestMask & (1 << j));
}

function greedy(candidates: number[], weight: (a: number, b: number) => number): number[] {
  const inSet = new Set<number>();
  const gain = (k: number) => {
    let s = 0;
    for (const u of inSet) if (u !== k) s += weight(k, u);
    return s;
  };
  // Start from the strongest pair.
  let start: [number, number] = [candidates[0], candidates[1]];
  for (const a of candidates) for (const b of candidates) if (a < b && weight(a, b) > weight(start[0], start[1])) start = [a, b];
  inSet.add(start[0]).add(start[1]);
  for (let moves = 0; moves < 10 * candidates.length; moves++) {
    let bestMove = -1;
    let bestGain = 1e-12;
    for (const k of candidates) {
      const g = inSet.has(k) ? -gain(k) : gain(k);
      if (g > bestGain) {
        bestGain = g;
        bestMove = k;
      }
    }
    if (bestMove < 0) break;
    if (inSet.has(bestMove)) inSet.delete(bestMove);
    else inSet.add(bestMove);
  }
  let total = 0;
  const members = [...inSet];
  for (let a = 0; a < members.length; a++) for (let b = a + 1; b < members.length; b++) total += weight(members[a], members[b]);
  return total > 0 ? members : [];
}
