// Loading onnxruntime lazily: code that never encodes never pulls the runtime in. In Node,
// onnxruntime-node is used when installed (native, 2-3x faster; loaded by the Node entries' services),
// else onnxruntime-web's wasm backend.
import type * as Ort from 'onnxruntime-web';
import { nodeServices } from '../core/host.ts';

export type OrtModule = typeof Ort;

const web = new Map<string, Promise<OrtModule>>();

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

/** onnxruntime-node when it is installed and loads (Node entries only, see core/host.ts); undefined otherwise. */
export async function loadOrtNode(): Promise<OrtModule | undefined> {
  return nodeServices()?.loadNativeOrt();
}
