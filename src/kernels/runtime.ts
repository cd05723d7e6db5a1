import type { CallOptions } from '../core/call-options.ts';
import { SpecialistError, toSpecialistError } from '../core/errors.ts';
import { KERNEL_EXPORT_NAMES, type KernelExports } from './exports.generated.ts';
import { ResidentScope } from './resident.ts';
import { compileEmbedded, compileSource, selectBuild, type KernelBuild, type WasmSource } from './builds.ts';
import { KernelMemory, type MemoryOptions } from './memory.ts';

/** The options of KernelRuntime.create (and of every worker's runtime: PoolOptions.kernelOptions). */
export interface KernelRuntimeOptions {
  /** Which compilation to run. Default 'auto': relaxed SIMD, else SIMD, else scalar, whichever the host validates. */
  build?: KernelBuild | 'auto';
  /**
   * Your own copy of the kernel module (bytes, a compiled module, or a URL to fetch) for runtimes
   * that forbid embedded code or want a CDN copy. Default: the copies embedded in the package.
   */
  wasm?: WasmSource;
  /** Kernel memory sizing; see MemoryOptions. */
  memory?: MemoryOptions;
}

/** How much kernel memory a runtime holds (read-only: the memory itself stays inside the runtime). */
export interface KernelMemoryUse {
  /** Bytes handed out and not yet released (0 between calls). */
  readonly bytesInUse: number;
  /** Bytes the memory has grown to (wasm memory never shrinks). */
  readonly bytesReserved: number;
  /** The ceiling set by MemoryOptions.maximumBytes, rounded down to whole 64 KiB pages. */
  readonly maximumBytes: number;
}

/** What the SDK's own code reaches of a runtime and users do not: raw exports, memory, the queue. */
interface Internals {
  exports: KernelExports;
  memory: KernelMemory;
  queue: Promise<unknown>;
}

const internals = new WeakMap<KernelRuntime, Internals>();

/**
 * One instance of the kernel module with its own memory. Not shared between threads. Pass it as
 * `kernels` in the call options of several calls to reuse one instance and its memory.
 */
export class KernelRuntime {
  /** The build in use, or 'custom' for a module the user supplied. */
  readonly build: KernelBuild | 'custom';
  /** Kernel memory use, for monitoring. */
  readonly memory: KernelMemoryUse;

  private constructor(build: KernelBuild | 'custom', memory: KernelMemory, exports: KernelExports) {
    this.build = build;
    this.memory = memory;
    internals.set(this, { exports, memory, queue: Promise.resolve() });
  }

  /** Compiles (once per build, then cached) and instantiates the kernel module; a bad `wasm` is INVALID_WASM. */
  static async create(options: KernelRuntimeOptions = {}): Promise<KernelRuntime> {
    const memory = new KernelMemory(options.memory);
    let build: KernelBuild | 'custom';
    let module: WebAssembly.Module;
    if (options.wasm !== undefined) {
      build = 'custom';
      module = await compileSource(options.wasm);
    } else {
      build = selectBuild(options.build);
      module = await compileEmbedded(build);
    }
    let instance: WebAssembly.Instance;
    try {
      instance = await WebAssembly.instantiate(module, { env: { memory: memory.memory } });
    } catch (error) {
      throw new SpecialistError('INVALID_WASM', `The kernel module could not be instantiated: ${(error as Error).message}`, { build });
    }
    const missing = KERNEL_EXPORT_NAMES.filter((name) => typeof instance.exports[name] !== 'function');
    if (missing.length > 0) {
      throw new SpecialistError('INVALID_WASM', `The kernel module lacks exports: ${missing.join(', ')}`, { missing, build });
    }
    return new KernelRuntime(build, memory, instance.exports as unknown as KernelExports);
  }
}

// The SDK's own access to a runtime: functions of this module, not methods, so that the raw
// pointers they hand out are no part of the public KernelRuntime.

function internalsOf(kernels: KernelRuntime): Internals {
  const found = internals.get(kernels);
  if (!found) throw new SpecialistError('INVALID_ARGUMENT', 'kernels must be a KernelRuntime (from KernelRuntime.create())', { argument: 'kernels' });
  return found;
}

/**
 * Runs `body` with the kernel exports; every allocation made inside is released afterwards,
 * whether it returns, throws or is aborted. A wasm trap becomes a KERNEL_TRAP error.
 */
export function scoped<T>(kernels: KernelRuntime, body: (exports: KernelExports, memory: KernelMemory) => T): T {
  const { exports, memory } = internalsOf(kernels);
  const mark = memory.mark();
  try {
    return body(exports, memory);
  } catch (error) {
    throw toSpecialistError(error);
  } finally {
    memory.release(mark);
  }
}

/**
 * Kernel memory held across asynchronous steps (a training run): allocate with the scope, call
 * the exports on its buffers, and release() it at the end (use within exclusive()).
 */
export function residentScope(kernels: KernelRuntime): ResidentScope {
  const { exports, memory } = internalsOf(kernels);
  return new ResidentScope(exports, memory);
}

/**
 * Runs an asynchronous body that keeps kernel memory across awaits after every earlier such body
 * on this runtime has finished: concurrent calls sharing one runtime queue instead of
 * interleaving their allocations. (Synchronous kernel calls need no queue: they release what they
 * take before returning.)
 */
export function exclusive<T>(kernels: KernelRuntime, body: () => Promise<T>): Promise<T> {
  const state = internalsOf(kernels);
  const run = state.queue.then(body);
  state.queue = run.catch(() => undefined);
  return run;
}

export type { KernelExports };

/** Call options of the calls that run kernels: the runtime to run them on. */
export interface KernelCallOptions extends CallOptions {
  /** The kernel runtime to run on. Default: a new one with the best build, for this call only. */
  kernels?: KernelRuntime;
}

/**
 * The one default policy for kernel runtimes: the runtime the caller passed (checked), else a new
 * one with the best build that lives as long as the call (creating one costs about a millisecond:
 * the compiled module is cached).
 */
export async function kernelsFor(call: { kernels?: unknown } | undefined): Promise<KernelRuntime> {
  const given = call?.kernels;
  if (given === undefined) return KernelRuntime.create();
  if (!(given instanceof KernelRuntime)) {
    throw new SpecialistError('INVALID_ARGUMENT', 'kernels must be a KernelRuntime (from KernelRuntime.create())', { argument: 'kernels' });
  }
  return given;
}
