// Loading onnxruntime lazily: code that never encodes never pulls the runtime in. In Node,
// onnxruntime-node is used when installed (native, 2-3x faster), else onnxruntime-web's wasm backend.
import type * as Ort from 'onnxruntime-web';
import { isNode } from '../worker/endpoint.ts';

export type OrtModule = typeof Ort;
export type OrtBackend = 'onnxruntime-web' | 'onnxruntime-node';

let web: Promise<OrtModule> | undefined;
let native: Promise<OrtModule | undefined> | undefined;

export function loadOrtWeb(): Promise<OrtModule> {
  web ??= import('onnxruntime-web');
  return web;
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
