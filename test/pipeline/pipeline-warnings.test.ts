// The pipeline passes on what Layer 1 warns about: a run with few episodes for its widest test
// (the diagnostic) says so in PipelineResult.warnings, as discoverTaskStructure does alone.
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { runPipeline } from '../../src/pipeline/pipeline.ts';
import { discoverTaskStructure } from '../../src/structure/discover.ts';
import { generalistWorld } from '../../src/synthetic/generalist-world.ts';

it("Layer 1's warnings reach PipelineResult.warnings, prefixed", async () => {
  const world = generalistWorld({ episodes: 45, steps: 4, seed: 11 });
  const [n, T, D] = world.shapes.observations;
  const tasks = { data: world.tasks, shape: world.shapes.tasks as number[] };
  const options = { structure: { segmentLength: 2 }, specialists: { epochs: 2, seed: 1 }, generalist: { device: 'wasm' as const } };
  const result = await runPipeline({ encoder: world.encoderOnnx, observations: { data: world.observations, shape: [n, T, D] }, tasks }, options);
  const alone = await discoverTaskStructure(result.latents, tasks, options.structure);
  assert.ok(alone.warnings.length > 0, 'this world should be narrow enough in n for a width warning');
  for (const warning of alone.warnings) assert.ok(result.warnings.includes(`Layer 1: ${warning}`), `missing: ${warning}`);
});
