// Scores against the glyph world's truth, on representations whose answers are known: the true
// one-hot content (all content, no style), the true style (no content), the embeddings themselves.
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { blockScores, gatherSteps, glyphEvaluation, readAccuracy, servedSteps } from '../../src/metrics/glyph-scores.ts';
import { scoreSet } from '../../src/pipeline/compare.ts';
import { taskRows } from '../../src/pipeline/evaluation.ts';
import { createRng } from '../../src/core/random.ts';
import { glyphWorld } from '../../src/synthetic/glyph-world.ts';
import { expectCode } from '../helpers.ts';

const world = glyphWorld({ episodes: 300, steps: 4, seed: 6 });
const T = 4;

it('blockScores: the true content scores 1 on its slot and about 0 on the other slot and the style; the true style the reverse', () => {
  const steps = servedSteps(world, 0, 0, 300);
  assert.ok(steps.length >= 600 && steps.every(([, t]) => world.truth.relation[Math.floor(t / 2) * 3] === 1));
  const digits = new Float32Array(steps.length * 10);
  steps.forEach(([e, t], r) => (digits[r * 10 + world.truth.content[(e * T + t) * 2]] = 1));
  const content = blockScores(world, { data: digits, shape: [steps.length, 10] }, steps, 0);
  assert.ok(content.content > 0.95, `content ${content.content}`);
  assert.ok((content.otherContent ?? 1) < 0.05 && content.style < 0.05 && content.font < 0.05, JSON.stringify(content));
  const S = world.truth.styleNames.length;
  const style = gatherSteps({ data: world.truth.style, shape: [300, T, S] }, steps);
  const nuisance = blockScores(world, style, steps, 0);
  assert.ok(nuisance.style > 0.9 && nuisance.content < 0.05, JSON.stringify(nuisance));
});

it('readAccuracy: the embedding of the shown character is always right; of the next character, right one time in ten at most', () => {
  const task = 1; // reads the letter slot
  const steps = servedSteps(world, task, 0, 300);
  const shown = steps.map(([e, t]) => world.truth.content[(e * T + t) * 2 + 1]);
  const embed = (k: (c: number) => number) => ({ data: Float32Array.from(shown.flatMap((c) => world.truth.embeddings[task][k(c)])), shape: [steps.length, 4] });
  assert.equal(readAccuracy(world, embed((c) => c), steps, task), 1);
  assert.equal(readAccuracy(world, embed((c) => (c + 1) % 10), steps, task), 0);
});

it('glyphEvaluation: the comparison of heads on its rows counts reads as readAccuracy does; fonts pick the scored steps', () => {
  const rng = createRng(4);
  const [from, to, M, dg] = [200, 300, 3, 4];
  const set = { name: 'held out', observations: { data: new Float32Array((to - from) * T), shape: [to - from, T, 1] }, ...glyphEvaluation(world, from, to) };
  // Layer 1 giving every step to every task: the set's own mask keeps the steps that serve each.
  const everyStep = Array.from({ length: T }, () => [1, 1, 1]);
  const latents = { data: new Float32Array((to - from) * T), shape: [to - from, T, 1] };
  for (let task = 0; task < M; task++) {
    const rows = taskRows(set, latents, everyStep, task, true);
    const steps = servedSteps(world, task, from, to);
    assert.equal(rows.targets.shape[0], steps.length);
    // A prediction that is each row's embedding, pushed off it now and then.
    const prediction = { data: Float32Array.from(rows.targets.data, (v) => v + (rng.next() < 0.3 ? 2 * rng.normal() : 0)), shape: [steps.length, dg] };
    const score = scoreSet(rows, () => ({ prediction, input: rows.latents }));
    assert.equal(score.accuracy, readAccuracy(world, prediction, steps, task));
    assert.ok(score.accuracy! > 0.6 && score.accuracy! < 0.95, `accuracy ${score.accuracy}`);
  }
  const inFonts = glyphEvaluation(world, from, to, [5, 6]);
  for (let r = 0; r < (to - from) * T; r++) {
    const serves = world.truth.relation[Math.floor((r % T) / 2) * M] === 1;
    assert.equal(inFonts.steps.data[r * M], Number(serves && [5, 6].includes(world.truth.font[from * T + r])));
  }
});

it('bad shapes and indices are typed errors', async () => {
  await expectCode(() => glyphEvaluation(world, 250, 301), 'INVALID_ARGUMENT', 'to must be an integer');
  const steps = servedSteps(world, 0, 0, 10);
  await expectCode(() => readAccuracy(world, { data: new Float32Array(8), shape: [2, 4] }, steps, 0), 'SHAPE_MISMATCH', 'one row per step');
  await expectCode(() => readAccuracy(world, { data: new Float32Array(steps.length * 4), shape: [steps.length, 4] }, steps, 7), 'INVALID_ARGUMENT', 'task 7');
  await expectCode(() => blockScores(world, { data: new Float32Array(6), shape: [3, 2] }, steps, 0), 'SHAPE_MISMATCH', 'one row per step');
  await expectCode(() => blockScores(world, { data: new Float32Array(steps.length), shape: [steps.length, 1] }, steps, 2), 'INVALID_ARGUMENT', 'slot 2');
});
