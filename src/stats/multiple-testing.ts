// Multiple-testing corrections as adjusted p-values: a test is rejected at level alpha exactly when
// its adjusted p-value is <= alpha, so one threshold serves every correction and the clique rule
// can weigh evidence on one scale.

import { SpecialistError } from '../core/errors.ts';

/**
 * Multiple-testing correction of a run's p-values: 'none', 'bonferroni' (family-wise) or 'bh'
 * (Benjamini-Hochberg false discovery rate).
 */
export type Correction = 'none' | 'bonferroni' | 'bh';

export const CORRECTIONS: readonly Correction[] = ['none', 'bonferroni', 'bh'];

/**
 * Adjusted p-values of one family. NaN entries (untested) are left out of the family size and
 * stay NaN. 'bonferroni': min(1, m p). 'bh': Benjamini-Hochberg step-up,
 * q_(i) = min over j >= i of m p_(j) / j (controls the false discovery rate under independence or
 * positive dependence).
 */
export function adjustPValues(pValues: ArrayLike<number>, correction: Correction): Float64Array {
  const out = Float64Array.from(pValues);
  if (correction === 'none') return out;
  const tested: number[] = [];
  for (let i = 0; i < out.length; i++) if (!Number.isNaN(out[i])) tested.push(i);
  const m = tested.length;
  if (correction === 'bonferroni') {
    for (const i of tested) out[i] = Math.min(1, out[i] * m);
    return out;
  }
  if (correction !== 'bh') {
    throw new SpecialistError('INVALID_ARGUMENT', `correction must be one of ${CORRECTIONS.join(', ')}, got ${String(correction)}`, { argument: 'correction', value: correction });
  }
  tested.sort((a, b) => out[a] - out[b]);
  let running = 1;
  for (let rank = m; rank >= 1; rank--) {
    const i = tested[rank - 1];
    running = Math.min(running, (out[i] * m) / rank);
    out[i] = running;
  }
  return out;
}
