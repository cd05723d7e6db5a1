// SpecialistRuntime in a worker: the encoder's onnxruntime session and the heads are created and
// kept in one worker for the runtime's lifetime, so neither loading nor running holds the calling
// thread. onnxruntime creates a session synchronously on the thread that loads it: for a 64 MB
// encoder the main thread was held 260-540 ms at a time that way, against 23-41 ms here with a URL
// or transferred bytes (medians, npm run bench:load on a busy 2-core machine).
import { SpecialistError } from '../core/errors.ts';
import { baseUrl } from '../core/platform.ts';
import type { Tensor } from '../core/tensor.ts';
import { checkKeys } from '../core/validate.ts';
import type { DeviceChoice } from '../generalist/generalist.ts';
import type { JobRunner, OwnedRunner, PinnedRunner } from '../worker/job.ts';
import { startWorkers } from '../worker/start.ts';
import { linkSignals } from './linked-signal.ts';
import { disposeInWorker, loadInWorker, runInWorker, type LoadedRuntime, type SentSource } from './job.ts';
import { checkRun, checkRuntimeOptions, type ModelSource, type RunOutput, type SpecialistRuntimeOptions } from './specialist-runtime.ts';

/** The call options of WorkerSpecialistRuntime.load: the pool to host it, transfer, abort. */
export interface WorkerRuntimeCallOptions {
  /**
   * Host the runtime in a worker of this pool (pinned to it: the pool must have pin(), as a
   * WorkerPool has) instead of a worker of its own. Default: a one-worker pool that the runtime
   * starts and dispose() ends.
   */
  pool?: JobRunner;
  /**
   * Hand the encoder and heads bytes to the worker instead of copying them: the main thread then
   * copies nothing, but the ArrayBuffers under your Uint8Arrays are detached (length 0) afterwards,
   * whole buffers even when you passed a view of part of one. Default false: one structured-clone
   * copy on the calling thread (94-121 ms for 64 MB on a busy 2-core machine, about one copy of
   * the bytes). URLs cost neither: the worker reads them itself.
   */
  transfer?: boolean;
  /** Aborting rejects with ABORTED; the worker drops the runtime once its session exists. */
  signal?: AbortSignal;
}

/** The call options of WorkerSpecialistRuntime.run: abort and transfer. */
export interface WorkerRunOptions {
  /** Aborting rejects at once with ABORTED; the worker stops after its current batch and the runtime lives on. */
  signal?: AbortSignal;
  /** Hand `observations.data`'s buffer to the worker instead of copying it (detached afterwards). Default false. */
  transfer?: boolean;
}

/** A URL the worker can read: its own base URL is not the page's, so relative URLs are resolved here. */
function sendable(source: ModelSource, what: string): SentSource {
  if (source instanceof Uint8Array || source instanceof ArrayBuffer) return source;
  if (source instanceof URL) return source.href;
  if (typeof source === 'string') {
    const page = baseUrl();
    if (page === undefined) return source;
    try {
      return new URL(source, page).href;
    } catch {
      throw new SpecialistError('INVALID_ARGUMENT', `The ${what} must be bytes, a URL or a URL string, got ${JSON.stringify(source)}`, { argument: what });
    }
  }
  throw new SpecialistError('INVALID_ARGUMENT', `The ${what} must be a Uint8Array, an ArrayBuffer, a URL or a URL string, got ${source === null ? 'null' : typeof source}`, { argument: what });
}

function checkCall(call: WorkerRuntimeCallOptions): void {
  if (!call || typeof call !== 'object') throw new SpecialistError('INVALID_ARGUMENT', 'call options must be an object', { argument: 'call' });
  checkKeys('WorkerRuntimeCallOptions', call, { pool: true, transfer: true, signal: true } satisfies Record<keyof WorkerRuntimeCallOptions, true>);
  if (call.pool !== undefined && typeof (call.pool as Partial<JobRunner>)?.pin !== 'function') {
    throw new SpecialistError('INVALID_ARGUMENT', 'pool must be a WorkerPool (from WorkerPool.create()) or another JobRunner able to pin a worker', { argument: 'pool' });
  }
}

/**
 * The deployed encoder and heads, loaded and run in a worker: the same `run(observations, task)`
 * and `dispose()` as SpecialistRuntime, with nothing heavy on the calling thread. Import it from
 * `specialist-sdk/deploy` (or `specialist-sdk`).
 *
 * ```ts
 * const runtime = await WorkerSpecialistRuntime.load('/models/encoder.onnx', '/models/model.specialist');
 * const { block, prediction } = await runtime.run({ data, shape: [n, ...obs] }, 0);
 * await runtime.dispose();
 * ```
 */
export class WorkerSpecialistRuntime {
  /** Aborted by dispose(): every run still going rejects with ABORTED (reason 'runtime disposed'). */
  private readonly disposal = new AbortController();
  private disposing?: Promise<void>;

  private constructor(
    private readonly runner: PinnedRunner,
    /** The pool the runtime started and ends, if it did. */
    private readonly ownPool: OwnedRunner | undefined,
    private readonly info: LoadedRuntime,
  ) {}

  /**
   * Loads the encoder and the heads in a worker; heads fitted on another encoder are refused
   * (ENCODER_MISMATCH). The encoder's SHA-256 is computed there too. Sources: bytes, or a URL the
   * worker fetches (in Node, a file: URL).
   */
  static async load(encoder: ModelSource, heads: ModelSource, options: SpecialistRuntimeOptions = {}, call: WorkerRuntimeCallOptions = {}): Promise<WorkerSpecialistRuntime> {
    checkCall(call);
    checkRuntimeOptions(options);
    const payload = { encoder: sendable(encoder, 'encoder'), heads: sendable(heads, 'heads'), options };
    const ownPool = call.pool ? undefined : await startWorkers(1);
    const runner = (call.pool ?? ownPool!).pin!();
    try {
      const info = await loadInWorker(runner, payload, { signal: call.signal, transfer: call.transfer });
      return new WorkerSpecialistRuntime(runner, ownPool, info);
    } catch (error) {
      runner.release();
      await ownPool?.close();
      throw error;
    }
  }

  /** How many tasks (heads) the runtime holds. */
  get tasks(): number {
    return this.info.tasks;
  }

  /** Per task, the s_hat coordinates its head reads (ascending). */
  get supports(): number[][] {
    return this.info.supports.map((s) => [...s]);
  }

  /** SHA-256 of the encoder bytes, computed in the worker. */
  get encoderSha256(): string {
    return this.info.encoderSha256;
  }

  /** Per-observation dims the encoder takes (after the batch axis); strings are dynamic axes. */
  get observationDims(): (number | string)[] {
    return [...this.info.observationDims];
  }

  /** Where the encoder runs in the worker, and why. */
  get device(): DeviceChoice {
    return { ...this.info.device };
  }

  /**
   * Observations [N, ...obs] (or one observation [...obs]) through the encoder and task `task`'s
   * head, in the worker: its specialist block and its prediction. Runs queue in call order. If
   * the worker died, rejects with WORKER_FAILED: the runtime is gone, load it again.
   */
  async run(observations: Tensor<Float32Array>, task: number, options: WorkerRunOptions = {}): Promise<RunOutput> {
    checkRun(this.disposal.signal, observations, task, this.tasks, options, { signal: true, transfer: true } satisfies Record<keyof WorkerRunOptions, true>);
    const link = options.signal ? linkSignals(options.signal, this.disposal.signal) : undefined;
    try {
      return await runInWorker(this.runner, { handle: this.info.handle, observations, task }, { signal: link?.signal ?? this.disposal.signal, transfer: options.transfer });
    } finally {
      link?.unlink();
    }
  }

  /**
   * Frees the session and the heads in the worker (and ends the worker if the runtime started it).
   * Runs still going reject with ABORTED. Calling it again does nothing (it resolves when the first is done).
   */
  dispose(): Promise<void> {
    this.disposing ??= (async () => {
      this.disposal.abort('runtime disposed');
      if (this.ownPool) return this.ownPool.close();
      // Queued behind the runs just told to stop; a worker that is gone took the runtime with it.
      await disposeInWorker(this.runner, this.info.handle).catch(() => {});
      this.runner.release();
    })();
    return this.disposing;
  }

  /** `await using runtime = await WorkerSpecialistRuntime.load(...)` disposes it at the end of the scope. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.dispose();
  }
}
