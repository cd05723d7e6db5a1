// Run: npm run build && node examples/pipeline.mjs
// The whole pipeline on a small synthetic world, in a worker, with a deadline; then deploy one head.
import { SpecialistRuntime, WorkerPool, generalistWorld, isSpecialistError, runPipelineInWorker } from '../dist/node.js';

const world = generalistWorld({ episodes: 600, steps: 8, seed: 3 });
const [n, T, D] = world.shapes.observations;
const pool = await WorkerPool.create({ size: 1 });
try {
  const result = await runPipelineInWorker(
    pool,
    {
      encoder: world.encoderOnnx,
      observations: { data: world.observations, shape: [n, T, D] },
      tasks: { data: world.tasks, shape: world.shapes.tasks },
      // What each head learns: here each step's own contribution to its task (omit to learn the
      // episode's task variable from every step, a much weaker signal).
      stepTargets: { data: world.contributions, shape: [n, T, world.shapes.tasks[1], world.params.taskDim] },
    },
    { structure: { segmentLength: 2 }, specialists: { epochs: 40 } },
    { signal: AbortSignal.timeout(120_000), onProgress: ({ stage, done, total }) => process.stdout.write(`\r${stage} ${Math.round((100 * done) / total)}%   `) },
  );
  console.log(`\nsegments x tasks: ${JSON.stringify(result.structure.relation)}`);
  console.log(`supports: ${JSON.stringify(result.specialists?.supports)}; warnings: ${result.warnings.join('; ') || 'none'}`);
  if (result.specialists) {
    // Deployment: encoder + heads, checked to belong together.
    const runtime = await SpecialistRuntime.load(world.encoderOnnx, result.specialists.serialise());
    const { block, prediction } = await runtime.run({ data: world.observations.subarray(0, 5 * D), shape: [5, D] }, 0);
    console.log(`task ${result.fittedTasks[0]}: block [${block.shape}], prediction [${prediction.shape}]`);
    await runtime.dispose();
  }
} catch (error) {
  if (isSpecialistError(error)) console.error(`failed: [${error.code}] ${error.message}`);
  else throw error;
} finally {
  await pool.close();
}
