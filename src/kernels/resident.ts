// Kernel memory that outlives one kernel call: a training run allocates its parameters, gradients
// and batch buffers once, then calls the exports on them step after step. Buffers are named when
// allocated (`buffers({ zb: n, ... })`), so the compiler checks every use of a name.
import type { KernelExports } from './exports.generated.ts';
import type { KernelMemory } from './memory.ts';

export class ResidentScope {
  private readonly start: number;
  private released = false;

  constructor(
    /** The raw exports: pointers are the numbers this scope hands out. */
    readonly exports: KernelExports,
    private readonly memory: KernelMemory,
  ) {
    this.start = memory.mark();
  }

  /** A float32 buffer of `length` values; returns its pointer. */
  f32(length: number): number {
    return this.memory.alloc(length * 4);
  }

  /** One float32 buffer per name, of the given lengths: `{ name: pointer }`. */
  buffers<K extends string>(lengths: Record<K, number>): Record<K, number> {
    const out = {} as Record<K, number>;
    for (const name of Object.keys(lengths) as K[]) out[name] = this.f32(lengths[name]);
    return out;
  }

  /** A view of `length` float32 values at `ptr`. Make views after allocating: growth detaches older ones. */
  view(ptr: number, length: number): Float32Array {
    return this.memory.f32(ptr, length);
  }

  /** Runs `body` with temporary buffers that are released when it returns or throws. */
  temporary<T>(body: () => T): T {
    const mark = this.memory.mark();
    try {
      return body();
    } finally {
      this.memory.release(mark);
    }
  }

  /** Frees everything this scope allocated. */
  release(): void {
    if (this.released) return;
    this.released = true;
    this.memory.release(this.start);
  }
}
