import { transfer, wrap, type Remote } from 'comlink';
import { SpecialistError, abortError } from '../core/errors.ts';
import { baseUrl, hardwareThreads } from '../core/platform.ts';
import { checkKeys } from '../core/validate.ts';
import type { KernelBuild } from '../kernels/builds.ts';
import type { KernelRuntimeOptions } from '../kernels/runtime.ts';
import { spawnWorker, type WorkerHandle } from './endpoint.ts';
import type { JobRunner, JobRunOptions, PinnedRunner } from './job.ts';
import { ABORT_MESSAGE, type ProgressMessage, type WorkerApi, type WorkerInfo, type WorkerInit } from './protocol.ts';
import { withTransfer } from './transfer.ts';
import { onnxRuntimeSettings } from '../core/onnxruntime-settings.ts';

declare global {
  interface SymbolConstructor {
    /** ES2025 (Node 20, current browsers); declared so that consumers need no esnext.disposable lib. */
    readonly asyncDispose: unique symbol;
  }
}

/** Most workers one pool may hold: each takes its own kernel memory and thread (~10 MB or more). */
const MAX_POOL_SIZE = 256;

/**
 * How a WorkerPool is made: its size, every worker's kernel runtime options, and the worker
 * script.
 */
export interface PoolOptions {
  /** Number of workers, 1 to 256. Default: the host's hardware threads (at least 1, at most 16). */
  size?: number;
  /** Kernel build, wasm source and memory for every worker's KernelRuntime; see KernelRuntimeOptions. */
  kernelOptions?: KernelRuntimeOptions;
  /**
   * The worker script. Default: the SDK's own (dist/worker.js in browsers, which bundlers emit and
   * rename; dist/worker.node.js in Node). Give a URL only to serve a worker script yourself: it
   * must import `specialist-sdk/worker`.
   */
  workerUrl?: URL | string;
}

/** A WorkerPool's state at a glance: workers, busy ones, queued jobs and restarts. */
export interface PoolStats {
  workers: number;
  busy: number;
  queued: number;
  /** Workers replaced after an abort or a crash. */
  restarts: number;
}

interface Pin {
  slot?: Slot;
  error?: SpecialistError;
  end(error: SpecialistError): void;
}

interface Task {
  kind: string;
  payload: unknown;
  options: JobRunOptions;
  resolve(value: unknown): void;
  reject(error: unknown): void;
  settled: boolean;
  /** Removes the listener on options.signal: a long-lived signal (a runtime's) must not collect one per job. */
  detach?: () => void;
  slot?: Slot;
  /** Progress in, ABORT_MESSAGE out (pinned jobs always have one). */
  port?: MessagePort;
  pin?: Pin;
}

interface Slot {
  handle: WorkerHandle;
  api: Remote<WorkerApi>;
  info: WorkerInfo;
  task?: Task;
  pins: Set<Pin>;
}

function toInit(kernelOptions: KernelRuntimeOptions = {}): Omit<WorkerInit, 'onnxruntime'> {
  const { wasm, ...rest } = kernelOptions;
  if (wasm === undefined) return { kernelOptions: rest };
  if (wasm instanceof URL || typeof wasm === 'string') return { kernelOptions: { ...rest, wasm: String(wasm) } };
  if (wasm instanceof WebAssembly.Module) {
    throw new SpecialistError('INVALID_ARGUMENT', 'A compiled WebAssembly.Module cannot be sent to workers; pass the bytes or a URL');
  }
  const view = ArrayBuffer.isView(wasm) ? new Uint8Array(wasm.buffer, wasm.byteOffset, wasm.byteLength) : new Uint8Array(wasm);
  return { kernelOptions: { ...rest, wasm: view.slice().buffer } };
}

/**
 * Runs jobs on a pool of workers (browser module Workers or Node worker_threads).
 * Aborting a running job terminates its worker, which frees all of that worker's memory at once,
 * and a fresh worker takes its place on demand (pinned jobs are the exception: see pin()). In Node
 * an idle pool does not keep the process alive; call close() to end the workers explicitly.
 */
export class WorkerPool implements JobRunner {
  readonly size: number;
  private readonly init: Omit<WorkerInit, 'onnxruntime'>;
  private readonly workerUrl?: URL;
  private readonly slots: Slot[] = [];
  private readonly queue: Task[] = [];
  private readonly pins = new Set<Pin>();
  private starting = 0;
  /** A worker failed to start: the pool stops growing (and stops waiting for growth). */
  private growthFailed = false;
  private restarts = 0;
  private closed = false;
  private firstInfo?: WorkerInfo;

  private constructor(options: PoolOptions) {
    if (!options || typeof options !== 'object') throw new SpecialistError('INVALID_ARGUMENT', 'pool options must be an object', { argument: 'options' });
    checkKeys('PoolOptions', options, { size: true, kernelOptions: true, workerUrl: true } satisfies Record<keyof PoolOptions, true>, {
      kernels: 'the options of every worker\'s kernel runtime are `kernelOptions` (renamed in 1.0)',
    });
    const size = options.size ?? Math.min(16, hardwareThreads());
    if (!Number.isInteger(size) || size < 1 || size > MAX_POOL_SIZE) throw new SpecialistError('INVALID_ARGUMENT', `pool size must be an integer in [1, ${MAX_POOL_SIZE}], got ${size}`, { size });
    this.size = size;
    this.init = toInit(options.kernelOptions);
    if (options.workerUrl !== undefined) {
      try {
        this.workerUrl = new URL(String(options.workerUrl), baseUrl());
      } catch {
        throw new SpecialistError('INVALID_ARGUMENT', `workerUrl must be a URL (a file path needs pathToFileURL), got ${JSON.stringify(String(options.workerUrl))}`, { argument: 'workerUrl' });
      }
    }
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
  get build(): KernelBuild | 'custom' {
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

  /** The job kinds the workers run (from the worker entry's list). */
  get jobs(): readonly string[] {
    return this.firstInfo!.jobs;
  }

  /**
   * Runs one job in a worker: `kind` names a handler the worker entry registered, `payload` is
   * cloned (or transferred with `transfer: true`). Prefer the typed client of each job (e.g.
   * runKernelInWorker, runPipelineInWorker, WorkerSpecialistRuntime).
   */
  run<R>(kind: string, payload: unknown, options: JobRunOptions = {}): Promise<R> {
    return this.submit(kind, payload, options) as Promise<R>;
  }

  /**
   * A runner whose jobs all go to one worker of this pool, so that a job can leave state there for
   * the next ones. The first job picks the worker (an idle one without pins, else a new one while
   * the pool is below its size, else the least pinned); the worker keeps serving other jobs too.
   * Aborting a pinned job rejects it at once with ABORTED and, instead of ending the worker, aborts
   * the `signal` its handler got (JobContext): the worker and its state live on, and stay busy until
   * the handler returns. The pin ends when its worker does (see PinnedRunner.ended): note that
   * aborting an unpinned job on the same worker ends that worker, so give stateful work a pool of
   * its own when other jobs on it may be aborted.
   */
  pin(): PinnedRunner {
    let resolveEnded!: (error: SpecialistError) => void;
    const ended = new Promise<SpecialistError>((resolve) => (resolveEnded = resolve));
    const pin: Pin = {
      end: (error) => {
        if (pin.error) return;
        pin.error = error;
        this.pins.delete(pin);
        pin.slot?.pins.delete(pin);
        for (const task of this.queue.filter((t) => t.pin === pin)) {
          this.queue.splice(this.queue.indexOf(task), 1);
          this.settle(task, error);
        }
        resolveEnded(error);
        this.pump();
      },
    };
    this.pins.add(pin);
    if (this.closed) pin.end(poolClosed());
    return {
      size: 1,
      ended,
      run: <R>(kind: string, payload: unknown, options: JobRunOptions = {}) => (pin.error ? Promise.reject(pin.error) : (this.submit(kind, payload, options, pin) as Promise<R>)),
      release: () => pin.end(new SpecialistError('ABORTED', 'The pinned worker was released', { reason: 'released' })),
    };
  }

  /** Ends every worker; queued and running jobs reject with ABORTED. */
  async close(): Promise<void> {
    this.closed = true;
    const error = poolClosed();
    for (const task of this.queue.splice(0)) this.settle(task, error);
    for (const pin of [...this.pins]) pin.end(error);
    const slots = this.slots.splice(0);
    for (const slot of slots) {
      if (slot.task) this.settle(slot.task, error);
      slot.task?.port?.close();
    }
    await Promise.all(slots.map((slot) => slot.handle.terminate()));
  }

  /** `await using pool = await WorkerPool.create()` closes the pool at the end of the scope. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  private submit(kind: string, payload: unknown, options: JobRunOptions, pin?: Pin): Promise<unknown> {
    if (this.closed) return Promise.reject(poolClosed());
    if (!this.jobs.includes(kind)) {
      return Promise.reject(new SpecialistError('INVALID_ARGUMENT', `Unknown job kind "${kind}"; the workers run ${this.jobs.join(', ')}`, { argument: 'kind', kind }));
    }
    if (options.signal?.aborted) return Promise.reject(abortError(options.signal));
    return new Promise((resolve, reject) => {
      const task: Task = { kind, payload, options, resolve, reject, settled: false, pin };
      const signal = options.signal;
      if (signal) {
        const onAbort = () => this.stop(task, abortError(signal));
        signal.addEventListener('abort', onAbort, { once: true });
        task.detach = () => signal.removeEventListener('abort', onAbort);
      }
      this.queue.push(task);
      this.pump();
    });
  }

  private settle(task: Task, error: unknown, value?: unknown): void {
    if (task.settled) return;
    task.settled = true;
    task.detach?.();
    if (error) task.reject(error);
    else task.resolve(value);
  }

  /**
   * Ends a job early for its caller (an abort, a failing callback). A queued job just leaves the
   * queue. A running pinned job is told to stop (its worker holds state); any other running job's
   * worker is ended.
   */
  private stop(task: Task, error: SpecialistError): void {
    if (task.settled) return;
    const queued = this.queue.indexOf(task);
    if (queued >= 0) this.queue.splice(queued, 1);
    this.settle(task, error);
    const slot = task.slot;
    if (!slot || slot.task !== task) return;
    if (task.pin) task.port?.postMessage(ABORT_MESSAGE);
    else this.retire(slot, new SpecialistError('WORKER_FAILED', `The pinned worker was ended: a ${task.kind} job on it was stopped (${error.code})`, { reason: 'aborted', kind: task.kind }));
  }

  /** Removes a worker that was aborted mid-job or died, ending its pins with `why`; the next job starts a new one. */
  private retire(slot: Slot, why: SpecialistError): void {
    const index = this.slots.indexOf(slot);
    if (index < 0) return;
    this.slots.splice(index, 1);
    this.restarts++;
    slot.task?.port?.close();
    for (const pin of [...slot.pins]) pin.end(why);
    void slot.handle.terminate();
    this.pump();
  }

  private pump(): void {
    if (this.closed) return;
    for (const task of [...this.queue]) {
      const slot = this.slotFor(task);
      if (!slot) continue;
      this.queue.splice(this.queue.indexOf(task), 1);
      this.execute(slot, task);
    }
  }

  /**
   * Where a queued job runs now, if anywhere: a pinned job on its pin's worker; any other job on
   * the idle worker with the fewest pins, unless that one has pins and the pool can still grow (so
   * that stateful workers are shared only when the pool is full).
   */
  private slotFor(task: Task): Slot | undefined {
    const bound = task.pin?.slot;
    if (bound) return bound.task ? undefined : bound;
    const idle = this.slots.filter((s) => !s.task).sort((a, b) => a.pins.size - b.pins.size)[0];
    const canGrow = !this.growthFailed && this.slots.length + this.starting < this.size;
    if ((!idle || idle.pins.size > 0) && canGrow && this.starting < this.queue.length) this.grow();
    if (!idle || (idle.pins.size > 0 && canGrow)) return undefined;
    if (task.pin) {
      task.pin.slot = idle;
      idle.pins.add(task.pin);
    }
    return idle;
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
        // No worker can start: fail what waits rather than hang, or make do with the workers there are.
        if (this.slots.length === 0) for (const task of this.queue.splice(0)) this.settle(task, error);
        this.growthFailed = true;
        this.pump();
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
        info = await Promise.race([api.init({ ...this.init, onnxruntime: onnxRuntimeSettings() }), failure]);
      } catch (error) {
        await handle.terminate();
        throw error;
      }
      this.firstInfo ??= info;
      const slot: Slot = { handle, api, info, pins: new Set() };
      handle.onFailure((error) => {
        if (slot.task) this.settle(slot.task, error);
        this.retire(slot, error);
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
    if (onProgress || task.pin) {
      const channel = new MessageChannel();
      channel.port1.onmessage = (event: MessageEvent<ProgressMessage>) => {
        if (task.settled || !onProgress) return;
        try {
          onProgress(event.data);
        } catch (error) {
          // The caller's callback failed: stop its job and reject its call only.
          this.stop(task, callbackFailed(error));
        }
      };
      task.port = channel.port1;
      port = transfer(channel.port2, [channel.port2]);
    }
    const payload = task.options.transfer ? withTransfer(task.payload) : task.payload;
    let running: Promise<unknown>;
    try {
      running = slot.api.run(task.kind, payload, port);
    } catch (error) {
      running = Promise.reject(error);
    }
    running.then(
      (value) => this.finish(slot, task, undefined, value),
      (error) => this.finish(slot, task, error instanceof SpecialistError ? error : notCloneable(task.kind, error)),
    );
  }

  private finish(slot: Slot, task: Task, error: unknown, value?: unknown): void {
    this.settle(task, error, value);
    task.port?.close();
    if (slot.task !== task) return;
    slot.task = undefined;
    slot.handle.unref();
    this.pump();
  }
}

function poolClosed(): SpecialistError {
  return new SpecialistError('ABORTED', 'Worker pool closed', { reason: 'closed' });
}

function callbackFailed(error: unknown): SpecialistError {
  if (error instanceof SpecialistError && error.code === 'CALLBACK_FAILED') return error;
  const message = error instanceof Error ? error.message : String(error);
  return new SpecialistError('CALLBACK_FAILED', `onProgress threw: ${message}`, { callback: 'onProgress', cause: message });
}

/** Errors that do not come from the worker (ours arrive typed) are the payload failing to cross the boundary. */
function notCloneable(kind: string, error: unknown): SpecialistError {
  const message = error instanceof Error ? error.message : String(error);
  return new SpecialistError('INVALID_ARGUMENT', `The ${kind} job's input cannot be sent to a worker (only plain data, typed arrays and ArrayBuffers can): ${message}`, {
    argument: 'payload',
    kind,
    cause: message,
  });
}
