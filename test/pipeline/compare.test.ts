// The head comparison: scores against hand computations, leakage that a probe finds where it is
// and not where it is not, the pipeline's dense baseline and evaluation sets (through a worker),
// and bad evaluation input as typed errors before any work.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createRng } from '../../src/core/random.ts';
import { Generalist } from '../../src/generalist/generalist.ts';
import { scoreSet, type ComparisonRows, type TaskComparison } from '../../src/pipeline/compare.ts';
import { runPipelineInWorker } from '../../src/pipeline/job.ts';
import { runPipeline, type EncoderInput, type PipelineInput, type PipelineResult } from '../../src/pipeline/pipeline.ts';
import { generalistWorld } from '../../src/synthetic/generalist-world.ts';
import { WorkerPool } from '../../src/worker/pool.ts';
import { expectCode } from '../helpers.ts';

const tensor = (data: number[] | Float32Array, shape: number[]) => ({ data: Float32Array.from(data), shape });

describe('scoreSet', () => {
  const rng = createRng(5);
  const codes = [[1, 0], [0, 1], [-1, -1]];
  const rows = 300;
  const label = Array.from({ length: rows }, () => rng.int(3));
  const targets = tensor(label.flatMap((c) => codes[c]), [rows, 2]);
  const latents = tensor(Array.from({ length: rows * 3 }, () => rng.normal()), [rows, 3]);

  it('R² and class-code accuracy as computed by hand', () => {
    // Every tenth row predicts the next code; the others a code plus small noise.
    const prediction = Float32Array.from(label.flatMap((c, r) => (r % 10 === 0 ? codes[(c + 1) % 3] : codes[c].map((v) => v + 0.05))));
    const set: ComparisonRows = { name: 'hand', latents, targets };
    const got = scoreSet(set, () => ({ prediction: { data: prediction, shape: [rows, 2] }, input: latents }));
    let sse = 0, sst = 0;
    const mean = [0, 1].map((q) => label.reduce((a, c) => a + codes[c][q], 0) / rows);
    label.forEach((c, r) => [0, 1].forEach((q) => ((sse += (prediction[r * 2 + q] - codes[c][q]) ** 2), (sst += (codes[c][q] - mean[q]) ** 2))));
    assert.equal(got.rows, rows);
    assert.ok(Math.abs(got.r2 - (1 - sse / sst)) < 1e-9, `R² ${got.r2}`);
    assert.equal(got.accuracy, 0.9);
    assert.deepEqual(got.leakage, {});
  });

  it('no accuracy for continuous targets; leakage high from the nuisance itself, about 0 from noise and 0 from no input', () => {
    const nuisance = tensor(Array.from({ length: rows }, () => rng.normal()), [rows, 1]);
    const set: ComparisonRows = { name: 'leaks', latents, targets: nuisance, nuisance: { n: nuisance } };
    const noise = tensor(Array.from({ length: rows * 2 }, () => rng.normal()), [rows, 2]);
    const itself = scoreSet(set, () => ({ prediction: nuisance, input: nuisance }));
    assert.equal(itself.accuracy, null);
    assert.equal(itself.r2, 1);
    assert.ok(itself.leakage.n > 0.9, `from the nuisance itself: ${itself.leakage.n}`);
    assert.ok(scoreSet(set, () => ({ prediction: nuisance, input: noise })).leakage.n < 0.1);
    assert.equal(scoreSet(set, () => ({ prediction: nuisance, input: tensor([], [rows, 0]) })).leakage.n, 0);
  });

  it('rows that do not match are SHAPE_MISMATCH', async () => {
    await expectCode(() => scoreSet({ name: 'bad', latents, targets: tensor([1, 2], [1, 2]) }, () => ({ prediction: latents, input: latents })), 'SHAPE_MISMATCH', "set 'bad'");
  });
});

describe('the pipeline with a dense baseline and evaluation sets', () => {
  const [n, held, T] = [300, 60, 4];
  const world = generalistWorld({ episodes: n + held, steps: T, seed: 3 });
  const D = world.shapes.observations[2];
  const [, M, dg] = world.shapes.tasks;
  const slice = (data: Float32Array, per: number, from: number, to: number) => data.slice(from * per, to * per);
  const input: EncoderInput = {
    encoder: world.encoderOnnx,
    observations: tensor(slice(world.observations, T * D, 0, n), [n, T, D]),
    tasks: tensor(slice(world.tasks, M * dg, 0, n), [n, M, dg]),
    stepTargets: tensor(slice(world.contributions, T * M * dg, 0, n), [n, T, M, dg]),
  };
  // Score only the first two steps of each held-out episode, and the coordinates outside block 0 as the nuisance.
  const outside = Array.from({ length: D }, (_, c) => c).filter((c) => !world.truth.blocks[0].includes(c));
  const states = slice(world.states, T * D, n, n + held);
  const evaluation = {
    name: 'held out',
    observations: tensor(slice(world.observations, T * D, n, n + held), [held, T, D]),
    stepTargets: tensor(slice(world.contributions, T * M * dg, n, n + held), [held, T, M, dg]),
    steps: tensor(Array.from({ length: held * T }, (_, r) => Number(r % T < 2)), [held, T]),
    nuisance: { outside: tensor(Array.from({ length: held * T * outside.length }, (_, q) => states[Math.floor(q / outside.length) * D + outside[q % outside.length]]), [held, T, outside.length]) },
  };
  const options = { structure: { segmentLength: 2 }, specialists: { epochs: 4, seed: 1 }, generalist: { device: 'wasm' as const }, denseBaseline: true };

  it('fits the dense heads on the same rows and scores both on the set: widths, predictions, leakage', async () => {
    const pool = await WorkerPool.create({ size: 1 });
    let result: PipelineResult;
    try {
      result = await runPipelineInWorker({ ...input, evaluation: [evaluation] }, options, { pool });
    } finally {
      await pool.close();
    }
    const { specialists, dense, comparison, fittedTasks, structure } = result;
    const generalist = await Generalist.load(world.encoderOnnx, { device: 'wasm' });
    const z = await generalist.encode(evaluation.observations);
    await generalist.dispose();
    assert.ok(specialists && dense && comparison, 'heads, dense heads and the comparison');
    assert.ok(fittedTasks.length > 0);
    assert.equal(comparison.length, fittedTasks.length);
    let recomputed = 0;
    assert.ok(result.timings.denseMs > 0);
    for (const [j, task] of fittedTasks.entries()) {
      const c: TaskComparison = comparison[j];
      assert.equal(c.task, task);
      assert.equal(c.specialist.inputWidth, specialists.supports[j].length);
      assert.equal(c.dense!.inputWidth, dense.latentDims);
      assert.ok(c.specialist.parameters < c.dense!.parameters, 'a narrower input needs fewer numbers');
      for (const facts of [c.specialist, c.dense!]) {
        assert.ok(Number.isFinite(facts.validationLoss) && facts.onnxBytes > 0 && facts.latencyMs >= 0);
        assert.equal(facts.sets.length, 1);
        assert.deepEqual(Object.keys(facts.sets[0].leakage), ['outside']);
      }
      // The set's rows: the first two steps of each held-out episode, where Layer 1 gave them the task.
      const steps = [0, 1].filter((t) => structure.stepTasks[t][task]);
      assert.equal(c.specialist.sets[0].rows, held * steps.length);
      if (steps.length === 0) continue;
      // R² recomputed from the dense heads' own predictions on those rows.
      const rows = Array.from({ length: held }, (_, e) => steps.map((t) => e * T + t)).flat();
      const x = tensor(rows.flatMap((r) => Array.from(z.data.subarray(r * D, (r + 1) * D))), [rows.length, D]);
      const y = rows.flatMap((r) => Array.from(evaluation.stepTargets.data.subarray((r * M + task) * dg, (r * M + task + 1) * dg)));
      const p = dense.predict(x, j).data;
      const mean = Array.from({ length: dg }, (_, q) => y.filter((_, i) => i % dg === q).reduce((a, b) => a + b, 0) / rows.length);
      const sse = y.reduce((a, v, i) => a + (p[i] - v) ** 2, 0), sst = y.reduce((a, v, i) => a + (v - mean[i % dg]) ** 2, 0);
      assert.ok(Math.abs(c.dense!.sets[0].r2 - (1 - sse / sst)) < 1e-6, `task ${task}: R² ${c.dense!.sets[0].r2} vs ${1 - sse / sst}`);
      recomputed++;
    }
    assert.ok(recomputed > 0, 'no task was scored on the set');
  });

  it('bad evaluation input and options are typed errors that name what is wrong', async () => {
    const run = (evaluation: unknown, extra: object = {}) => runPipeline({ ...input, evaluation } as PipelineInput, { ...options, ...extra });
    await expectCode(() => run({}), 'INVALID_ARGUMENT', 'evaluation must be an array');
    await expectCode(() => run([{ ...evaluation, name: '' }]), 'INVALID_ARGUMENT', 'non-empty name');
    await expectCode(() => run([evaluation, evaluation]), 'INVALID_ARGUMENT', 'used twice');
    await expectCode(() => run([{ ...evaluation, observations: tensor(new Float32Array(held * T * 3), [held, T, 3]) }]), 'SHAPE_MISMATCH', 'observations');
    await expectCode(() => run([{ ...evaluation, stepTargets: undefined }]), 'INVALID_ARGUMENT', 'needs stepTargets');
    await expectCode(() => run([{ ...evaluation, stepTargets: tensor(new Float32Array(held * T * M), [held, T, M, 1]) }]), 'SHAPE_MISMATCH', 'targets');
    await expectCode(() => run([{ ...evaluation, steps: tensor(new Float32Array(held), [held, 1]) }]), 'SHAPE_MISMATCH', 'steps');
    await expectCode(() => run([{ ...evaluation, nuisance: { a: tensor(new Float32Array(3), [3]) } }]), 'SHAPE_MISMATCH', "nuisance 'a'");
    await expectCode(() => run(undefined, { denseBaseline: 'yes' }), 'INVALID_ARGUMENT', 'denseBaseline');
  });

  it('with latents as input, the evaluation sets are latents too: compared as with an encoder; observations there are a typed error', async () => {
    // The world's observations stand in for latents of one's own encoder.
    const latentsInput = { latents: input.observations, tasks: input.tasks, stepTargets: input.stepTargets };
    const { observations, ...rest } = evaluation;
    const set = { ...rest, latents: observations };
    const result = await runPipeline({ ...latentsInput, evaluation: [set] }, options);
    assert.equal(result.device, null);
    assert.equal(result.encoderSha256, null);
    assert.ok(result.specialists && result.dense && result.comparison);
    assert.equal(result.comparison.length, result.fittedTasks.length);
    for (const c of result.comparison) {
      assert.equal(c.dense!.inputWidth, D);
      assert.equal(c.specialist.sets[0].name, 'held out');
      assert.equal(c.specialist.sets[0].rows, c.dense!.sets[0].rows);
    }
    await expectCode(() => runPipeline({ ...latentsInput, evaluation: [evaluation] } as PipelineInput, options), 'INVALID_ARGUMENT', 'was given latents');
    await expectCode(() => runPipeline({ ...input, evaluation: [{ ...evaluation, latents: observations }] } as PipelineInput, options), 'INVALID_ARGUMENT', 'gives latents');
    await expectCode(() => runPipeline({ ...latentsInput, evaluation: [{ ...set, latents: tensor(new Float32Array(held * T * 3), [held, T, 3]) }] }, options), 'SHAPE_MISMATCH', 'latents');
  });
});
