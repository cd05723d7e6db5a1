// Bundles the Web Worker and the Service Worker into public/ (esbuild), each one self-contained
// file: a Service Worker may not import() anything at run time. And puts onnxruntime-web's wasm
// in public/assets/, from where the page and the Service Worker hand its bytes to the runtime.
import { build } from 'esbuild';
import { copyFileSync, mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';

await build({
  entryPoints: { worker: 'src/worker.js', sw: 'src/sw.js' },
  outdir: 'public',
  bundle: true,
  format: 'esm',
  // The runtime runs on the wasm EP here: onnxruntime-web's wasm-only build is half the size of
  // the default one (14 MB of wasm instead of 28 MB, no WebGPU code).
  alias: { 'onnxruntime-web': 'onnxruntime-web/wasm' },
  logLevel: 'warning',
});
mkdirSync('public/assets', { recursive: true });
copyFileSync(createRequire(import.meta.url).resolve('onnxruntime-web/ort-wasm-simd-threaded.wasm'), 'public/assets/ort-wasm-simd-threaded.wasm');
console.log('built public/worker.js, public/sw.js and public/assets/ort-wasm-simd-threaded.wasm');
