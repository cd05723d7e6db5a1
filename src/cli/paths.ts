// Output paths checked before any work: an output that names another output or an input would
// overwrite what the command is reading or writing (e.g. `run --block-out` equal to `--out`).
import { statSync } from 'node:fs';
import { resolve } from 'node:path';
import { SpecialistError } from '../core/errors.ts';

/** The file's identity: device and inode when it exists (so links count as the same file), else its absolute path. */
function identity(path: string): string {
  try {
    const { dev, ino } = statSync(path);
    return `inode:${dev}:${ino}`;
  } catch {
    return `path:${resolve(path)}`;
  }
}

/**
 * Throws INVALID_ARGUMENT when an output (flag -> path) is the same file as another output or as an
 * input. Absent (undefined) paths are skipped.
 */
export function refuseCollidingPaths(outputs: Record<string, string | undefined>, inputs: Record<string, string | undefined>): void {
  const seen = new Map<string, string>();
  for (const [flag, path] of Object.entries(inputs)) if (path !== undefined) seen.set(identity(path), flag);
  for (const [flag, path] of Object.entries(outputs)) {
    if (path === undefined) continue;
    const id = identity(path);
    const other = seen.get(id);
    if (other !== undefined) {
      const what = other in inputs ? 'the input' : 'the output';
      throw new SpecialistError('INVALID_ARGUMENT', `--${flag} ${path} is the same file as ${what} --${other}; choose another path`, { option: flag, other, path });
    }
    seen.set(id, flag);
  }
}
