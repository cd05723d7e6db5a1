// A deployment to test with: the default world's encoder, two heads fitted on its latents, some
// observations, and the in-thread SpecialistRuntime as the reference (shared by the Node and
// Chromium tests of WorkerSpecialistRuntime).
import { SpecialistRuntime } from '../../src/deploy/specialist-runtime.ts';
import { Generalist, type GeneralistOptions } from '../../src/generalist/generalist.ts';
import { fitSpecialists } from '../../src/specialist/fit.ts';
import { generalistWorld } from '../../src/synthetic/generalist-world.ts';

export interface HeadsFixture {
  encoder: Uint8Array;
  heads: Uint8Array;
  observations: { data: Float32Array; shape: number[] };
  inThread: SpecialistRuntime;
}

/** The default world's encoder and two heads fitted on its latents (targets: task 0 z0 - z1, task 1 z2 squared). */
export async function headsFixture(options: GeneralistOptions = {}): Promise<HeadsFixture> {
  const world = generalistWorld({ episodes: 60, steps: 4, seed: 5 });
  const D = world.params.latentDims;
  const generalist = await Generalist.load(world.encoderOnnx, options);
  const z = await generalist.encode({ data: world.observations, shape: [world.observations.length / D, D] });
  await generalist.dispose();
  const rows = z.shape[0];
  const y = Float32Array.from({ length: rows * 2 }, (_, i) => (i % 2 === 0 ? z.data[(i >> 1) * D] - z.data[(i >> 1) * D + 1] : z.data[(i >> 1) * D + 2] ** 2));
  const fitted = await fitSpecialists(z, { data: y, shape: [rows, 2] }, { epochs: 4, encoderWidths: [8], headWidth: 8, seed: 1 });
  const heads = fitted.withEncoder(generalist.modelSha256).serialise();
  const observations = { data: world.observations.slice(0, 50 * D), shape: [50, D] };
  return { encoder: world.encoderOnnx, heads, observations, inThread: await SpecialistRuntime.load(world.encoderOnnx, heads, { generalist: options }) };
}

