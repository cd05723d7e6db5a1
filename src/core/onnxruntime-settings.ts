// One global place to tell onnxruntime-web where its files are, for the encoders this thread loads
// and for every worker a WorkerPool starts afterwards (the pool hands the settings to each worker).

export interface OnnxRuntimeSettings {
  /**
   * onnxruntime-web's `env.wasm.wasmPaths`: the folder (URL ending in '/') that serves
   * `ort-wasm-simd-threaded.jsep.wasm` and its `.mjs`, or a map from file name to URL. Needed only
   * where the bundler does not emit those files beside the code (esbuild, rollup: docs/bundlers.md).
   * Relative URLs are resolved against the page. Default: unset (onnxruntime-web looks beside its
   * own module, where Vite and webpack put the files).
   */
  wasmPaths?: string | Record<string, string>;
  /**
   * Where to import onnxruntime-web from when the bare name does not resolve: a module Worker on a
   * page without a bundler (import maps do not reach workers). Default: 'onnxruntime-web'.
   */
  moduleUrl?: string;
}

let current: OnnxRuntimeSettings = {};

const absolute = (url: string) => new URL(url, (globalThis as { location?: { href: string } }).location?.href).href;

/** Sets (merges) the global onnxruntime-web settings; `undefined` fields are left as they were. */
export function configureOnnxRuntime(settings: OnnxRuntimeSettings): void {
  const { wasmPaths, moduleUrl } = settings;
  const next = { ...current };
  if (typeof wasmPaths === 'string') next.wasmPaths = absolute(wasmPaths);
  else if (wasmPaths) next.wasmPaths = Object.fromEntries(Object.entries(wasmPaths).map(([file, url]) => [file, absolute(url)]));
  if (moduleUrl !== undefined) next.moduleUrl = absolute(moduleUrl);
  current = next;
}

/** The settings in force (a copy). */
export function onnxRuntimeSettings(): OnnxRuntimeSettings {
  return { ...current };
}
