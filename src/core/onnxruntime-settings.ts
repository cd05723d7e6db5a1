// One global place to tell onnxruntime-web where its files are, for the encoders this thread loads
// and for every worker a WorkerPool starts afterwards (the pool hands the settings to each worker).
import { SpecialistError } from './errors.ts';
import { baseUrl } from './platform.ts';

/**
 * Where onnxruntime-web finds its files, for this thread and every worker started afterwards
 * (configureOnnxRuntime).
 */
export interface OnnxRuntimeSettings {
  /**
   * onnxruntime-web's `env.wasm.wasmPaths`: the folder (URL ending in '/') that serves
   * `ort-wasm-simd-threaded.jsep.wasm` and its `.mjs`, or a map from file name to URL. Needed only
   * where the bundler does not emit those files beside the code (esbuild, rollup: docs/bundlers.md).
   * On a page, relative URLs are resolved against it (workers get absolute ones). Default: unset
   * (onnxruntime-web looks beside its own module, where Vite and webpack put the files).
   */
  wasmPaths?: string | Record<string, string>;
  /**
   * Where to import onnxruntime-web from when the bare name does not resolve: a module Worker on a
   * page without a bundler (import maps do not reach workers). Default: 'onnxruntime-web'.
   */
  moduleUrl?: string;
}

let current: OnnxRuntimeSettings = {};

function absolute(url: unknown, option: string): string {
  if (typeof url !== 'string' || url === '') throw new SpecialistError('INVALID_ARGUMENT', `${option} must be a non-empty URL string, got ${JSON.stringify(url)}`, { option });
  const page = baseUrl();
  if (page === undefined) return url; // Node, or a worker given absolute URLs by its pool
  try {
    return new URL(url, page).href;
  } catch {
    throw new SpecialistError('INVALID_ARGUMENT', `${option} is not a URL: ${url}`, { option, url });
  }
}

/** Sets (merges) the global onnxruntime-web settings; fields left undefined keep their value. */
export function configureOnnxRuntime(settings: OnnxRuntimeSettings): void {
  if (typeof settings !== 'object' || settings === null) throw new SpecialistError('INVALID_ARGUMENT', 'configureOnnxRuntime takes an object { wasmPaths?, moduleUrl? }');
  const { wasmPaths, moduleUrl } = settings;
  const next = { ...current };
  if (typeof wasmPaths === 'object' && wasmPaths !== null) {
    next.wasmPaths = Object.fromEntries(Object.entries(wasmPaths).map(([file, url]) => [file, absolute(url, `wasmPaths["${file}"]`)]));
  } else if (wasmPaths !== undefined) {
    next.wasmPaths = absolute(wasmPaths, 'wasmPaths');
  }
  if (moduleUrl !== undefined) next.moduleUrl = absolute(moduleUrl, 'moduleUrl');
  current = next;
}

/** The settings in force (a copy). */
export function onnxRuntimeSettings(): OnnxRuntimeSettings {
  return { ...current };
}
