// Latents in, heads out: the pipeline on latents the user already has goes through the same stages
// as with an encoder (the same answer on the same latents), fitInputsFromStructure builds Layer 2's
// rows from Layer 1's stepTasks, and the inputs that cannot mean anything are refused by name.
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { isSpecialistError } from '../../src/core/errors.ts';
import { Generalist } from '../../src/generalist/generalist.ts';
import { fitInputsFromStructure } from '../../src/pipeline/fit-inputs.ts';
import { runPipeline, type PipelineInput } from '../../src/pipeline/pipeline.ts';
import { generalistWorld } from '../../src/synthetic/generalist-world.ts';

const code = (expected: string) => (error: unknown) => isSpecialistError(error) && error.code === expected;

it('latents given: the same relation and heads as the encoder path on the latents it encodes; no encoder recorded', async () => {
  const world = generalistWorld({ episodes: 300, steps: 4, seed: 3 });
  const [n, T, D] = world.shapes.observations;
  const tasks = { data: world.tasks, shape: world.shapes.tasks as number[] };
  const options = { structure: { segmentLength: 2 }, specialists: { epochs: 3, seed: 1 }, generalist: { device: 'wasm' as const } };
  const viaEncoder = await runPipeline({ encoder: world.encoderOnnx, observations: { data: world.observations, shape: [n, T, D] }, tasks }, options);
  const generalist = await Generalist.load(world.encoderOnnx, { device: 'wasm' });
  const latents = await generalist.encode({ data: world.observations, shape: [n, T, D] });
  await generalist.dispose();
  const { generalist: _unused, ...latentOptions } = options;
  const viaLatents = await runPipeline({ latents, tasks }, latentOptions);
  assert.deepEqual(viaLatents.structure.relation, viaEncoder.structure.relation);
  assert.deepEqual(viaLatents.specialists?.supports, viaEncoder.specialists?.supports);
  assert.equal(viaLatents.device, null);
  assert.equal(viaLatents.encoderSha256, null);
  assert.equal(viaLatents.specialists?.encoderSha256, undefined);
  assert.equal(viaEncoder.specialists?.encoderSha256, viaEncoder.encoderSha256);
});

it('fitInputsFromStructure: the rows of the steps that serve a task, their membership and the episode targets', () => {
  // 2 episodes, 3 steps, 1 latent number (episode*10 + step), tasks [2, 2] (episode*100 + task).
  const latents = { data: Float32Array.from([0, 1, 2, 10, 11, 12]), shape: [2, 3, 1] };
  const tasks = { data: Float32Array.from([0, 1, 100, 101]), shape: [2, 2] };
  const f = fitInputsFromStructure({ stepTasks: [[1, 0], [0, 0], [1, 1]] }, latents, tasks);
  assert.deepEqual(f.fittedTasks, [0, 1]);
  assert.deepEqual([...f.latents.data], [0, 2, 10, 12]);
  assert.deepEqual([...f.membership.data], [1, 0, 1, 1, 1, 0, 1, 1]);
  assert.deepEqual([...f.targets.data], [0, 1, 0, 1, 100, 101, 100, 101]);
  assert.deepEqual(f.targets.shape, [4, 2, 1]);
  // Per-step targets [n, T, M] replace the episode's variable.
  const stepTargets = { data: Float32Array.from({ length: 12 }, (_, i) => i), shape: [2, 3, 2] };
  assert.deepEqual([...fitInputsFromStructure({ stepTasks: [[1, 0], [0, 0], [1, 1]] }, latents, tasks, { stepTargets }).targets.data], [0, 1, 4, 5, 6, 7, 10, 11]);
  // A task without a step gets no head.
  assert.deepEqual(fitInputsFromStructure({ stepTasks: [[1, 0], [0, 0], [1, 0]] }, latents, tasks).fittedTasks, [0]);
});

it("fitInputsFromStructure refuses a structure of other data, and latents that are not [n, T, d]", () => {
  const latents = { data: new Float32Array(6), shape: [2, 3, 1] };
  const tasks = { data: new Float32Array(4), shape: [2, 2] };
  assert.throws(() => fitInputsFromStructure({ stepTasks: [[1, 0], [0, 1]] }, latents, tasks), /stepTasks must be \[3\]\[2\]/);
  assert.throws(() => fitInputsFromStructure({ stepTasks: [[1, 0], [0, 2], [1, 1]] }, latents, tasks), code('SHAPE_MISMATCH'));
  assert.throws(() => fitInputsFromStructure({ stepTasks: [[1, 0], [0, 1], [1, 1]] }, { data: new Float32Array(6), shape: [6, 1] }, tasks), code('SHAPE_MISMATCH'));
});

it('the pipeline refuses no source, both sources, and latents that are not [n, T, d], before any work', async () => {
  const tasks = { data: new Float32Array(40), shape: [20, 2] };
  const latents = { data: new Float32Array(20 * 4 * 3), shape: [20, 4, 3] };
  const options = { structure: { segmentLength: 2 } };
  await assert.rejects(runPipeline({ tasks } as unknown as PipelineInput, options), /no encoder: give \{ latents/);
  await assert.rejects(runPipeline({ latents, encoder: new Uint8Array(4), tasks } as unknown as PipelineInput, options), /not both/);
  await assert.rejects(runPipeline({ latents: { data: latents.data, shape: [20, 12] }, tasks }, options), code('SHAPE_MISMATCH'));
});
