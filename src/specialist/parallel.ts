// fitSpecialists on two workers: both run the same fit from the same seed (every decision of the
// schedule is then the same on both), each computes one of the two ghost batches of every
// minibatch, and they swap gradients through shared memory (exchange.ts). Rank 0 returns the
// model; rank 1 only helps. The result equals a fit on one thread, bit for bit.
import type { ProgressCallback } from '../core/call-options.ts';
import { SpecialistError } from '../core/errors.ts';
import { sharedMemoryAvailable } from '../core/platform.ts';
import type { Tensor } from '../core/tensor.ts';
import { isJobRunner, type JobHandler, type JobRunner } from '../worker/job.ts';
import { prepareData, type TargetsInput } from './data.ts';
import { sharedExchangeBuffer, SharedExchange } from './exchange.ts';
import type { FitCallOptions } from './fit-call.ts';
import { fitHere, fitSetup } from './fit-here.ts';
import { Specialists } from './model.ts';
import type { SpecialistOptions } from './options.ts';

interface ShardPayload {
  latents: Tensor;
  targets: TargetsInput;
  membership: FitCallOptions['membership'];
  options: SpecialistOptions;
  buffer: SharedArrayBuffer;
  rank: number;
}

/** Progress (rank 0 only): the FitProgress of each epoch. Result: rank 0's serialised model; null from rank 1. */
export const fitShardJob: JobHandler<ShardPayload, Uint8Array | null> = {
  kind: 'fitSpecialistsShard',
  async run({ latents, targets, membership, options, buffer, rank }, { kernels, onProgress }) {
    const exchange = new SharedExchange(buffer, rank);
    // A helper that arrives after rank 0 gave up waiting has nothing to do.
    if (!exchange.join()) return null;
    try {
      const model = await fitHere(latents, targets, options, {
        kernels,
        membership,
        onProgress: rank === 0 ? onProgress : undefined,
      }, exchange);
      return rank === 0 ? model.serialise() : null;
    } catch (error) {
      exchange.fail();
      throw error;
    }
  },
};

/** True when a fit should be split over `pool`: two workers or more, and shared memory. */
export function usesPool(pool: JobRunner | undefined): pool is JobRunner {
  if (pool === undefined) return false;
  if (!isJobRunner(pool)) throw new SpecialistError('INVALID_ARGUMENT', 'pool must be a WorkerPool (from WorkerPool.create())', { argument: 'pool' });
  return pool.size >= 2 && sharedMemoryAvailable();
}

/** Floats of every parameter gradient of the fit, with the heads as wide as the targets they train on (fit-here.ts). */
function gradientFloats(latents: Tensor, targets: TargetsInput, options: SpecialistOptions, membership: FitCallOptions['membership']): number {
  const prepared = prepareData(latents, targets, membership);
  const { opts, trainData: data } = fitSetup(prepared, options);
  const chain = (widths: number[]) => widths.slice(1).reduce((n, w, i) => n + widths[i] * w + w, 0);
  const network = (hidden: number[]) => {
    const encoder = [data.d, ...hidden, opts.latentDims];
    return chain(encoder) + chain([...encoder].reverse()) + data.tasks.reduce((n, t) => n + chain([opts.latentDims, opts.headWidth, t.dy]), 0);
  };
  // Architecture 'auto' trains both forms through the same exchange: room for the larger.
  return Math.max(network(opts.encoderWidths), network([]));
}

/** fitSpecialists on two workers of `pool` (see the top of this file). */
export async function fitOnPool(pool: JobRunner, latents: Tensor, targets: TargetsInput, options: SpecialistOptions, call: FitCallOptions): Promise<Specialists> {
  const buffer = sharedExchangeBuffer(gradientFloats(latents, targets, options, call.membership));
  // Either rank failing stops the other (it would otherwise wait at the next exchange).
  const stop = new AbortController();
  const onAbort = () => stop.abort(call.signal?.reason);
  call.signal?.addEventListener('abort', onAbort, { once: true });
  if (call.signal?.aborted) onAbort();
  const onProgress = call.onProgress;
  const ranks = [0, 1].map((rank) =>
    pool.run<Uint8Array | null>(fitShardJob.kind, { latents, targets, membership: call.membership, options, buffer, rank } satisfies ShardPayload, {
      signal: stop.signal,
      onProgress: rank === 0 ? (onProgress as ProgressCallback | undefined) : undefined,
    }),
  );
  try {
    const settled = await Promise.allSettled(ranks.map((r) => r.catch((error) => (stop.abort(), Promise.reject(error)))));
    const errors = settled.flatMap((s) => (s.status === 'rejected' ? [s.reason as unknown] : []));
    // Report the cause, not its echo: the other rank then fails with WORKER_FAILED, or ABORTED when stopped here.
    const echo = (e: unknown) => e instanceof SpecialistError && ((e.code === 'WORKER_FAILED' && e.message.includes('other worker')) || (e.code === 'ABORTED' && !call.signal?.aborted));
    if (errors.length) throw errors.find((e) => !echo(e)) ?? errors[0];
    return Specialists.deserialise((settled[0] as PromiseFulfilledResult<Uint8Array | null>).value!);
  } finally {
    call.signal?.removeEventListener('abort', onAbort);
  }
}
