// Model files in Node: atomic writes, typed errors on reads.
import { readFile } from 'node:fs/promises';
import { SpecialistError } from '../core/errors.ts';
import { writeFileAtomic } from './npy-file.ts';
import { Specialists, type DeserialiseOptions } from '../specialist/model.ts';

/** Saves fitted heads to a file (Node), atomically: a crash leaves the old file or the new one. */
export async function saveSpecialists(path: string, model: Specialists): Promise<void> {
  await writeFileAtomic(path, model.serialise());
}

/**
 * Reads fitted heads from a file (Node), checked as Specialists.deserialise checks them; errors
 * name the path.
 */
export async function loadSpecialists(path: string, options: DeserialiseOptions = {}): Promise<Specialists> {
  let bytes: Uint8Array;
  try {
    bytes = await readFile(path);
  } catch (error) {
    throw new SpecialistError('INVALID_FILE', `${path}: cannot be read (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`, { file: path });
  }
  try {
    return Specialists.deserialise(bytes, options);
  } catch (error) {
    if (error instanceof SpecialistError) throw new SpecialistError(error.code, `${path}: ${error.message}`, { ...error.details, file: path });
    throw error;
  }
}
