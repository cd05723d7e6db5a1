/**
 * Every failure the SDK reports is a SpecialistError with a stable `code` and structured
 * `details`, so callers can branch on it. Errors keep code and details across the worker hop
 * (see worker/transfer.ts).
 */
export type ErrorCode =
  | 'ABORTED' // the caller's AbortSignal fired
  | 'INVALID_ARGUMENT' // a value that is not allowed (k < 1, bad option)
  | 'SHAPE_MISMATCH' // an array whose length or shape does not match what was declared
  | 'NON_FINITE' // NaN or Infinity in input data
  | 'OUT_OF_MEMORY' // the kernel memory would exceed its explicit maximum
  | 'UNSUPPORTED_BUILD' // a kernel build the host cannot run (e.g. relaxed SIMD in Node 20)
  | 'INVALID_WASM' // bytes or URL that do not hold a usable kernel module
  | 'KERNEL_TRAP' // a wasm trap; never expected: shapes are validated before every call
  | 'UNKNOWN_KERNEL' // a registry lookup by a name that is not registered
  | 'WORKER_FAILED' // a worker died or could not start
  | 'ENCODER_MISMATCH' // heads fitted on another generalist encoder than the one given
  | 'INVALID_FILE' // a file that is not what it claims (bad .npy, truncated, wrong dtype) or cannot be read/written
  | 'CALLBACK_FAILED' // a callback the caller passed (onProgress) threw; the call stops, nothing else is affected
  | 'INTERNAL'; // anything else thrown inside a worker

/**
 * The one error type of the SDK: `code` says what went wrong (docs/reliability.md lists every
 * code), `details` names the argument, file or value.
 */
export class SpecialistError extends Error {
  override readonly name = 'SpecialistError';
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
  }

  toJSON(): SerialisedError {
    return { code: this.code, message: this.message, details: this.details, stack: this.stack };
  }

  static fromJSON(value: SerialisedError): SpecialistError {
    const error = new SpecialistError(value.code, value.message, value.details);
    if (value.stack) error.stack = value.stack;
    return error;
  }
}

/**
 * A SpecialistError as plain data (`toJSON()`), as it crosses a worker boundary;
 * `SpecialistError.fromJSON` restores it.
 */
export interface SerialisedError {
  code: ErrorCode;
  message: string;
  details: Record<string, unknown>;
  stack?: string;
}

/**
 * True when `value` is a SpecialistError (with `code`, when given): the check to use across
 * bundles and workers.
 */
export function isSpecialistError(value: unknown, code?: ErrorCode): value is SpecialistError {
  return value instanceof SpecialistError && (code === undefined || value.code === code);
}

export function abortError(signal?: AbortSignal): SpecialistError {
  const reason = signal?.reason;
  const why = reason instanceof Error ? reason.message : reason === undefined ? undefined : String(reason);
  return new SpecialistError('ABORTED', why ? `Aborted: ${why}` : 'Aborted', why ? { reason: why } : {});
}

export function throwIfAborted(signal?: AbortSignal): void {
  if (signal?.aborted) throw abortError(signal);
}

/** Wraps anything thrown into a SpecialistError, keeping ours as they are. */
export function toSpecialistError(error: unknown): SpecialistError {
  if (error instanceof SpecialistError) return error;
  if (typeof WebAssembly !== 'undefined' && error instanceof WebAssembly.RuntimeError) {
    return new SpecialistError('KERNEL_TRAP', `Kernel trapped: ${error.message}`, { trap: error.message });
  }
  if (error instanceof Error) {
    const wrapped = new SpecialistError('INTERNAL', error.message, { name: error.name });
    wrapped.stack = error.stack;
    return wrapped;
  }
  return new SpecialistError('INTERNAL', String(error));
}
