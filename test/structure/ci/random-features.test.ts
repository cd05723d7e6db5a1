// Random Fourier features: the median distance against brute force, and the kernel they estimate.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { medianDistance, writeFourierFeatures } from '../../../src/structure/ci/random-features.ts';
import { createRng } from '../../helpers.ts';

describe('random Fourier features', () => {
  it('medianDistance is the median of all pairwise distances (n <= 500: every row is used)', () => {
    const rng = createRng(3);
    for (const [n, b] of [[2, 1], [7, 3], [120, 2]]) {
      const columns = Array.from({ length: b }, () => Float64Array.from({ length: n }, () => rng.normal()));
      const d: number[] = [];
      for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) d.push(Math.hypot(...columns.map((c) => c[i] - c[j])));
      d.sort((x, y) => x - y);
      assert.ok(Math.abs(medianDistance(columns, n) - d[Math.floor((d.length - 1) / 2)]) < 1e-12, `n=${n}, b=${b}`);
    }
    assert.equal(medianDistance([Float64Array.from([1, 1, 1, 2])], 4), 0, 'more than half of the pairs coincide');
  });

  it('phi(u) . phi(v) / m estimates the Gaussian kernel exp(-|u - v|^2 / (2 sigma^2)) (m = 20,000, within 0.03)', () => {
    const rng = createRng(4);
    const points = [[0, 0], [0.5, -0.2], [1.5, 1], [-2, 0.3]];
    const columns = [0, 1].map((c) => Float64Array.from(points, (p) => p[c]));
    const m = 20_000;
    const sigma = 1.3;
    const out = new Float32Array(points.length * m);
    writeFourierFeatures(rng, columns, points.length, sigma, m, out, m, 0);
    for (let i = 0; i < points.length; i++) {
      for (let j = 0; j < points.length; j++) {
        let dot = 0;
        for (let f = 0; f < m; f++) dot += out[i * m + f] * out[j * m + f];
        const want = Math.exp(-((points[i][0] - points[j][0]) ** 2 + (points[i][1] - points[j][1]) ** 2) / (2 * sigma * sigma));
        assert.ok(Math.abs(dot / m - want) < 0.03, `${i}, ${j}: ${dot / m} vs ${want}`);
      }
    }
  });
});
