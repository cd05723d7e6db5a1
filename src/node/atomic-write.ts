// Atomic saves in Node: the bytes go to a temporary file beside the target, are flushed to disk,
// then renamed over it, so a crash leaves either the old file or the new one, never half of one.
//   - Symlinks are written through: the link's final target is replaced, the link stays a link.
//   - Only regular files (or new names) are targets: a directory, device, FIFO or socket is refused
//     with INVALID_FILE, because a rename would silently replace the node with a regular file.
//   - No temporary file outlives a failure: errors unlink it; SIGINT/SIGTERM/SIGHUP during a write
//     unlink it before the process ends; and one left by a process that was killed outright
//     (SIGKILL, power loss) is recognised by its name and removed by the next save into that folder.
import { unlinkSync } from 'node:fs';
import { lstat, open, readdir, readlink, rename, stat, unlink, type FileHandle } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { SpecialistError } from '../core/errors.ts';

/** Every temporary file ends with this, after `.<target name>.<pid>.<random>`. */
const TEMP_SUFFIX = '.specialist-tmp';
const TEMP_NAME = /^\.(.+)\.(\d+)\.[0-9a-z]+\.specialist-tmp$/;
/** Linux gives up after 40 links (ELOOP); so do we. */
const MAX_LINKS = 40;
const SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

function failure(path: string, message: string, details: Record<string, unknown> = {}): SpecialistError {
  return new SpecialistError('INVALID_FILE', `${path}: ${message}`, { file: path, ...details });
}

function errno(error: unknown): string {
  return (error as NodeJS.ErrnoException).code ?? (error as Error).message;
}

function kindOf(info: { isDirectory(): boolean; isCharacterDevice(): boolean; isBlockDevice(): boolean; isFIFO(): boolean; isSocket(): boolean }): string {
  if (info.isDirectory()) return 'directory';
  if (info.isCharacterDevice()) return 'character device';
  if (info.isBlockDevice()) return 'block device';
  if (info.isFIFO()) return 'FIFO';
  if (info.isSocket()) return 'socket';
  return 'special file';
}

/**
 * The regular file a save to `path` replaces: `path` itself, or the end of its chain of symlinks
 * (a dangling link names the file to create). Throws INVALID_FILE for anything but a regular file.
 */
export async function resolveSaveTarget(path: string): Promise<{ target: string; mode?: number }> {
  let current = resolve(path);
  for (let hop = 0; hop <= MAX_LINKS; hop++) {
    let info;
    try {
      info = await lstat(current);
    } catch (error) {
      if (errno(error) === 'ENOENT') return { target: current };
      throw failure(path, `cannot be written (${errno(error)})`);
    }
    if (info.isSymbolicLink()) {
      try {
        current = resolve(dirname(current), await readlink(current));
      } catch (error) {
        throw failure(path, `cannot be written: its symlink ${current} cannot be read (${errno(error)})`);
      }
      continue;
    }
    if (info.isFile()) return { target: current, mode: info.mode & 0o7777 };
    const kind = kindOf(info);
    throw failure(path, `is a ${kind}${current === resolve(path) ? '' : ` (${current}, through symlinks)`}, not a regular file: a save would replace it; give a file name`, {
      reason: 'not-a-regular-file',
      kind,
      target: current,
    });
  }
  throw failure(path, `more than ${MAX_LINKS} symlinks to follow`, { reason: 'symlink-loop' });
}

const active = new Set<string>();

function onSignal(signal: NodeJS.Signals): void {
  for (const temporary of active) {
    try {
      unlinkSync(temporary);
    } catch {
      // already gone
    }
  }
  active.clear();
  // Alone on this signal we stand between it and the default action (ending the process): step
  // aside and raise it again. When the application listens too, it decides what happens.
  if (process.listenerCount(signal) === 1) {
    for (const s of SIGNALS) process.removeListener(s, onSignal);
    process.kill(process.pid, signal);
  }
}

function track(temporary: string): void {
  if (active.size === 0) for (const s of SIGNALS) process.on(s, onSignal);
  active.add(temporary);
}

function untrack(temporary: string): void {
  active.delete(temporary);
  if (active.size === 0) for (const s of SIGNALS) process.removeListener(s, onSignal);
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return errno(error) === 'EPERM'; // alive, owned by someone else
  }
}

/**
 * Removes the temporary files in `folder` that a killed save left behind: ours by name, whose
 * process is gone. Those of live processes (this one included: another thread may be writing) stay.
 * Returns how many it removed.
 */
export async function removeOrphanedTemporaries(folder: string): Promise<number> {
  let names: string[];
  try {
    names = await readdir(folder);
  } catch {
    return 0;
  }
  let removed = 0;
  for (const name of names) {
    const match = TEMP_NAME.exec(name);
    if (!match) continue;
    const path = join(folder, name);
    const pid = Number(match[2]);
    if (pid === process.pid || isAlive(pid)) continue;
    try {
      await unlink(path);
      removed++;
    } catch {
      // another save removed it first
    }
  }
  return removed;
}

/**
 * Writes `bytes` to `path` atomically (a temporary file beside it, flushed, then renamed over it):
 * through symlinks, refusing devices, FIFOs and folders, keeping an existing file's permissions,
 * leaving no temporary file behind (docs/reliability.md, "Saving files"). Errors are INVALID_FILE
 * naming the path and the system's reason (ENOSPC, EACCES, ...).
 */
export async function writeFileAtomic(path: string, bytes: Uint8Array): Promise<void> {
  const { target, mode } = await resolveSaveTarget(path);
  const folder = dirname(target);
  await removeOrphanedTemporaries(folder);
  const temporary = join(folder, `.${basename(target)}.${process.pid}.${Math.random().toString(36).slice(2, 10)}${TEMP_SUFFIX}`);
  track(temporary);
  let handle: FileHandle | undefined;
  try {
    handle = await open(temporary, 'wx', mode ?? 0o666);
    if (mode !== undefined) await handle.chmod(mode); // the umask applied at creation
    await handle.writeFile(bytes);
    await handle.sync();
    await handle.close();
    handle = undefined;
    // The target may have become something else while we wrote.
    const now = await stat(target).catch(() => undefined);
    if (now && !now.isFile()) throw new Error(`${target} became a ${kindOf(now)} during the save`);
    await rename(temporary, target);
    await syncFolder(folder);
  } catch (error) {
    if (handle) await handle.close().catch(() => {});
    await unlink(temporary).catch(() => {});
    if (error instanceof SpecialistError) throw error;
    throw failure(path, `cannot be written (${errno(error)})`, { reason: errno(error) });
  } finally {
    untrack(temporary);
  }
}

/** Makes the rename itself durable; folders that cannot be opened or synced (some platforms) are skipped. */
async function syncFolder(folder: string): Promise<void> {
  let handle: FileHandle | undefined;
  try {
    handle = await open(folder, 'r');
    await handle.sync();
  } catch {
    // best effort: the data itself was synced before the rename
  } finally {
    await handle?.close().catch(() => {});
  }
}
