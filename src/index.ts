// The main entry, shared by the browser and Node entries: fitting and deploying specialists, under
// the headings of the API reference (docs/api). Laboratory tools (synthetic worlds, metrics, the
// glyph and OCR helpers, single kernels, CI tests called directly) are in `specialist-sdk/lab`
// (lab.ts). Internals (kernel definitions, the ONNX writer, the heads container, option resolvers)
// are in neither: tests reach them from source.

// Core: errors, the one tensor type, call options.
export { SpecialistError, isSpecialistError, type ErrorCode, type SerialisedError } from './core/errors.ts';
export type { Tensor, TensorData } from './core/tensor.ts';
export type { CallOptions, Progress, ProgressCallback } from './core/call-options.ts';
export { VERSION } from './core/version.ts';

// Layer 1, task structure (Theorem 1).
export { discoverTaskStructure, type DirectConditioning, type StructureCallOptions, type StructureMethod, type StructureOptions, type StructureResult, type StructureRule } from './structure/discover.ts';
export type { Correction } from './stats/multiple-testing.ts';
export type { CiTestName, CiTestSpec } from './structure/ci/builtins.ts';
export type { TestChoice } from './structure/choose-test.ts';
export type { CmiKnnOptions } from './structure/ci/cmi-knn/index.ts';
export type { RcotOptions } from './structure/ci/rcot/index.ts';
export type { ColumnTransform } from './structure/ci/columns.ts';
export type { WeightedChiSquareMethod } from './stats/weighted-chi-square.ts';

// Layer 2, specialist representations (Theorem 2).
export { fitSpecialists, type FitCallOptions, type FitProgress } from './specialist/fit.ts';
export { fitSpecialistsInWorker, type FitInWorkerOptions } from './specialist/job.ts';
export type { Penalty, SpecialistOptions } from './specialist/options.ts';
export type { TargetsInput } from './specialist/data.ts';
export { Specialists, type DeserialiseOptions, type LossCurves, type SpecialistsState, type ValidationPoint } from './specialist/model.ts';
export type { LayerWeights } from './specialist/layers.ts';
export type { Activation } from './core/activation.ts';
export { exportSpecialistOnnx, type ExportOnnxOptions } from './specialist/export-onnx.ts';

// The generalist encoder (any ONNX model, onnxruntime-web / -node).
export { Generalist, type DeviceChoice, type FixedInput, type GeneralistDevice, type GeneralistOptions, type OrtBackend } from './generalist/generalist.ts';
export { configureOnnxRuntime, onnxRuntimeSettings, type OnnxRuntimeSettings } from './core/onnxruntime-settings.ts';
export { readGraphInfo, type GraphInfo, type GraphValue } from './onnx/graph.ts';

// The pipeline: encode, Layer 1, Layer 2.
export { runPipeline, PIPELINE_STAGES, type EncoderInput, type LatentsInput, type PipelineCallOptions, type PipelineInput, type PipelineOptions, type PipelineProgress, type PipelineResult, type PipelineStage } from './pipeline/pipeline.ts';
export { runPipelineInWorker, type PipelineInWorkerOptions } from './pipeline/job.ts';
export { fitInputsFromStructure, type FitInputs } from './pipeline/fit-inputs.ts';

// Deployment: encoder + heads on-device (also the lighter entry `deploy`).
export { SpecialistRuntime, type ModelSource, type RunOutput, type SpecialistRuntimeOptions } from './deploy/specialist-runtime.ts';
export { WorkerSpecialistRuntime, type WorkerRunOptions, type WorkerRuntimeCallOptions } from './deploy/worker-runtime.ts';

// Workers and kernel runtimes.
export { WorkerPool, type PoolOptions, type PoolStats } from './worker/pool.ts';
export type { JobRunner, JobRunOptions, PinnedRunner } from './worker/job.ts';
export { KernelRuntime, type KernelCallOptions, type KernelMemoryUse, type KernelRuntimeOptions } from './kernels/runtime.ts';
export type { KernelBuild, WasmSource } from './kernels/builds.ts';
export type { WasmModule } from './core/lib-types.ts';
export type { MemoryOptions } from './kernels/memory.ts';

// I/O: NumPy .npy.
export { formatNpy, parseNpy, toFloat32, type NpyArray, type NpyDtype } from './io/npy.ts';
