// Data-parallel training steps: every minibatch is cut into GHOST_BATCHES halves, each with its own
// batch-norm statistics; their gradients are summed in a fixed order and halved. One thread
// computes both halves in turn (LocalExchange); two workers compute one half each and swap
// gradients through shared memory (SharedExchange). Both add the same numbers in the same order,
// so a fit gives the same bits on one thread or two.
import { SpecialistError } from '../core/errors.ts';

/** Ghost batches per minibatch (each normalised on its own statistics). */
export const GHOST_BATCHES = 2;

export interface GradientExchange {
  /** Ranks taking part (1 or GHOST_BATCHES). */
  readonly size: number;
  readonly rank: number;
  /** The ghost batches this rank computes. */
  mine(): number[];
  /** Stores ghost batch g's gradient (`values`, length P) and loss. */
  put(g: number, values: Float32Array[], loss: number): void;
  /** Waits for every ghost batch of this step; writes their mean into `out` (same layout as put) and returns the mean loss. */
  reduce(out: Float32Array[]): number;
  /** Tells the other ranks that this one failed (they throw instead of waiting). */
  fail(): void;
}

function total(parts: Float32Array[]): number {
  return parts.reduce((n, p) => n + p.length, 0);
}

/** The mean of two slots, part by part, in one fixed order (slot 0 + slot 1, then halved). */
function meanInto(out: Float32Array[], a: Float32Array, b: Float32Array): void {
  let o = 0;
  for (const part of out) {
    for (let i = 0; i < part.length; i++) part[i] = (a[o + i] + b[o + i]) * 0.5;
    o += part.length;
  }
}

function pack(slot: Float32Array, values: Float32Array[]): void {
  let o = 0;
  for (const v of values) {
    slot.set(v, o);
    o += v.length;
  }
}

/** Both ghost batches on this thread. */
export class LocalExchange implements GradientExchange {
  readonly size = 1;
  readonly rank = 0;
  private slots: Float32Array[] = [];
  private losses = [0, 0];

  mine(): number[] {
    return [0, 1];
  }

  put(g: number, values: Float32Array[], loss: number): void {
    const length = total(values);
    if (this.slots[g]?.length !== length) this.slots[g] = new Float32Array(length);
    pack(this.slots[g], values);
    this.losses[g] = loss;
  }

  reduce(out: Float32Array[]): number {
    meanInto(out, this.slots[0], this.slots[1]);
    return (this.losses[0] + this.losses[1]) * 0.5;
  }

  fail(): void {}
}

// Control words of the shared buffer (Int32 indices).
const ARRIVED = 0, GENERATION = 1, FAILED = 2, STATE = 3, CONTROL_WORDS = 4;
/** STATE: rank 0 waits for rank 1 to join; if it does not within JOIN_MS, rank 0 goes on alone. */
const WAITING = 0, JOINED = 1, ALONE = 2;
const JOIN_MS = 10_000;
/** How long one wait blocks before it looks at the failure flag again. */
const POLL_MS = 1000;

/** The shared buffer for a two-rank fit whose gradient vectors hold at most `floats` values. */
export function sharedExchangeBuffer(floats: number): SharedArrayBuffer {
  // Two step parities x two ranks x (gradient + loss), after the control words.
  return new SharedArrayBuffer(CONTROL_WORDS * 4 + 2 * GHOST_BATCHES * (floats + 1) * 4);
}

/**
 * Two ranks over one SharedArrayBuffer. Each step writes into the half of the buffer of its
 * parity, so one barrier per step suffices: a rank can only write a parity again after the other
 * has passed the next barrier, i.e. finished reading.
 */
export class SharedExchange implements GradientExchange {
  readonly size = GHOST_BATCHES;
  private readonly control: Int32Array;
  private readonly floats: number;
  private step = 0;
  /** False when rank 0 found no partner and computes every ghost batch itself. */
  private together = true;
  private readonly local = new LocalExchange();

  constructor(
    private readonly buffer: SharedArrayBuffer,
    readonly rank: number,
  ) {
    this.control = new Int32Array(buffer, 0, CONTROL_WORDS);
    this.floats = (buffer.byteLength - CONTROL_WORDS * 4) / 4 / (2 * GHOST_BATCHES) - 1;
  }

  /**
   * Rank 1 joins (false: rank 0 already went on alone, so there is nothing to do); rank 0 waits
   * up to `waitMs` for it, then goes on alone. A fit gives the same result either way.
   */
  join(waitMs = JOIN_MS): boolean {
    if (this.rank === 1) {
      const joined = Atomics.compareExchange(this.control, STATE, WAITING, JOINED) === WAITING;
      Atomics.notify(this.control, STATE);
      return joined;
    }
    const deadline = performance.now() + waitMs;
    while (Atomics.load(this.control, STATE) === WAITING && performance.now() < deadline) {
      Atomics.wait(this.control, STATE, WAITING, Math.max(1, deadline - performance.now()));
    }
    this.together = Atomics.compareExchange(this.control, STATE, WAITING, ALONE) === JOINED;
    return true;
  }

  mine(): number[] {
    return this.together ? [this.rank] : [0, 1];
  }

  private slot(parity: number, g: number): Float32Array {
    const offset = CONTROL_WORDS * 4 + ((parity * GHOST_BATCHES + g) * (this.floats + 1)) * 4;
    return new Float32Array(this.buffer, offset, this.floats + 1);
  }

  put(g: number, values: Float32Array[], loss: number): void {
    if (!this.together) return this.local.put(g, values, loss);
    const length = total(values);
    if (length > this.floats) throw new SpecialistError('INTERNAL', `gradient of ${length} values exceeds the shared buffer (${this.floats})`);
    const slot = this.slot(this.step & 1, g);
    pack(slot, values);
    slot[length] = loss;
  }

  reduce(out: Float32Array[]): number {
    if (!this.together) return this.local.reduce(out);
    this.barrier();
    const length = total(out);
    const a = this.slot(this.step & 1, 0), b = this.slot(this.step & 1, 1);
    meanInto(out, a, b);
    const loss = (a[length] + b[length]) * 0.5;
    this.step++;
    return loss;
  }

  private barrier(): void {
    const c = this.control;
    const generation = Atomics.load(c, GENERATION);
    if (Atomics.add(c, ARRIVED, 1) === GHOST_BATCHES - 1) {
      Atomics.store(c, ARRIVED, 0);
      Atomics.add(c, GENERATION, 1);
      Atomics.notify(c, GENERATION);
      return;
    }
    while (Atomics.load(c, GENERATION) === generation) {
      if (Atomics.load(c, FAILED)) throw new SpecialistError('WORKER_FAILED', 'the other worker of this fit failed');
      Atomics.wait(c, GENERATION, generation, POLL_MS);
    }
  }

  fail(): void {
    Atomics.store(this.control, FAILED, 1);
    Atomics.notify(this.control, GENERATION);
  }
}
