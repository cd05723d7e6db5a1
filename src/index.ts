// Everything that works the same in browsers and Node.
export { SpecialistError, isSpecialistError, type ErrorCode, type SerializedError } from './errors.ts';
export { KERNEL_BUILDS, selectBuild, supportedBuilds, type KernelBuild, type WasmSource } from './kernels/builds.ts';
export type { CallOptions, ProgressCallback } from './kernels/context.ts';
export { matrix, type Matrix } from './kernels/matrix.ts';
export type { MemoryOptions } from './kernels/memory.ts';
export { getKernel, kernelNames, runKernel, runReference, type KernelDefinition, type KernelInput, type KernelName, type KernelOutput } from './kernels/registry.ts';
export { KernelRuntime, type KernelOptions } from './kernels/runtime.ts';
export type { DistanceMetric, PairwiseInput } from './kernels/pairwise.ts';
export type { KnnInput, RadiusCountInput } from './kernels/knn.ts';
export type { CovarianceInput, CovarianceOutput, GemmInput, MatrixInput } from './kernels/linalg.ts';
export { WorkerPool, type PoolOptions, type PoolStats, type RunOptions } from './worker/pool.ts';
export { createRng, type Rng } from './random.ts';
export { formatNpy, parseNpy, toFloat32, type NpyArray, type NpyDtype } from './io/npy.ts';
export { VERSION } from './version.ts';
export { Generalist, type DeviceChoice, type FixedInput, type GeneralistDevice, type GeneralistOptions, type Tensor32 } from './generalist/generalist.ts';
export { buildOnnxModel, type ModelSpec, type NodeSpec, type TensorSpec, type ValueSpec } from './onnx/builder.ts';
export { exposeTensor, readGraphInfo, type GraphInfo } from './onnx/graph.ts';
