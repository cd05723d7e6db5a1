import { transfer, wrap, type Remote } from 'comlink';
import { SpecialistError, abortError } from '../core/errors.ts';
import type { CallOptions } from '../core/call-options.ts';
import type { KernelInput, KernelName, KernelOutput } from '../kernels/registry.ts';
import type { KernelOptions } from '../kernels/runtime.ts';
import { isNode } from '../core/platform.ts';
import { spawnWorker, type WorkerHandle } from './endpoint.ts';
import type { CiResult } from '../structure/ci-test.ts';
import type { CiBatchJob, FitSpecialistsJob, PipelineJob, ProgressMessage, WorkerApi, WorkerInfo, WorkerInit, WorkerJob } from './protocol.ts';
import type { PipelineInput, PipelineProgress, PipelineResult } from '../pipeline/pipeline.ts';
import { Specialists } from '../specialist/model.ts';
import type { FitProgress } from '../specialist/fit.ts';
import type { SpecialistOptions } from '../specialist/options.ts';
import { withTransfer } from './transfer.ts';

export interface PoolOptions {
  /** Number of workers. Default: the host's hardware threads (at least 1, at most 16). */
  size?: number;
  /** Kernel build, wasm source and memory for every worker; see KernelOptions. */
  kernels?: KernelOptions;
  /**
   * The worker script. Default: `worker.js` beside this module in the package's dist/. Bundler
   * users whose tool does not copy it pass the URL they serve it from.
   */
  workerUrl?: URL | string;
}

export interface RunOptions extends CallOptions {
  /**
   * Transfer the input's typed arrays to the worker instead of copying them. Faster for large
   * inputs, but your arrays are detached (length 0) afterwards. Default false. Results are always
   * transferred back.
   */
  transfer?: boolean;
}

export interface PoolStats {
  workers: number;
  busy: number;
  queued: number;
  /** Workers replaced after an abort or a crash. */
  restarts: number;
}

interface Task {
  job: WorkerJob;
  options: RunOptions;
  resolve(value: unknown): void;
  reject(error: unknown): void;
  settled: boolean;
  slot?: Slot;
  progressPort?: MessagePort;
  /** Receives the third element of rich progress messages (fitSpecialists). */
  onDetail?(detail: unknown): void;
}

interface Slot {
  handle: WorkerHandle;
  api: Remote<WorkerApi>;
  info: WorkerInfo;
  task?: Task;
}

function defaultSize(): number {
  const threads = isNode
    ? (globalThis as { process?: { availableParallelism?: () => number } }).process?.availableParallelism?.() ?? 2
    : (globalThis.navigator?.hardwareConcurrency ?? 2);
  return Math.max(1, Math.min(16, threads));
}

function defaultWorkerUrl(): URL {
  // From source (tsx) this module is pool.ts beside worker.ts; in the package both are bundled into dist/.
  const here = import.meta.url;
  return new URL(here.endsWith('.ts') ? './worker.ts' : './worker.js', here);
}

function toInit(kernels: KernelOptions = {}): WorkerInit {
  const { wasm, ...rest } = kernels;
  if (wasm === undefined) return { kernels: rest };
  if (wasm instanceof URL || typeof wasm === 'string') return { kernels: { ...rest, wasm: String(wasm) } };
  if (wasm instanceof WebAssembly.Module) {
    throw new SpecialistError('INVALID_ARGUMENT', 'A compiled WebAssembly.Module cannot be sent to workers; pass the bytes or a URL');
  }
  const view = ArrayBuffer.isView(wasm) ? new Uint8Array(wasm.buffer, wasm.byteOffset, wasm.byteLength) : new Uint8Array(wasm);
  return { kernels: { ...rest, wasm: view.slice().buffer } };
}

/**
 * Runs kernel jobs on a pool of workers (browser module Workers or Node worker_threads).
 * Aborting a running job terminates its worker, which frees all of that worker's memory at once,
 * and a fresh worker takes its place on demand. In Node an idle pool does not keep the process
 * alive; call close() to end the workers explicitly.
 */
export class WorkerPool {
  readonly size: number;
  private readonly init: WorkerInit;
  private readonly workerUrl: URL;
  private readonly slots: Slot[] = [];
  private readonly queue: Task[] = [];
  private starting = 0;
  private restarts = 0;
  private closed = false;
  private firstInfo?: WorkerInfo;

  private constructor(options: PoolOptions) {
    const size = options.size ?? defaultSize();
    if (!Number.isInteger(size) || size < 1) throw new SpecialistError('INVALID_ARGUMENT', `pool size must be a positive integer, got ${size}`, { size });
    this.size = size;
    this.init = toInit(options.kernels);
    this.workerUrl = options.workerUrl ? new URL(String(options.workerUrl), isNode ? undefined : globalThis.location?.href) : defaultWorkerUrl();
  }

  /** Creates the pool and starts one worker, so that a bad build or wasm source fails here. */
  static async create(options: PoolOptions = {}): Promise<WorkerPool> {
    const pool = new WorkerPool(options);
    const slot = await pool.startSlot();
    pool.slots.push(slot);
    slot.handle.unref();
    return pool;
  }

  /** The kernel build the workers run. */
  get build(): WorkerInfo['build'] {
    return this.firstInfo!.build;
  }

  stats(): PoolStats {
    return {
      workers: this.slots.length,
      busy: this.slots.filter((s) => s.task).length,
      queued: this.queue.length,
      restarts: this.restarts,
    };
  }

  /** Runs one registered kernel in a worker. Rejects with ABORTED on abort. */
  runKernel<N extends KernelName>(name: N, input: KernelInput<N>, options: RunOptions = {}): Promise<KernelOutput<N>> {
    return this.submit({ kind: 'kernel', name, input }, options) as Promise<KernelOutput<N>>;
  }

  /**
   * Runs conditional-independence tests on one data set in one worker (prepare once, every query,
   * dispose). Progress counts queries. See structure/parallel.ts to spread a run over the pool.
   */
  runCiBatch(batch: Omit<CiBatchJob, 'kind'>, options: RunOptions = {}): Promise<CiResult[]> {
    return this.submit({ kind: 'ciBatch', ...batch }, options) as Promise<CiResult[]>;
  }

  /**
   * fitSpecialists in a worker: progress reports epoch, loss, lambda and nonzeros per task; abort
   * terminates the worker. Resolves to the fitted model.
   */
  async fitSpecialists(
    latents: FitSpecialistsJob['latents'],
    targets: FitSpecialistsJob['targets'],
    options: SpecialistOptions = {},
    call: { signal?: AbortSignal; onProgress?: (progress: FitProgress) => void; membership?: FitSpecialistsJob['membership']; transfer?: boolean } = {},
  ): Promise<Specialists> {
    const { onProgress, membership, ...run } = call;
    const job: FitSpecialistsJob = { kind: 'fitSpecialists', latents, targets, membership, options };
    const onDetail = onProgress ? (detail: unknown) => onProgress(detail as FitProgress) : undefined;
    const bytes = (await this.submit(job, { ...run, onProgress: onProgress ? () => {} : undefined }, onDetail)) as Uint8Array;
    return Specialists.deserialise(bytes);
  }

  /**
   * The whole pipeline (encode, Layer 1, Layer 2) in one worker, with one progress stream (stage,
   * done, total) and one abort signal. Resolves with the heads deserialised in this thread.
   */
  async runPipeline(
    input: PipelineInput,
    options: PipelineJob['options'],
    call: { signal?: AbortSignal; onProgress?: (progress: PipelineProgress) => void; transfer?: boolean } = {},
  ): Promise<PipelineResult> {
    const { onProgress, ...run } = call;
    const onDetail = onProgress ? (detail: unknown) => onProgress(detail as PipelineProgress) : undefined;
    const result = (await this.submit({ kind: 'pipeline', input, options }, { ...run, onProgress: onProgress ? () => {} : undefined }, onDetail)) as Omit<PipelineResult, 'specialists'> & {
      specialists: Uint8Array | null;
    };
    return { ...result, specialists: result.specialists ? Specialists.deserialise(result.specialists) : null };
  }

  /** Ends every worker; queued and running jobs reject with ABORTED. */
  async close(): Promise<void> {
    this.closed = true;
    const error = new SpecialistError('ABORTED', 'Worker pool closed', { reason: 'closed' });
    for (const task of this.queue.splice(0)) this.settle(task, error);
    const slots = this.slots.splice(0);
    for (const slot of slots) if (slot.task) this.settle(slot.task, error);
    await Promise.all(slots.map((slot) => slot.handle.terminate()));
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  private submit(job: WorkerJob, options: RunOptions, onDetail?: (detail: unknown) => void): Promise<unknown> {
    if (this.closed) return Promise.reject(new SpecialistError('ABORTED', 'Worker pool closed', { reason: 'closed' }));
    if (options.signal?.aborted) return Promise.reject(abortError(options.signal));
    return new Promise((resolve, reject) => {
      const task: Task = { job, options, resolve, reject, settled: false, onDetail };
      options.signal?.addEventListener('abort', () => this.abort(task), { once: true });
      this.queue.push(task);
      this.pump();
    });
  }

  private settle(task: Task, error: unknown, value?: unknown): void {
    if (task.settled) return;
    task.settled = true;
    task.progressPort?.close();
    if (error) task.reject(error);
    else task.resolve(value);
  }

  private abort(task: Task): void {
    if (task.settled) return;
    const queued = this.queue.indexOf(task);
    if (queued >= 0) this.queue.splice(queued, 1);
    const slot = task.slot;
    this.settle(task, abortError(task.options.signal));
    if (slot) this.retire(slot);
  }

  /** Removes a worker that was aborted mid-job or died; the next job starts a new one. */
  private retire(slot: Slot): void {
    const index = this.slots.indexOf(slot);
    if (index < 0) return;
    this.slots.splice(index, 1);
    this.restarts++;
    void slot.handle.terminate();
    this.pump();
  }

  private pump(): void {
    while (this.queue.length > 0 && !this.closed) {
      const idle = this.slots.find((s) => !s.task);
      if (!idle) {
        if (this.slots.length + this.starting < this.size) this.grow();
        return;
      }
      this.execute(idle, this.queue.shift()!);
    }
  }

  private grow(): void {
    this.startSlot().then(
      (slot) => {
        if (this.closed) return void slot.handle.terminate();
        this.slots.push(slot);
        slot.handle.unref();
        this.pump();
      },
      (error) => {
        // No worker can start: fail what waits rather than hang.
        if (this.slots.length === 0) for (const task of this.queue.splice(0)) this.settle(task, error);
      },
    );
  }

  private async startSlot(): Promise<Slot> {
    this.starting++;
    try {
      const handle = await spawnWorker(this.workerUrl);
      const failure = new Promise<never>((_, reject) => handle.onFailure(reject));
      const api = wrap<WorkerApi>(handle.endpoint);
      let info: WorkerInfo;
      try {
        info = await Promise.race([api.init(this.init), failure]);
      } catch (error) {
        await handle.terminate();
        throw error;
      }
      this.firstInfo ??= info;
      const slot: Slot = { handle, api, info };
      handle.onFailure((error) => {
        if (slot.task) this.settle(slot.task, error);
        this.retire(slot);
      });
      return slot;
    } finally {
      this.starting--;
    }
  }

  private execute(slot: Slot, task: Task): void {
    slot.task = task;
    task.slot = slot;
    slot.handle.ref();
    let port: MessagePort | undefined;
    const onProgress = task.options.onProgress;
    if (onProgress) {
      const channel = new MessageChannel();
      channel.port1.onmessage = (event: MessageEvent<ProgressMessage>) => {
        if (task.settled) return;
        onProgress(event.data[0], event.data[1]);
        if (event.data.length > 2) task.onDetail?.(event.data[2]);
      };
      task.progressPort = channel.port1;
      port = transfer(channel.port2, [channel.port2]);
    }
    const job = task.options.transfer ? withTransfer(task.job) : task.job;
    slot.api.run(job, port).then(
      (value) => this.finish(slot, task, undefined, value),
      (error) => this.finish(slot, task, error),
    );
  }

  private finish(slot: Slot, task: Task, error: unknown, value?: unknown): void {
    this.settle(task, error, value);
    if (slot.task !== task) return;
    slot.task = undefined;
    slot.handle.unref();
    this.pump();
  }
}
