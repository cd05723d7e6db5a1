// The glyph world: seeded and reproducible by parts, its truth consistent with what it draws, its
// task variables colliders of the steps that serve them (its pictures' legibility: test/generalist/pp-ocr.test.ts).
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { glyphWorld } from '../../src/synthetic/glyph-world.ts';
import { expectCode } from '../helpers.ts';

it('same seed, same world; any range of episodes renders the pixels of the whole; observations are BGR in [-1, 1], channels first', () => {
  const a = glyphWorld({ episodes: 6, steps: 4, seed: 9 });
  const b = glyphWorld({ episodes: 6, steps: 4, seed: 9 });
  const c = glyphWorld({ episodes: 6, steps: 4, seed: 10 });
  const all = a.render();
  assert.deepEqual(b.render(), all);
  assert.deepEqual(b.tasks, a.tasks);
  assert.notDeepEqual(c.render(), all);
  const image = 48 * 64 * 3;
  assert.deepEqual(a.render(2, 3), all.subarray(2 * 4 * image, 5 * 4 * image));
  const obs = a.observations(1, 2);
  assert.deepEqual(obs.shape, [2, 4, 3, 48, 64]);
  const [e, t, y, x] = [1, 3, 20, 33]; // episode 2 of the world, step 3
  const rgb = all.subarray((2 * 4 + t) * image);
  for (let ch = 0; ch < 3; ch++) {
    const value = obs.data[(((e * 4 + t) * 3 + ch) * 48 + y) * 64 + x];
    assert.equal(value, Math.fround(rgb[(y * 64 + x) * 3 + (2 - ch)] / 127.5 - 1), `channel ${ch} (BGR)`);
  }
  const rgba = a.imageData(2, 3);
  assert.deepEqual([rgba.width, rgba.height, rgba.data[(y * 64 + x) * 4 + 3]], [64, 48, 255]);
  assert.deepEqual(Array.from(rgba.data.subarray((y * 64 + x) * 4, (y * 64 + x) * 4 + 3)), Array.from(rgb.subarray((y * 64 + x) * 3, (y * 64 + x) * 3 + 3)));
});

it('truth: texts show the content, each task collects the embeddings of the reads of its own segments (a collider), styles stay in range', () => {
  const w = glyphWorld({ episodes: 400, steps: 8, tasks: 3, seed: 4, taskNoise: 0.5 });
  const [n, T, M, dg] = [400, 8, 3, 4];
  const { relation, content, style, styleNames, taskSlots } = w.truth;
  assert.deepEqual(taskSlots, [0, 1, 0]);
  for (let r = 0; r < n * T; r++) assert.equal(w.texts[r], '0123456789'[content[2 * r]] + 'ACEFHKMPRT'[content[2 * r + 1]]);
  for (let i = 0; i < M; i++) assert.ok(Array.from({ length: 4 }, (_, k) => relation[k * M + i]).reduce((a, b) => a + b) >= 2, `task ${i} serves two segments`);
  let residual = 0;
  let agree = 0;
  let served = 0;
  for (let e = 0; e < n; e++) {
    for (let i = 0; i < M; i++) {
      for (let q = 0; q < dg; q++) {
        let sum = 0;
        for (let t = 0; t < T; t++) {
          const v = w.contributions[((e * T + t) * M + i) * dg + q];
          if (!relation[Math.floor(t / 2) * M + i]) assert.equal(v, 0, 'a step outside the task contributes nothing');
          sum += v;
        }
        residual += (w.tasks[(e * M + i) * dg + q] - sum) ** 2;
      }
    }
  }
  // g_i minus its steps' contributions is the task noise alone: variance 0.25.
  const variance = residual / (n * M * dg);
  assert.ok(Math.abs(variance - 0.25) < 0.03, `task noise variance ${variance}`);
  // A served step's contribution is the embedding of the character shown, except for misreads (10%, a uniform draw: 91% agree).
  const byChar = new Map<string, string>();
  for (let r = 0; r < n * T; r++) {
    const t = r % T;
    if (!relation[Math.floor(t / 2) * M + 0]) continue;
    const key = Array.from(w.contributions.subarray((r * M) * dg, (r * M + 1) * dg)).join();
    served++;
    if (!byChar.has(key)) byChar.set(key, w.texts[r][0]);
    if (byChar.get(key) === w.texts[r][0]) agree++;
  }
  assert.ok(agree / served > 0.85 && agree / served < 0.96, `reads that match the shown digit: ${agree / served}`);
  const S = styleNames.length;
  for (let r = 0; r < n * T; r++) {
    assert.ok(style[r * S] >= 16 && style[r * S] <= 30, 'size in [16, 30] px');
    assert.ok(style[r * S + 13] === 0 || style[r * S + 13] === 1, 'polarity');
  }
});

it('bad options are INVALID_ARGUMENT errors that name the option', async () => {
  await expectCode(() => glyphWorld({ episodes: 1 }), 'INVALID_ARGUMENT', 'episodes');
  await expectCode(() => glyphWorld({ steps: 7 }), 'INVALID_ARGUMENT', 'multiple of segmentLength');
  await expectCode(() => glyphWorld({ slots: ['0'] }), 'INVALID_ARGUMENT', 'at least two characters');
  await expectCode(() => glyphWorld({ slots: ['ab'] }), 'INVALID_ARGUMENT', 'slot character "a" has no outline');
  await expectCode(() => glyphWorld({ tasks: 2, taskSlots: [0, 2] }), 'INVALID_ARGUMENT', 'taskSlots');
  await expectCode(() => glyphWorld({ misread: 1.5 }), 'INVALID_ARGUMENT', 'misread');
  await expectCode(() => glyphWorld({ styleCarry: 1 }), 'INVALID_ARGUMENT', 'styleCarry');
  await expectCode(() => glyphWorld({ fonts: [8] }), 'INVALID_ARGUMENT', 'fonts');
  await expectCode(() => glyphWorld({ width: 8 }), 'INVALID_ARGUMENT', 'width');
  await expectCode(() => glyphWorld({ episodes: 4, steps: 4 }).render(3, 2), 'INVALID_ARGUMENT', 'outside 0..3');
  await expectCode(() => glyphWorld({ episodes: 4, steps: 4 }).imageData(0, 4), 'INVALID_ARGUMENT', 'step must be in 0..3');
});
