// Host detection in one place: every module that must behave differently in Node and in browsers
// asks here, so no layer reaches up to another for it.

/** True in Node (main thread or worker_threads), false in browsers and their workers. */
export const isNode = typeof process !== 'undefined' && !!process.versions?.node && typeof window === 'undefined';

/** Hardware threads of the host (Node: availableParallelism; browsers: hardwareConcurrency); 2 when unknown. */
export function hardwareThreads(): number {
  const threads = isNode
    ? (globalThis as { process?: { availableParallelism?: () => number } }).process?.availableParallelism?.()
    : globalThis.navigator?.hardwareConcurrency;
  return threads && threads > 0 ? threads : 2;
}
