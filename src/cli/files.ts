// File helpers shared by the CLI commands: .npy in as typed matrices, folders and JSON out.
import { mkdir } from 'node:fs/promises';
import { SpecialistError } from '../core/errors.ts';
import { readNpyFile, writeFileAtomic } from '../node/npy-file.ts';
import { toFloat32, type NpyArray } from '../io/npy.ts';
import type { Tensor } from '../core/tensor.ts';

/** A float .npy as float32 data with its shape (float64 narrowed). */
export async function readFloatNpy(path: string): Promise<Tensor<Float32Array>> {
  const array = await readNpyFile(path);
  return { data: toFloat32(array, path), shape: array.shape };
}

/** A 2-D .npy [N, d] as float32; a 1-D [N] array becomes [N, 1]. */
export async function readMatrixNpy(path: string, name: string): Promise<Tensor<Float32Array>> {
  const { data, shape } = await readFloatNpy(path);
  if (shape.length === 1) return { data, shape: [shape[0], 1] };
  if (shape.length !== 2) throw new SpecialistError('SHAPE_MISMATCH', `--${name} ${path} must be [N] or [N, d], got shape (${shape.join(', ')})`, { argument: name, shape });
  return { data, shape };
}

/** 0/1 rows from any numeric .npy (bool, uint8, int or float). */
export function asMembership(array: NpyArray, path: string): Tensor<Float32Array> {
  if (array.shape.length !== 2) throw new SpecialistError('SHAPE_MISMATCH', `${path} must be [N, K], got shape (${array.shape.join(', ')})`, { file: path });
  return { data: Float32Array.from(array.data as ArrayLike<number>), shape: array.shape };
}

export async function ensureDir(dir: string): Promise<void> {
  try {
    await mkdir(dir, { recursive: true });
  } catch (error) {
    throw new SpecialistError('INVALID_FILE', `${dir}: cannot create the folder (${(error as Error).message})`, { file: dir });
  }
}

export async function writeJson(path: string, value: unknown): Promise<void> {
  await writeFileAtomic(path, new TextEncoder().encode(JSON.stringify(value, null, 2) + '\n'));
}
