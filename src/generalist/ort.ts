// Loading onnxruntime lazily: code that never encodes never pulls the runtime in. In Node,
// onnxruntime-node is used when installed (native, 2-3x faster), else onnxruntime-web's wasm backend.
import type * as Ort from 'onnxruntime-web';
import { isNode } from '../core/platform.ts';

export type OrtModule = typeof Ort;
export type OrtBackend = 'onnxruntime-web' | 'onnxruntime-node';

const web = new Map<string, Promise<OrtModule>>();
let native: Promise<OrtModule | undefined> | undefined;

/**
 * onnxruntime-web, from the bare specifier (bundlers, Node, pages with an import map) or from `url`
 * (module workers, which import maps do not reach, and pages without a bundler).
 */
export function loadOrtWeb(url?: string | URL): Promise<OrtModule> {
  const key = url === undefined ? '' : String(url);
  let module = web.get(key);
  if (!module) {
    module = key === '' ? import('onnxruntime-web') : import(/* @vite-ignore */ key).then((m) => (m.InferenceSession ? m : m.default) as OrtModule);
    web.set(key, module);
  }
  return module;
}

/** onnxruntime-node when it is installed and loads; undefined otherwise (it is optional). */
export function loadOrtNode(): Promise<OrtModule | undefined> {
  if (!isNode) return Promise.resolve(undefined);
  const name = 'onnxruntime-node'; // a variable, so bundlers do not try to resolve the optional package
  native ??= import(/* @vite-ignore */ name).then(
    (m) => (m.default?.InferenceSession ? m.default : m) as OrtModule,
    () => undefined,
  );
  return native;
}
