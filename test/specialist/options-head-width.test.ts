// The heads' default hidden width follows the outputs they train on (defaultHeadWidth): 32 up to
// 16 whitened directions, as before; twice the directions beyond; a width the caller gives wins; a
// fit split over two workers sizes its shared gradients with the same width (same bits as one thread).
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { createRng } from '../../src/core/random.ts';
import { fitSpecialists } from '../../src/specialist/fit.ts';
import { defaultHeadWidth } from '../../src/specialist/options.ts';
import { WorkerPool } from '../../src/worker/pool.ts';

it('defaultHeadWidth: at least 32, twice the widest head, at most 512', () => {
  assert.equal(defaultHeadWidth([4, 3, 4]), 32);
  assert.equal(defaultHeadWidth([16]), 32);
  assert.equal(defaultHeadWidth([17, 2]), 34);
  assert.equal(defaultHeadWidth([5, 32, 31]), 64);
  assert.equal(defaultHeadWidth([300]), 512);
});

/** Latents x [n, d] standard normal and two tasks: y0 = x[:, :dy0] A (dy0 directions), y1 = x[:, :3] (3 directions). */
function world(n: number, d: number, dy0: number) {
  const rng = createRng(9);
  const x = Float32Array.from({ length: n * d }, () => rng.normal());
  const a = Float64Array.from({ length: dy0 * dy0 }, () => rng.normal());
  const y0 = new Float32Array(n * dy0), y1 = new Float32Array(n * 3);
  for (let r = 0; r < n; r++) {
    for (let j = 0; j < dy0; j++) for (let i = 0; i < dy0; i++) y0[r * dy0 + j] += x[r * d + i] * a[i * dy0 + j];
    for (let j = 0; j < 3; j++) y1[r * 3 + j] = x[r * d + j];
  }
  return { latents: { data: x, shape: [n, d] }, targets: [{ data: y0, shape: [n, dy0] }, { data: y1, shape: [n, 3] }] };
}

it('a fit whose widest head trains on 20 directions has heads of 40 units; a given width wins; two workers give the same bits', async () => {
  const { latents, targets } = world(400, 24, 20);
  const options = { epochs: 2, seed: 1, encoderWidths: [32], lambda: 0.1 };
  const here = await fitSpecialists(latents, targets, options);
  assert.equal(here.state.headWidth, 40);
  assert.equal(here.state.heads[0][0].dout, 40);
  assert.equal((await fitSpecialists(latents, targets, { ...options, headWidth: 12 })).state.headWidth, 12);
  const narrow = world(400, 24, 6);
  assert.equal((await fitSpecialists(narrow.latents, narrow.targets, options)).state.headWidth, 32);
  const pool = await WorkerPool.create({ size: 2 });
  try {
    const there = await fitSpecialists(latents, targets, options, { pool });
    assert.equal(there.state.headWidth, 40);
    assert.deepEqual(there.transform(latents).data, here.transform(latents).data);
  } finally {
    await pool.close();
  }
});
