// Edits of a heads file for the tests: in place (no new checksum), deliberate (decoded, edited and
// encoded again with a correct checksum), and the same model written as format 2 (SDK 0.1.0).
import assert from 'node:assert/strict';
import { decodeContainer, encodeContainer, type ContainerArray } from '../../src/io/container.ts';
import { sha256Hex } from '../../src/io/sha256.ts';

export function headerText(file: Uint8Array): string {
  const length = Number(new DataView(file.buffer, file.byteOffset).getBigUint64(0, true));
  return new TextDecoder().decode(file.subarray(8, 8 + length));
}

/** Replaces the first `from` (a string or pattern) of the raw header by `to` of the same length. */
export function editInPlace(file: Uint8Array, from: string | RegExp, to: string | ((match: string) => string)): Uint8Array {
  const text = headerText(file);
  const match = typeof from === 'string' ? { index: text.indexOf(from), 0: from } : from.exec(text);
  assert.ok(match && match.index >= 0, `${from} is in the header`);
  const replacement = typeof to === 'string' ? to : to(match[0]);
  assert.equal(replacement.length, match[0].length, 'an in-place edit keeps the length');
  const out = file.slice();
  out.set(new TextEncoder().encode(replacement), 8 + match.index);
  return out;
}

export interface Editable {
  metadata: Record<string, string>;
  meta: any;
  tensors: Record<string, { shape: number[]; data: ContainerArray }>;
}

/** Decodes, edits and encodes again with a correct checksum: what a deliberate edit makes. */
export function rewrite(file: Uint8Array, edit: (f: Editable) => void): Uint8Array {
  const { metadata, tensors } = decodeContainer(file);
  const f: Editable = { metadata: { ...metadata }, meta: JSON.parse(metadata.meta), tensors: structuredClone(tensors) };
  edit(f);
  f.metadata.meta = JSON.stringify(f.meta);
  return encodeContainer(f.metadata, f.tensors);
}

/** The same model as SDK 0.1.0 wrote it: format 2, `data_sha256` over the tensor bytes only. */
export function versionTwo(file: Uint8Array): Uint8Array {
  const { metadata, tensors } = decodeContainer(file);
  const relabelled = encodeContainer({ ...metadata, formatVersion: '2', sdkVersion: '0.1.0' }, tensors);
  const length = Number(new DataView(relabelled.buffer).getBigUint64(0, true));
  const header = JSON.parse(headerText(relabelled));
  const body = relabelled.subarray(8 + length);
  delete header.__metadata__.sha256;
  header.__metadata__.data_sha256 = sha256Hex(body);
  const json = new TextEncoder().encode(JSON.stringify(header));
  const out = new Uint8Array(8 + json.length + body.length);
  new DataView(out.buffer).setBigUint64(0, BigInt(json.length), true);
  out.set(json, 8);
  out.set(body, 8 + json.length);
  return out;
}
