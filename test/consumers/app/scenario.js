// The one scenario every consumer project runs, in a browser module Worker and in Node: a small
// generalist world (seeded, the same in every engine) through the whole pipeline (encode with the
// wasm EP, Layer 1, Layer 2), then the fitted heads deployed with the encoder in a worker
// (WorkerSpecialistRuntime from specialist-sdk/deploy), summarised as plain JSON so the two runs
// can be compared.
export const WORLD = { episodes: 300, steps: 8, seed: 5 };
export const OPTIONS = { structure: { segmentLength: 2 }, specialists: { epochs: 4, seed: 1 }, generalist: { device: 'wasm' } };
const PROBE_ROWS = 40;

/** Runs the scenario with the SDK's own exports, as a user would import them. */
export async function runScenario({ WorkerPool, runPipelineInWorker, generalistWorld, WorkerSpecialistRuntime }) {
  const world = generalistWorld(WORLD);
  const [n, T, D] = world.shapes.observations;
  const M = world.shapes.tasks[1];
  const input = {
    encoder: world.encoderOnnx,
    observations: { data: world.observations, shape: [n, T, D] },
    tasks: { data: world.tasks, shape: world.shapes.tasks },
    stepTargets: { data: world.contributions, shape: [n, T, M, world.params.taskDim] },
  };
  const pool = await WorkerPool.create({ size: 1 });
  try {
    const stages = [];
    const result = await runPipelineInWorker(input, OPTIONS, {
      pool,
      onProgress: ({ stage }) => stages.at(-1) !== stage && stages.push(stage),
    });
    const d = result.latents.shape[2];
    const probe = { data: result.latents.data.subarray(0, PROBE_ROWS * d), shape: [PROBE_ROWS, d] };
    const runtime = await WorkerSpecialistRuntime.load(world.encoderOnnx, result.specialists.serialise(), { generalist: { device: 'wasm' } });
    const deployed = await runtime.run({ data: world.observations.subarray(0, PROBE_ROWS * D), shape: [PROBE_ROWS, D] }, 0);
    await runtime.dispose();
    return {
      stages,
      device: result.device.device,
      latents: Array.from(probe.data),
      relation: result.structure.relation,
      directPValues: result.structure.directPValues.flat(),
      supports: result.specialists.supports,
      block: Array.from(result.specialists.transform(probe, 0).data),
      prediction: Array.from(result.specialists.predict(probe, 0).data),
      deployed: Array.from(deployed.prediction.data),
    };
  } finally {
    await pool.close();
  }
}
