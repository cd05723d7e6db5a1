// A demo pair for the page, made in Node: the synthetic world's generalist encoder, heads fitted on
// it (the whole pipeline, about 10 s) and observations the heads have not seen, in public/assets/.
// With your own model, put your encoder.onnx, heads.specialist and observations.npy there instead.
import { mkdirSync, writeFileSync } from 'node:fs';
import { formatNpy, runPipeline } from 'specialist-sdk';
import { generalistWorld } from 'specialist-sdk/lab';

const WORLD = { steps: 8, seed: 5 };
const TRAINING = 300; // episodes the heads are fitted on
const STREAM = 2; // later episodes, unseen, as the observations to run

const world = generalistWorld({ ...WORLD, episodes: TRAINING + STREAM });
const [, T, D] = world.shapes.observations;
const [, M, dg] = world.shapes.tasks;
const rows = TRAINING * T;
const result = await runPipeline(
  {
    encoder: world.encoderOnnx,
    observations: { data: world.observations.subarray(0, rows * D), shape: [TRAINING, T, D] },
    tasks: { data: world.tasks.subarray(0, TRAINING * M * dg), shape: [TRAINING, M, dg] },
    stepTargets: { data: world.contributions.subarray(0, rows * M * dg), shape: [TRAINING, T, M, dg] },
  },
  { structure: { segmentLength: 2 }, specialists: { epochs: 30, seed: 1 } },
);
mkdirSync('public/assets', { recursive: true });
writeFileSync('public/assets/encoder.onnx', world.encoderOnnx);
writeFileSync('public/assets/heads.specialist', result.specialists.serialise());
writeFileSync('public/assets/observations.npy', formatNpy({ data: world.observations.subarray(rows * D), shape: [STREAM * T, D] }));
console.log(`wrote public/assets/: encoder.onnx, heads.specialist (supports ${JSON.stringify(result.specialists.supports)}), observations.npy [${STREAM * T}, ${D}]`);
