// Bytes from a URL: fetch() for http(s) and blob/data URLs, Node's file system for file: URLs.
import { SpecialistError, type ErrorCode } from './errors.ts';
import { requireNodeServices } from './host.ts';
import { baseUrl } from './platform.ts';

export async function readBytes(source: URL | string, what: string, code: ErrorCode): Promise<Uint8Array<ArrayBuffer>> {
  let url: URL;
  try {
    url = source instanceof URL ? source : new URL(source, baseUrl());
  } catch {
    throw new SpecialistError('INVALID_ARGUMENT', `The ${what} must be bytes, a URL or a URL string (a file path needs pathToFileURL), got ${typeof source === 'string' ? JSON.stringify(source) : typeof source}`, {
      what,
    });
  }
  let response: Response;
  try {
    if (url.protocol === 'file:') {
      return await requireNodeServices('Reading a file: URL').readFile(url);
    }
    response = await fetch(url);
  } catch (error) {
    throw new SpecialistError(code, `Could not read the ${what} at ${url.href}: ${(error as Error).message}`, { url: url.href });
  }
  if (!response.ok) throw new SpecialistError(code, `Fetching the ${what} from ${url.href} failed: HTTP ${response.status}`, { url: url.href, status: response.status });
  return new Uint8Array(await response.arrayBuffer());
}
