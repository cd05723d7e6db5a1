// Rollup emits no assets by itself, so onnxruntime-web's .wasm is not beside the bundle: point the
// SDK (and through it every worker) at where the files are hosted. Here the test server serves the
// project folder; a deployment would name its own static folder or a CDN.
import { configureOnnxRuntime } from 'specialist-sdk';

configureOnnxRuntime({ wasmPaths: '/node_modules/onnxruntime-web/dist/' });
