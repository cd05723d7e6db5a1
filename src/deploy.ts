// Deployment entry (`specialist-sdk/deploy`): run a generalist encoder and fitted heads on-device,
// without the training and testing code of the full SDK.
export { SpecialistError, isSpecialistError, type ErrorCode } from './core/errors.ts';
export { Generalist, type DeviceChoice, type GeneralistOptions } from './generalist/generalist.ts';
export { configureOnnxRuntime, onnxRuntimeSettings, type OnnxRuntimeSettings } from './core/onnxruntime-settings.ts';
export { Specialists, type DeserialiseOptions } from './specialist/model.ts';
export { SpecialistRuntime, type ModelSource, type RunOutput, type SpecialistRuntimeOptions } from './deploy/specialist-runtime.ts';
export { WorkerSpecialistRuntime, type WorkerRunOptions, type WorkerRuntimeCallOptions } from './deploy/worker-runtime.ts';
export { HeadRuntime, type HeadRuntimeOptions } from './deploy/head-runtime.ts';
export { WorkerPool, type PoolOptions, type PoolStats } from './worker/pool.ts';
export type { JobRunner, JobRunOptions, PinnedRunner } from './worker/job.ts';
export { VERSION } from './core/version.ts';
// The pipeline's head comparison (PipelineResult.comparison, PipelineInput's evaluation sets): what
// a deployer weighs between a specialist head and a dense one. Types only: nothing of the pipeline runs here.
export type { HeadFacts, SetScore, TaskComparison } from './pipeline/compare.ts';
export type { EvaluationSet } from './pipeline/evaluation.ts';
