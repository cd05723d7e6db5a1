import { SpecialistError } from '../core/errors.ts';
import type { WasmMemory } from '../core/lib-types.ts';

const PAGE = 65536;
/** Allocations start past a small guard so that no live pointer is 0. */
const BASE = 64;

/** The kernel memory of a KernelRuntime: what it reserves up front and its hard ceiling. */
export interface MemoryOptions {
  /** Memory reserved up front. Default 1 MiB. */
  initialBytes?: number;
  /**
   * Hard ceiling of the kernel memory. A request beyond it is an OUT_OF_MEMORY error, never a
   * trap. Default 512 MiB; wasm32 allows up to 4 GiB.
   */
  maximumBytes?: number;
}

export const DEFAULT_MAXIMUM_BYTES = 512 * 1024 * 1024;

/**
 * The kernels' linear memory: a WebAssembly.Memory with an explicit maximum, handed out by a bump
 * arena. Callers take a mark before a kernel call and release it after, so memory is reused call
 * after call and freed even when a call fails or is aborted.
 */
export class KernelMemory {
  readonly memory: WasmMemory;
  readonly maximumBytes: number;
  private top = BASE;

  constructor(options: MemoryOptions = {}) {
    const maximumBytes = options.maximumBytes ?? DEFAULT_MAXIMUM_BYTES;
    const initialBytes = Math.min(options.initialBytes ?? 1024 * 1024, maximumBytes);
    if (!Number.isFinite(maximumBytes) || maximumBytes < PAGE || maximumBytes > 4 * 1024 ** 3) {
      throw new SpecialistError('INVALID_ARGUMENT', `memory.maximumBytes must be between 64 KiB and 4 GiB, got ${maximumBytes}`, { maximumBytes });
    }
    this.maximumBytes = Math.floor(maximumBytes / PAGE) * PAGE;
    this.memory = new WebAssembly.Memory({
      initial: Math.max(1, Math.ceil(initialBytes / PAGE)),
      maximum: this.maximumBytes / PAGE,
    });
  }

  /** Bytes handed out and not yet released. */
  get bytesInUse(): number {
    return this.top - BASE;
  }

  /** Bytes the memory has grown to (wasm memory never shrinks). */
  get bytesReserved(): number {
    return this.memory.buffer.byteLength;
  }

  /** Returns a 16-byte aligned pointer to `bytes` bytes, growing the memory as needed. */
  alloc(bytes: number): number {
    if (!Number.isInteger(bytes) || bytes < 0) {
      throw new SpecialistError('INVALID_ARGUMENT', `allocation size must be a non-negative integer, got ${bytes}`, { bytes });
    }
    const ptr = (this.top + 15) & ~15;
    const end = ptr + bytes;
    if (end > this.maximumBytes) {
      throw new SpecialistError(
        'OUT_OF_MEMORY',
        `Kernel memory exhausted: ${bytes} bytes requested with ${this.bytesInUse} in use, maximum ${this.maximumBytes}. ` +
          'Raise memory.maximumBytes or split the work.',
        { requested: bytes, inUse: this.bytesInUse, maximum: this.maximumBytes },
      );
    }
    const have = this.memory.buffer.byteLength;
    if (end > have) this.memory.grow(Math.ceil((end - have) / PAGE));
    this.top = end;
    return ptr;
  }

  mark(): number {
    return this.top;
  }

  release(mark: number): void {
    this.top = mark;
  }

  // Views are made after the allocations of a call: growing the memory detaches older views.
  f32(ptr: number, length: number): Float32Array {
    return new Float32Array(this.memory.buffer, ptr, length);
  }
  f64(ptr: number, length: number): Float64Array {
    return new Float64Array(this.memory.buffer, ptr, length);
  }
  i32(ptr: number, length: number): Int32Array {
    return new Int32Array(this.memory.buffer, ptr, length);
  }
}
