// Type-level cases of the public surface, compiled (never run) by test/surface.test.ts. Each
// `@ts-expect-error TSnnnn` line says which compiler error the next line must raise: the test
// compiles this file as written (no error may remain, and no directive may go unused) and again
// without the directives (each marked line must fail with its code, and no other line may).
// The calls a user writes through the entries: the main entry (Node build) and the lab entry.
import {
  discoverTaskStructure,
  fitSpecialists,
  fitSpecialistsInWorker,
  KernelRuntime,
  runPipeline,
  runPipelineInWorker,
  SpecialistRuntime,
  WorkerPool,
  type FitProgress,
  type PipelineInput,
  type Progress,
  type Tensor,
} from '../src/node.ts';
import { runCiBatches, runKernel, runKernelInWorker, type Matrix } from '../src/lab.node.ts';
// @ts-expect-error TS2724 laboratory tools are not in the main entry
import { generalistWorld } from '../src/node.ts';
// @ts-expect-error TS2305 0.1's format constants are gone
import { SPECIALIST_FORMAT } from '../src/node.ts';
// @ts-expect-error TS2724 KernelOptions is KernelRuntimeOptions
import type { KernelOptions } from '../src/node.ts';

declare const latents: Tensor;
declare const targets: Tensor;
declare const matrix: Matrix;
declare const pool: WorkerPool;
declare const kernels: KernelRuntime;
declare const input: PipelineInput;
declare const runtime: SpecialistRuntime;
declare const signal: AbortSignal;
const queries = [{ x: [0], y: [1], z: [2] }];

export async function correctCalls(): Promise<void> {
  await fitSpecialists(latents, targets, { lambda: 'auto', seed: 1 }, { pool, signal, onProgress: (p: FitProgress) => p.done / p.total + p.loss });
  await fitSpecialistsInWorker(latents, targets, {}, { pool, onProgress: ({ done, total, phase }) => `${phase} ${done}/${total}` });
  await runPipeline(input, { structure: { segmentLength: 2 } }, { pool, onProgress: ({ stage, done, total }) => `${stage} ${done}/${total}` });
  await runPipelineInWorker(input, { structure: { segmentLength: 2 } }, { pool, signal, transfer: true });
  await discoverTaskStructure(latents, targets, { segmentLength: 2 }, { kernels, onProgress: (p: Progress) => p.done });
  await runCiBatches({ name: 'fisherz' }, latents, queries, { pool, seed: 1 });
  await runKernelInWorker('covariance', { x: matrix }, { pool, signal });
  runKernel('covariance', { x: matrix }, { kernels });
  await runtime.run(latents as Tensor<Float32Array>, 0, { signal });
  await WorkerPool.create({ size: 2, kernelOptions: { build: 'simd' } });
}

export async function wrongArgumentOrder(): Promise<void> {
  // @ts-expect-error TS2345 the pool goes last, in the call options
  await fitSpecialistsInWorker(pool, latents, targets, {});
  // @ts-expect-error TS2769 the pool goes last, in the call options
  await runPipelineInWorker(pool, input, { structure: { segmentLength: 2 } });
  // @ts-expect-error TS2345 the pool goes last, in the call options
  await runCiBatches(pool, { name: 'fisherz' }, latents, queries);
  // @ts-expect-error TS2345 the pool goes last, in the call options
  await runKernelInWorker(pool, 'covariance', { x: matrix });
  // @ts-expect-error TS2345 the kernel runtime goes last, in the call options
  runKernel(kernels, 'covariance', { x: matrix });
  // @ts-expect-error TS2345 a call that runs in a worker needs its pool
  await fitSpecialistsInWorker(latents, targets, {}, { signal });
}

export async function matrixWhereATensorIsDue(): Promise<void> {
  // @ts-expect-error TS2345 public calls take a Tensor
  await fitSpecialists(matrix, targets);
  // @ts-expect-error TS2345 public calls take a Tensor
  await discoverTaskStructure(matrix, targets, { segmentLength: 2 });
  // @ts-expect-error TS2345 public calls take a Tensor
  await runCiBatches({ name: 'fisherz' }, matrix, queries, { pool });
  // @ts-expect-error TS2345 public calls take a Tensor
  await runtime.run(matrix, 0);
}

export async function optionsThatDoNotExist(): Promise<void> {
  // @ts-expect-error TS2561 a misspelt option
  await fitSpecialists(latents, targets, { lamda: 0.1 });
  // @ts-expect-error TS2561 an option no call has
  await discoverTaskStructure(latents, targets, { segmentLength: 2, sed: 1 });
  // @ts-expect-error TS2353 0.1's PoolOptions.kernels is kernelOptions
  await WorkerPool.create({ kernels: { build: 'simd' } });
  // @ts-expect-error TS2353 a worker runs on its own kernel runtime: no kernels in a worker call
  await fitSpecialistsInWorker(latents, targets, {}, { pool, kernels });
  // @ts-expect-error TS2769 a worker runs on its own kernel runtime: no kernels in a worker call
  await runPipelineInWorker(input, { structure: { segmentLength: 2 } }, { pool, kernels });
  // @ts-expect-error TS2820 British spelling: 'standardise'
  await discoverTaskStructure(latents, targets, { segmentLength: 2, test: { name: 'rcot', options: { transform: 'standardize' } } });
}

export async function progressHasOneShape(): Promise<void> {
  // @ts-expect-error TS2322 onProgress gets one object, not (done, total)
  await discoverTaskStructure(latents, targets, { segmentLength: 2 }, { onProgress: (done: number, total: number) => done / total });
  // @ts-expect-error TS2339 a fit's progress counts epochs in done and total
  await fitSpecialists(latents, targets, {}, { onProgress: (p) => p.epoch });
}

export function noRawPointers(): void {
  // @ts-expect-error TS2339 a KernelRuntime hands out no raw wasm memory
  kernels.scoped(() => 0);
  // @ts-expect-error TS2339 runtime.memory is read-only use, not the allocator
  kernels.memory.alloc(16);
}

export const unused = [generalistWorld, SPECIALIST_FORMAT, null as unknown as KernelOptions];
