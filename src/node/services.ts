// Node only: every Node entry (node.ts, cli.ts, deploy.node.ts, lab.node.ts, worker.node.ts) calls
// useNodeServices() first, giving the shared code worker threads, file reading and onnxruntime-node
// (see core/host.ts). A call, not an import for its side effect, so no tree shaking can drop it.
import { readFile } from 'node:fs/promises';
import type * as Ort from 'onnxruntime-web';
import { installNodeServices } from '../core/host.ts';
import { spawnNodeWorker } from './worker-thread.ts';

let nativeOrt: Promise<typeof Ort | undefined> | undefined;

/** onnxruntime-node is CommonJS: its API is the namespace's default export. */
const ortModule = (m: object) => ((m as { default?: typeof Ort }).default ?? m) as typeof Ort;

/** Installs Node's services for the shared code; repeated calls change nothing. */
export function useNodeServices(): void {
  installNodeServices({
    spawnWorker: spawnNodeWorker,
    readFile: async (url) => {
      const buf = await readFile(url);
      return new Uint8Array(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength) as ArrayBuffer);
    },
    // Optional: 2-3x faster than onnxruntime-web's wasm in Node; its absence is not an error.
    loadNativeOrt: () => (nativeOrt ??= import('onnxruntime-node').then(ortModule, () => undefined)),
  });
}
