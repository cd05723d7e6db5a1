import { SpecialistError } from '../core/errors.ts';
import { blockDistances, cmiCounts, nearestIndices } from './cmi.ts';
import type { CallOptions } from '../core/call-options.ts';
import { fourierFeatures } from './features.ts';
import { knnDistance, countWithinRadius } from './knn.ts';
import { columnMeans, covariance, gemm } from './linalg.ts';
import { adamStep } from './mlp/adam.ts';
import { batchNormBackward, batchNormForward } from './mlp/batch-norm.ts';
import { denseBackward, denseForward } from './mlp/dense.ts';
import { groupSoftThreshold } from './mlp/group-threshold.ts';
import { jacobianL1Grad, mlpJacobian } from './mlp/jacobian.ts';
import { pairwiseDistances } from './pairwise.ts';
import { KernelRuntime } from './runtime.ts';

/**
 * A kernel: one name, a validator that turns bad input into typed errors, a plain TypeScript
 * reference, and the wasm implementation (which runs whichever build the runtime loaded).
 */
export interface KernelDefinition<I, O> {
  readonly name: string;
  readonly summary: string;
  validate(input: I): void;
  reference(input: I): O;
  wasm(kernels: KernelRuntime, input: I, options?: CallOptions): O;
}

// The one explicit registration list: a new kernel family adds its entries here.
const definitions = { pairwiseDistances, knnDistance, countWithinRadius, gemm, columnMeans, covariance, blockDistances, nearestIndices, cmiCounts, fourierFeatures,
  denseForward, denseBackward, batchNormForward, batchNormBackward, adamStep, groupSoftThreshold, mlpJacobian, jacobianL1Grad,
};

/** Every registered kernel by name: its validator, TypeScript reference and wasm binding. */
export type KernelDefinitions = typeof definitions;
/** The name of a registered kernel. */
export type KernelName = keyof KernelDefinitions;
/** The input a kernel takes, by name (`KernelInput<'covariance'>` is `CovarianceInput`). */
export type KernelInput<N extends KernelName> = Parameters<KernelDefinitions[N]['reference']>[0];
/** The output a kernel returns, by name. */
export type KernelOutput<N extends KernelName> = ReturnType<KernelDefinitions[N]['reference']>;

const registry = new Map<string, KernelDefinition<unknown, unknown>>(
  Object.values(definitions).map((def) => [def.name, def as unknown as KernelDefinition<unknown, unknown>]),
);

/** The names of every registered kernel, as runKernel takes them. */
export function kernelNames(): KernelName[] {
  return [...registry.keys()] as KernelName[];
}

export function getKernel<N extends KernelName>(name: N): KernelDefinition<KernelInput<N>, KernelOutput<N>> {
  const def = registry.get(name);
  if (!def) throw new SpecialistError('UNKNOWN_KERNEL', `No kernel named "${name}"; known: ${kernelNames().join(', ')}`, { name });
  return def as unknown as KernelDefinition<KernelInput<N>, KernelOutput<N>>;
}

/** The call options of runKernel: the runtime to run on (required: a kernel call is synchronous), progress and abort. */
export interface KernelRunOptions extends CallOptions {
  kernels: KernelRuntime;
}

/** Validates and runs one kernel in this thread, on `call.kernels`. Progress counts the kernel's row chunks. */
export function runKernel<N extends KernelName>(name: N, input: KernelInput<N>, call: KernelRunOptions): KernelOutput<N> {
  if ((name as unknown) instanceof KernelRuntime) {
    throw new SpecialistError('INVALID_ARGUMENT', 'runKernel takes the kernel runtime last, in its call options, since 1.0: runKernel(name, input, { kernels })', { argument: 'kernels' });
  }
  if (!(call?.kernels instanceof KernelRuntime)) {
    throw new SpecialistError('INVALID_ARGUMENT', 'runKernel needs a KernelRuntime (from KernelRuntime.create()) in its call options: runKernel(name, input, { kernels })', { argument: 'kernels' });
  }
  const def = getKernel(name);
  def.validate(input);
  return def.wasm(call.kernels, input, call);
}

/** Validates and runs the plain TypeScript reference of one kernel. */
export function runReference<N extends KernelName>(name: N, input: KernelInput<N>): KernelOutput<N> {
  const def = getKernel(name);
  def.validate(input);
  return def.reference(input);
}
