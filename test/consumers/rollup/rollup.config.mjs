// Rollup resolves no package names by itself: node-resolve (the official resolver) with the
// browser condition. The SDK's worker is a second input, so it lands beside main.js.
import { nodeResolve } from '@rollup/plugin-node-resolve';

export default {
  input: { main: 'src/main.js', worker: 'specialist-sdk/worker' },
  output: { dir: 'dist', format: 'es' },
  plugins: [nodeResolve({ browser: true })],
};
