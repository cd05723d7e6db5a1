import { SpecialistError, throwIfAborted } from './errors.ts';

/**
 * The one shape of progress: `done` of `total` units of the call's work (tests, rows, epochs...).
 * A call may report more (FitProgress adds the loss and the supports, PipelineProgress the stage).
 */
export interface Progress {
  done: number;
  total: number;
}

/** A caller's progress callback; if it throws, the call stops with CALLBACK_FAILED. */
export type ProgressCallback<P extends Progress = Progress> = (progress: P) => void;

/** What every long call accepts besides its data. */
export interface CallOptions {
  /** Aborting rejects the call with ABORTED. */
  signal?: AbortSignal;
  onProgress?: ProgressCallback;
}

/**
 * Calls a caller's callback; if it throws, the call it belongs to stops with CALLBACK_FAILED (a
 * typed error naming the callback) rather than with whatever the callback threw.
 */
export function callBack<A extends unknown[]>(name: string, callback: ((...args: A) => void) | undefined, ...args: A): void {
  if (!callback) return;
  try {
    callback(...args);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    throw new SpecialistError('CALLBACK_FAILED', `${name} threw: ${message}`, { callback: name, cause: message });
  }
}

/** Reports progress and honours the abort signal between chunks of kernel work. */
export function checkpoint(options: CallOptions | undefined, done: number, total: number): void {
  throwIfAborted(options?.signal);
  callBack('onProgress', options?.onProgress, { done, total });
  throwIfAborted(options?.signal);
}

/**
 * Splits rows [0, rows) into chunks of roughly `targetWork` units (rows * workPerRow), runs `body`
 * on each and checkpoints after each, so progress and abort have a granularity of a few ms.
 */
export function forEachRowChunk(
  rows: number,
  workPerRow: number,
  options: CallOptions | undefined,
  body: (start: number, end: number) => void,
  targetWork = 4_000_000,
): void {
  const step = Math.max(1, Math.floor(targetWork / Math.max(1, workPerRow)));
  checkpoint(options, 0, rows);
  for (let start = 0; start < rows; start += step) {
    const end = Math.min(rows, start + step);
    body(start, end);
    checkpoint(options, end, rows);
  }
}

/** Lets timers and abort events in during long synchronous work, without slowing short work: yields at most every `everyMs`. */
export function makeYielder(everyMs = 25): () => Promise<void> | undefined {
  let last = performance.now();
  return () => {
    const now = performance.now();
    if (now - last < everyMs) return undefined;
    last = now;
    return new Promise((resolve) => setTimeout(resolve, 0));
  };
}
