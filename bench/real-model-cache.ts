// Latents cache of `npm run real-model -- --latents-cache DIR`: encoding 7200 pictures through the
// recogniser is most of a seed's time (about 20 minutes on the shared 2-core machine) and does not
// change when Layer 1 or Layer 2 change. The first run of a seed saves its latents (the pipeline's
// and the held-out ones); later runs feed them to the same pipeline through an identity encoder,
// so Layer 1 and Layer 2 run exactly as before on bit-identical latents.
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from '../src/node/atomic-write.ts';
import { buildOnnxModel } from '../src/onnx/builder.ts';
import type { Tensor } from '../src/core/tensor.ts';

export interface CachedLatents {
  latents: Tensor<Float32Array>;
  heldLatents: Tensor<Float32Array>;
}

/** `world` names a world other than the default one (e.g. 'shortcut0.8'). */
export function cachePath(dir: string, key: { seed: number; layer: string; episodes: number; holdout: number; steps: number; world?: string }): string {
  return join(dir, `latents-${key.layer}-${key.world ? `${key.world}-` : ''}seed${key.seed}-${key.episodes}+${key.holdout}x${key.steps}.bin`);
}

// File: a JSON header line with both shapes, then the two float32 arrays.
export function readCache(path: string): CachedLatents | undefined {
  if (!existsSync(path)) return undefined;
  const bytes = readFileSync(path);
  const end = bytes.indexOf(10);
  const { latents, heldLatents } = JSON.parse(bytes.subarray(0, end).toString('utf8')) as Record<keyof CachedLatents, number[]>;
  const size = (shape: number[]) => shape.reduce((a, b) => a * b, 1);
  const body = new Float32Array(bytes.buffer.slice(bytes.byteOffset + end + 1, bytes.byteOffset + bytes.length));
  if (body.length !== size(latents) + size(heldLatents)) throw new Error(`${path}: size does not match its header`);
  return {
    latents: { data: body.slice(0, size(latents)), shape: latents },
    heldLatents: { data: body.slice(size(latents)), shape: heldLatents },
  };
}

export async function writeCache(path: string, cached: CachedLatents): Promise<void> {
  mkdirSync(join(path, '..'), { recursive: true });
  const header = Buffer.from(`${JSON.stringify({ latents: cached.latents.shape, heldLatents: cached.heldLatents.shape })}\n`);
  const body = (t: Tensor<Float32Array>) => Buffer.from(t.data.buffer, t.data.byteOffset, t.data.byteLength);
  await writeFileAtomic(path, Buffer.concat([header, body(cached.latents), body(cached.heldLatents)]));
}

/** An ONNX model that returns its [batch, width] input: the "encoder" of cached latents. */
export function identityEncoder(width: number): Uint8Array {
  return buildOnnxModel({
    graphName: 'cached-latents',
    inputs: [{ name: 'latents', shape: ['batch', width] }],
    outputs: [{ name: 'same', shape: ['batch', width] }],
    nodes: [{ op: 'Identity', inputs: ['latents'], outputs: ['same'] }],
  });
}
