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

it('shortcut: in the first episodes the nuisance names the content (the font alone reads the digit, the position the letter, well above chance), later ones it does not; all else as without it', () => {
  const [n, T, cutAt] = [300, 4, 200];
  const plain = glyphWorld({ episodes: n, steps: T, seed: 3 });
  const w = glyphWorld({ episodes: n, steps: T, seed: 3, shortcut: { episodes: cutAt, strength: 0.8 } });
  assert.deepEqual(w.truth.content, plain.truth.content);
  assert.deepEqual(w.tasks, plain.tasks);
  assert.deepEqual(w.render(cutAt, 3), plain.render(cutAt, 3), 'episodes past the shortcut are drawn as without it');
  assert.notDeepEqual(w.render(0, 3), plain.render(0, 3));
  const S = w.truth.styleNames.length;
  const x = w.truth.styleNames.indexOf('x');
  const nuisance = (r: number) => [w.truth.font[r], Math.min(9, Math.floor((w.truth.style[r * S + x] + 1) * 5))];
  // A classifier on one nuisance variable alone: the commonest character per value, learnt on episodes 0-99.
  const accuracy = (which: 0 | 1, from: number, to: number) => {
    const counts = new Map<number, number[]>();
    for (let r = 0; r < 100 * T; r++) {
      const key = nuisance(r)[which];
      const c = counts.get(key) ?? new Array(10).fill(0);
      c[w.truth.content[2 * r + which]]++;
      counts.set(key, c);
    }
    let right = 0;
    for (let r = from * T; r < to * T; r++) {
      const c = counts.get(nuisance(r)[which]);
      if (c && c.indexOf(Math.max(...c)) === w.truth.content[2 * r + which]) right++;
    }
    return right / ((to - from) * T);
  };
  for (const which of [0, 1] as const) {
    const inside = accuracy(which, 100, cutAt), outside = accuracy(which, cutAt, n);
    assert.ok(inside > 0.5, `slot ${which} from the nuisance alone, shortcut episodes: ${inside}`);
    assert.ok(outside < 0.2, `slot ${which} from the nuisance alone, independent episodes: ${outside} (chance 0.1)`);
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
  await expectCode(() => glyphWorld({ episodes: 4, shortcut: { episodes: 5, strength: 0.5 } }), 'INVALID_ARGUMENT', 'shortcut');
  await expectCode(() => glyphWorld({ shortcut: { episodes: 2, strength: 2 } }), 'INVALID_ARGUMENT', 'shortcut');
  await expectCode(() => glyphWorld({ episodes: 4, steps: 4 }).render(3, 2), 'INVALID_ARGUMENT', 'outside 0..3');
  await expectCode(() => glyphWorld({ episodes: 4, steps: 4 }).imageData(0, 4), 'INVALID_ARGUMENT', 'step must be in 0..3');
});
