// Nothing to configure: the bundler emits onnxruntime-web's .wasm beside the code it bundles.
// (A project overrides this file where its bundler does not; see rollup/src/configure.js.)
