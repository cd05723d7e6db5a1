// Comlink's built-in 'throw' handler keeps only message, name and stack. Ours keeps our error's
// code and details, and turns anything else thrown in a worker into a SpecialistError. Both sides
// import this module, so the handler is installed on each.

import { transfer, transferHandlers, type TransferHandler } from 'comlink';
import { SpecialistError, toSpecialistError, type SerialisedError } from '../core/errors.ts';

const builtin = transferHandlers.get('throw')!;

const throwHandler: TransferHandler<{ value: unknown }, SerialisedError> = {
  canHandle: builtin.canHandle as TransferHandler<{ value: unknown }, SerialisedError>['canHandle'],
  serialize({ value }) {
    return [toSpecialistError(value).toJSON(), []];
  },
  deserialize(serialized) {
    throw SpecialistError.fromJSON(serialized);
  },
};

transferHandlers.set('throw', throwHandler as TransferHandler<unknown, unknown>);

/** The ArrayBuffers under every typed array in a (nested) value, each once. */
export function collectBuffers(value: unknown, found = new Set<ArrayBuffer>()): ArrayBuffer[] {
  if (ArrayBuffer.isView(value)) {
    if (value.buffer instanceof ArrayBuffer) found.add(value.buffer);
  } else if (Array.isArray(value)) {
    for (const item of value) collectBuffers(item, found);
  } else if (value !== null && typeof value === 'object' && !(value instanceof ArrayBuffer)) {
    for (const item of Object.values(value)) collectBuffers(item, found);
  }
  return [...found];
}

/** Marks a value's typed arrays for transfer instead of copy. */
export function withTransfer<T>(value: T): T {
  // comlink keys transfers by the value in a WeakMap: null and primitives have nothing to transfer.
  if (value === null || typeof value !== 'object') return value;
  return transfer(value, collectBuffers(value));
}
