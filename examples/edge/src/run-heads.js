// The deployment runtime fed with bytes only: the generalist (ONNX), the heads (.specialist),
// onnxruntime-web's wasm and the observations (.npy). Nothing here resolves a URL or touches a file
// system, so the same code runs in a Web Worker, a Service Worker, or an edge function.
import { parseNpy } from 'specialist-sdk';
import { SpecialistRuntime } from 'specialist-sdk/deploy';

/** assets: { encoder, heads, ortWasm, observations } as Uint8Array or ArrayBuffer. */
export async function loadRuntime({ encoder, heads, ortWasm }) {
  return SpecialistRuntime.load(new Uint8Array(encoder), new Uint8Array(heads), {
    // wasmBinary: onnxruntime-web takes its wasm from these bytes instead of fetching it from
    // beside its script. One thread: a Service Worker can start no workers for wasm threads.
    generalist: { device: 'wasm', wasmBinary: new Uint8Array(ortWasm), numThreads: 1 },
  });
}

/** Every head on every observation [K, ...obs]: per task, the predictions [K, dy] as plain arrays. */
export async function runHeads(runtime, observationsNpy) {
  const { data, shape } = parseNpy(new Uint8Array(observationsNpy), 'observations.npy');
  const observations = { data: data instanceof Float32Array ? data : Float32Array.from(data), shape };
  const started = performance.now();
  const predictions = [];
  for (let task = 0; task < runtime.tasks; task++) {
    const { prediction } = await runtime.run(observations, task);
    predictions.push({ shape: prediction.shape, data: Array.from(prediction.data) });
  }
  return { predictions, milliseconds: performance.now() - started, device: runtime.generalist.device };
}
