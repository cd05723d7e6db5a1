// Node file access for .npy: reads with typed errors, writes atomically (temporary file + rename),
// so a crash never leaves a half-written file under the final name.
import { readFile, rename, writeFile, unlink } from 'node:fs/promises';
import { SpecialistError } from '../core/errors.ts';
import { formatNpy, parseNpy, type NpyArray } from './npy.ts';

export async function readNpyFile(path: string): Promise<NpyArray> {
  let bytes: Uint8Array;
  try {
    bytes = await readFile(path);
  } catch (error) {
    throw new SpecialistError('INVALID_FILE', `${path}: cannot be read (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`, { file: path });
  }
  return parseNpy(bytes, path);
}

/** Writes bytes to `path` through a temporary file in the same folder and an atomic rename. */
export async function writeFileAtomic(path: string, bytes: Uint8Array): Promise<void> {
  const temporary = `${path}.${process.pid}.${Date.now().toString(36)}.tmp`;
  try {
    await writeFile(temporary, bytes, { flag: 'wx' });
    await rename(temporary, path);
  } catch (error) {
    await unlink(temporary).catch(() => {});
    throw new SpecialistError('INVALID_FILE', `${path}: cannot be written (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`, { file: path });
  }
}

export async function writeNpyFile(path: string, array: Parameters<typeof formatNpy>[0]): Promise<void> {
  await writeFileAtomic(path, formatNpy(array));
}
