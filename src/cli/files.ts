// File helpers shared by the CLI commands: .npy in as typed matrices, folders and JSON out.
import { mkdir, readFile } from 'node:fs/promises';
import { SpecialistError } from '../core/errors.ts';
import { readNpyFile, writeFileAtomic } from '../node/npy-file.ts';
import { toFloat32, type NpyArray } from '../io/npy.ts';
import type { Tensor } from '../core/tensor.ts';

/** A float .npy as float32 data with its shape (float64 narrowed). */
export async function readFloatNpy(path: string): Promise<Tensor<Float32Array>> {
  const array = await readNpyFile(path);
  return { data: toFloat32(array, path), shape: array.shape };
}

const INTEGER_DTYPES: readonly string[] = ['<i4', '<i8', '|u1', '|b1'];

/**
 * Task variables or targets: float .npy as readFloatNpy; integer or bool labels (numpy's int64,
 * uint8, bool...) are read as numbers, with a note in `notes`: ordered labels (counts, grades)
 * mean what they say, categories do not (one-hot them: np.eye(k)[labels]).
 */
export async function readLabelsNpy(path: string, notes: string[]): Promise<Tensor<Float32Array>> {
  const array = await readNpyFile(path);
  if (!INTEGER_DTYPES.includes(array.dtype)) return { data: toFloat32(array, path), shape: array.shape };
  notes.push(`${path} holds integer labels (${array.dtype}): read as numbers, so their order counts; if they are categories, save them one-hot (np.eye(k)[labels]) instead`);
  // int64 arrive as exact float64 (the reader refuses beyond 2^53); float32 holds labels up to 2^24 exactly.
  return { data: Float32Array.from(array.data), shape: array.shape };
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

/** The structure command's --json output (or the pipeline's structure.json): its stepTasks are checked where used. */
export async function readStructureJson(path: string): Promise<{ stepTasks: number[][] }> {
  let value: { stepTasks?: unknown };
  try {
    value = JSON.parse(await readFile(path, 'utf8'));
  } catch (error) {
    throw new SpecialistError('INVALID_FILE', `--structure ${path}: cannot read it as JSON (${(error as Error).message}); write it with \`specialist-sdk structure ... --json > ${path}\``, { file: path });
  }
  if (!Array.isArray(value?.stepTasks)) throw new SpecialistError('INVALID_FILE', `--structure ${path} has no stepTasks: write it with \`specialist-sdk structure ... --json > ${path}\``, { file: path });
  return value as { stepTasks: number[][] };
}
