// Draws of the local permutation null: x permuted only among each point's nearest neighbours in
// z-space (after Runge 2018), on a fast inlined integer generator.
import type { Rng } from '../../../core/random.ts';

/**
 * Integer draws for the permutations: sfc32 inlined (the shared Rng spends two 32-bit outputs and
 * a float division per draw, which was a tenth of a test's time), seeded from the query's Rng.
 */
export class Draws {
  // State in an Int32Array: uint32 values kept in object fields would be boxed on every update.
  private readonly s = new Int32Array(4);
  constructor(rng: Rng) {
    for (let i = 0; i < 4; i++) this.s[i] = Math.floor(rng.next() * 4294967296) | 0;
    this.s[3] |= 1;
  }
  /** Uniform integer in [0, m) for m <= 2^21 (the bias, m / 2^32, is negligible). */
  int(m: number): number {
    const s = this.s;
    const a = s[0], b = s[1], c = s[2], d = s[3];
    const t = (((a + b) | 0) + d) | 0;
    s[3] = (d + 1) | 0;
    s[0] = b ^ (b >>> 9);
    s[1] = (c + (c << 3)) | 0;
    s[2] = (((c << 21) | (c >>> 11)) + t) | 0;
    return Math.floor(((t >>> 0) * m) / 4294967296);
  }
}

/** A uniformly random permutation of 0..n-1 (Fisher-Yates). */
export function shuffleRange(draws: Draws, a: Int32Array): void {
  for (let i = 0; i < a.length; i++) a[i] = i;
  for (let i = a.length - 1; i > 0; i--) {
    const j = draws.int(i + 1);
    const t = a[i];
    a[i] = a[j];
    a[j] = t;
  }
}

/**
 * One draw of the local permutation: points are visited in random order, and each takes x from a
 * random neighbour (in z-space, itself included) that no earlier point took; when all of them are
 * taken, from a random neighbour anyway (so x values may repeat, as in Runge 2018).
 * `neighbours` is [n, s] and is reordered in place (any order of a row is as good as another).
 */
export function drawLocal(draws: Draws, n: number, neighbours: Int32Array, s: number, perm: Int32Array, order: Int32Array, used: Uint8Array): void {
  shuffleRange(draws, order);
  used.fill(0);
  for (let t = 0; t < n; t++) {
    const i = order[t];
    const row = i * s;
    let pick = -1;
    // Lazy Fisher-Yates over the row: draw candidates one at a time until an unused one turns up.
    for (let q = 0; q < s && pick < 0; q++) {
      const r = row + q + draws.int(s - q);
      const c = neighbours[r];
      neighbours[r] = neighbours[row + q];
      neighbours[row + q] = c;
      if (!used[c]) pick = c;
    }
    if (pick < 0) pick = neighbours[row + draws.int(s)];
    perm[i] = pick;
    used[pick] = 1;
  }
}
