// Node file access for .npy: reads with typed errors, writes atomically (see atomic-write.ts).
import { readFile } from 'node:fs/promises';
import { writeFileAtomic } from './atomic-write.ts';
import { SpecialistError } from '../core/errors.ts';
import { formatNpy, parseNpy, type NpyArray } from '../io/npy.ts';

/** Reads a .npy file (Node); a missing or unreadable file is INVALID_FILE naming the path. */
export async function readNpyFile(path: string): Promise<NpyArray> {
  let bytes: Uint8Array;
  try {
    bytes = await readFile(path);
  } catch (error) {
    throw new SpecialistError('INVALID_FILE', `${path}: cannot be read (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`, { file: path });
  }
  return parseNpy(bytes, path);
}

/**
 * Writes a tensor as a .npy file (Node), atomically: a crash leaves the old file or the new one,
 * never half of one.
 */
export async function writeNpyFile(path: string, array: Parameters<typeof formatNpy>[0]): Promise<void> {
  await writeFileAtomic(path, formatNpy(array));
}

export { writeFileAtomic };
