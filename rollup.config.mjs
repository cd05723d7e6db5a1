// Builds dist/: node.js and browser.js (the main entry), deploy.js (deployment only), lab.js and lab.node.js (laboratory tools), scale.js (sharded Layer 1), worker.js (one worker script for
// browser module Workers and Node worker_threads), cli.js. Shared code lands in chunks beside them,
// in the same folder, so `new URL('./worker.js', import.meta.url)` holds from every chunk.
// comlink is bundled (4 KB); onnxruntime-web stays external, or its .wasm assets would be lost.
import { nodeResolve } from '@rollup/plugin-node-resolve';
import esbuild from 'rollup-plugin-esbuild';

export default {
  input: {
    node: 'src/node.ts',
    browser: 'src/browser.ts',
    worker: 'src/worker.ts',
    'worker.node': 'src/worker.node.ts',
    cli: 'src/cli.ts',
    deploy: 'src/deploy.ts',
    'deploy.node': 'src/deploy.node.ts',
    lab: 'src/lab.ts',
    'lab.node': 'src/lab.node.ts',
    scale: 'src/scale.ts',
    'scale-bullmq': 'src/scale-bullmq.ts',
  },
  output: {
    dir: 'dist',
    format: 'es',
    entryFileNames: '[name].js',
    chunkFileNames: '[name]-[hash].js',
    sourcemap: true,
    banner: (chunk) => (chunk.name === 'cli' ? '#!/usr/bin/env node' : ''),
  },
  external: (id) => id.startsWith('node:') || id === 'onnxruntime-web' || id.startsWith('onnxruntime-') || id === 'bullmq',
  plugins: [nodeResolve({ extensions: ['.ts', '.mjs', '.js'] }), esbuild({ target: 'es2022' })],
  onwarn(warning, warn) {
    if (warning.code === 'CIRCULAR_DEPENDENCY' && warning.ids?.some((id) => id.includes('node_modules'))) return;
    warn(warning);
  },
};
