// Preloaded by scripts/test.mjs: tests import src/ modules directly, so they get Node's services
// (worker threads, files, onnxruntime-node) here, as the package's Node entries give them.
import { useNodeServices } from '../src/node/services.ts';

useNodeServices();
