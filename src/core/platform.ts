// Host detection in one place: every module that must behave differently in Node and in browsers,
// or on pages with and without a capability, asks here, so no other file reads the host's globals
// (process, window, location, navigator, crossOriginIsolated). test/architecture.test.ts checks it.

/** True in Node (main thread or worker_threads), false in browsers and their workers. */
export const isNode = typeof process !== 'undefined' && !!process.versions?.node && typeof window === 'undefined';

/** Hardware threads of the host (Node: availableParallelism; browsers: hardwareConcurrency); 2 when unknown. */
export function hardwareThreads(): number {
  const threads = isNode
    ? (globalThis as { process?: { availableParallelism?: () => number } }).process?.availableParallelism?.()
    : globalThis.navigator?.hardwareConcurrency;
  return threads && threads > 0 ? threads : 2;
}

/**
 * The URL relative URLs are resolved against: the page's (or a worker script's) location where
 * there is one; undefined in Node, where a relative URL string has no base.
 */
export function baseUrl(): string | undefined {
  return (globalThis as { location?: { href: string } }).location?.href;
}

/**
 * Whether workers can share memory and wait on it (SharedArrayBuffer and Atomics): always in Node;
 * in browsers only on cross-origin isolated pages.
 */
export function sharedMemoryAvailable(): boolean {
  if (typeof SharedArrayBuffer === 'undefined' || typeof Atomics === 'undefined') return false;
  return isNode || (globalThis as { crossOriginIsolated?: boolean }).crossOriginIsolated === true;
}

/** The browser's WebGPU entry point (navigator.gpu), or undefined where there is none (Node, older browsers). */
export function webGpu(): { requestAdapter(): Promise<unknown> } | undefined {
  return (globalThis.navigator as (Navigator & { gpu?: { requestAdapter(): Promise<unknown> } }) | undefined)?.gpu;
}
