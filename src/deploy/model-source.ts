// Where a runtime reads a model from: bytes, or a URL. Kept apart from the runtimes so that the
// head-only runtime imports nothing of the encoder's (HeadRuntime, SpecialistRuntime).
import { readBytes } from '../core/read-bytes.ts';

/** Model bytes, or a URL (string or URL; in Node a file: URL) to read them from. */
export type ModelSource = Uint8Array | ArrayBuffer | URL | string;

export async function bytesOf(source: ModelSource, what: string): Promise<Uint8Array> {
  if (source instanceof Uint8Array) return source;
  if (source instanceof ArrayBuffer) return new Uint8Array(source);
  return readBytes(source, what, 'INVALID_FILE');
}
