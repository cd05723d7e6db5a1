import type { CallOptions } from '../core/call-options.ts';
import { SpecialistError, toSpecialistError } from '../core/errors.ts';
import { KERNEL_EXPORT_NAMES, type KernelExports } from './exports.generated.ts';
import { ResidentScope } from './resident.ts';
import { compileEmbedded, compileSource, selectBuild, type KernelBuild, type WasmSource } from './builds.ts';
import { KernelMemory, type MemoryOptions } from './memory.ts';

export interface KernelOptions {
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

/** One instance of the kernel module with its own memory. Not shared between threads. */
export class KernelRuntime {
  private queue: Promise<unknown> = Promise.resolve();

  private constructor(
    /** The build in use, or 'custom' for a module the user supplied. */
    readonly build: KernelBuild | 'custom',
    readonly memory: KernelMemory,
    private readonly exports: KernelExports,
  ) {}

  static async create(options: KernelOptions = {}): Promise<KernelRuntime> {
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

  /**
   * Runs `body` with the kernel exports; every allocation made inside is released afterwards,
   * whether it returns, throws or is aborted. A wasm trap becomes a KERNEL_TRAP error.
   */
  scoped<T>(body: (kernels: KernelExports, memory: KernelMemory) => T): T {
    const mark = this.memory.mark();
    try {
      return body(this.exports, this.memory);
    } catch (error) {
      throw toSpecialistError(error);
    } finally {
      this.memory.release(mark);
    }
  }

  /**
   * Kernel memory held across asynchronous steps (a training run): allocate with the scope, call
   * the exports on its buffers, and release() it at the end (use within exclusive()).
   */
  resident(): ResidentScope {
    return new ResidentScope(this.exports, this.memory);
  }

  /**
   * Runs an asynchronous body that keeps kernel memory across awaits after every earlier such body
   * on this runtime has finished: concurrent calls sharing one runtime queue instead of
   * interleaving their allocations. (Synchronous kernel calls need no queue: they release what they
   * take before returning.)
   */
  exclusive<T>(body: () => Promise<T>): Promise<T> {
    const run = this.queue.then(body);
    this.queue = run.catch(() => undefined);
    return run;
  }
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
