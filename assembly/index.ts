// The kernel module: flat loops over caller-managed linear memory (imported, with an explicit
// maximum). Pointers are byte offsets; the TypeScript side validates every shape before a call.
export { pairwiseMaxNorm, pairwiseSqEuclidean } from './distance';
export { knnDistance, countWithinRadius } from './knn';
export { gemm, columnMeans, covariance } from './linalg';
export { blockDistances, nearestIndices, cmiCounts } from './cmi';
export { fourierFeatures } from './features';
export { denseForward, denseBackward, batchNormForward, batchNormBackward, adamStep, groupSoftThreshold, jacobianLayer, meanAbsRows, jacobianL1Backward } from './mlp';
