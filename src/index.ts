// The public API, shared by the browser and Node entries, under the headings the README uses.
// Internals (kernel definitions, the ONNX writer, the heads container, option resolvers) are not
// exported: tests reach them from source.

// Core: errors, the one tensor type, call options, randomness.
export { SpecialistError, isSpecialistError, type ErrorCode, type SerializedError } from './core/errors.ts';
export type { Matrix, Tensor, TensorData } from './core/tensor.ts';
export type { CallOptions, ProgressCallback } from './core/call-options.ts';
export { createRng, type Rng } from './core/random.ts';
export { VERSION } from './core/version.ts';

// Layer 1, task structure (Theorem 1).
export { discoverTaskStructure, type DirectConditioning, type StructureCallOptions, type StructureMethod, type StructureOptions, type StructureResult, type StructureRule } from './structure/discover.ts';
export type { CiPrepareContext, CiQuery, CiResult, CiTest, PreparedCiTest } from './structure/ci-test.ts';
export type { CiTestName, CiTestSpec } from './structure/ci/builtins.ts';
export type { TestChoice } from './structure/choose-test.ts';
export { fisherZ } from './structure/ci/fisher-z.ts';
export { cmiKnn, type CmiKnnOptions } from './structure/ci/cmi-knn/index.ts';
export { rcot, type RcotOptions } from './structure/ci/rcot/index.ts';
export { runCiBatches, type CiBatchOptions } from './structure/ci-batch-job.ts';

// Layer 2, specialist representations (Theorem 2).
export { fitSpecialists, LAMBDA_GRID, type FitCallOptions, type FitProgress } from './specialist/fit.ts';
export { fitSpecialistsInWorker, type FitInWorkerOptions } from './specialist/job.ts';
export { Specialists, type DeserialiseOptions, type LossCurves, type SpecialistsState, type ValidationPoint } from './specialist/model.ts';
export type { Penalty, SpecialistOptions } from './specialist/options.ts';
export type { TargetsInput } from './specialist/data.ts';
export { FORMAT as SPECIALIST_FORMAT, FORMAT_VERSION as SPECIALIST_FORMAT_VERSION } from './specialist/format.ts';
export { exportSpecialistOnnx } from './specialist/export-onnx.ts';

// The generalist encoder (any ONNX model, onnxruntime-web / -node).
export { Generalist, type DeviceChoice, type FixedInput, type GeneralistDevice, type GeneralistOptions } from './generalist/generalist.ts';
export { configureOnnxRuntime, onnxRuntimeSettings, type OnnxRuntimeSettings } from './core/onnxruntime-settings.ts';
export { readGraphInfo, type GraphInfo, type GraphValue } from './onnx/graph.ts';

// The pipeline: encode, Layer 1, Layer 2.
export { runPipeline, PIPELINE_STAGES, type PipelineCallOptions, type PipelineInput, type PipelineOptions, type PipelineProgress, type PipelineResult, type PipelineStage } from './pipeline/pipeline.ts';
export { runPipelineInWorker, type PipelineInWorkerOptions } from './pipeline/job.ts';

// Deployment: encoder + heads on-device (also the lighter entry `deploy`).
export { SpecialistRuntime, type ModelSource, type RunOutput, type SpecialistRuntimeOptions } from './deploy/specialist-runtime.ts';
export { WorkerSpecialistRuntime, type WorkerRunOptions, type WorkerRuntimeCallOptions } from './deploy/worker-runtime.ts';

// Workers and kernels.
export { WorkerPool, type PinnedRunner, type PoolOptions, type PoolStats } from './worker/pool.ts';
export type { JobProgress, JobRunner, JobRunOptions } from './worker/job.ts';
export { runKernelInWorker } from './worker/kernel-job.ts';
export { KernelRuntime, type KernelCallOptions, type KernelOptions } from './kernels/runtime.ts';
export { KERNEL_BUILDS, selectBuild, supportedBuilds, type KernelBuild, type WasmSource } from './kernels/builds.ts';
export type { MemoryOptions } from './kernels/memory.ts';
export { kernelNames, runKernel, type KernelInput, type KernelName, type KernelOutput } from './kernels/registry.ts';
export type { DistanceMetric, PairwiseInput } from './kernels/pairwise.ts';
export type { KnnInput, RadiusCountInput } from './kernels/knn.ts';
export type { CovarianceInput, CovarianceOutput, GemmInput, MatrixInput } from './kernels/linalg.ts';
export type { Activation, DenseLayer } from './kernels/mlp/layer.ts';

// Synthetic worlds with known truth, and the metrics that score against it.
export { linearColliderWorld, nonlinearWorld, type StructureWorld, type StructureWorldOptions } from './synthetic/structure-worlds.ts';
export { generalistWorld, type GeneralistWorld, type GeneralistWorldOptions } from './synthetic/generalist-world.ts';
export { blocksWorld, type BlocksWorld, type BlocksWorldOptions } from './synthetic/blocks-world.ts';
export { glyphWorld, type GlyphWorld, type GlyphWorldOptions } from './synthetic/glyph-world.ts';
export { glyphFonts, type TextStyle } from './synthetic/glyphs/render.ts';
export { loadOcrModel, OCR_GENERALIST_OPTIONS, OCR_LAYER, OCR_MODEL_FILE, OCR_MODEL_PATH } from './generalist/pp-ocr.ts';
export { blockScores, gatherSteps, readAccuracy, servedSteps, type BlockScores, type StepRows } from './metrics/glyph-scores.ts';
export { ciWorld, type CiWorld, type CiWorldOptions } from './synthetic/ci-worlds.ts';
export { structureMetrics, type StructureMetrics } from './metrics/structure.ts';
export { kernelRidgeR2, meanCorrelation, type KernelRidgeOptions } from './metrics/identifiability.ts';

// I/O: NumPy .npy.
export { formatNpy, parseNpy, toFloat32, type NpyArray, type NpyDtype } from './io/npy.ts';
