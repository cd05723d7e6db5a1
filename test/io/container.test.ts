// The specialist container: round trip, and every kind of damage refused with INVALID_FILE
// (saves killed mid-write: test/node/atomic-write.test.ts).
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { decodeContainer, encodeContainer } from '../../src/io/container.ts';
import { expectCode } from '../helpers.ts';

const tensors = {
  'head0.W': { shape: [3, 2], data: new Float32Array([1, 2, 3, 4, 5, 6.5]) },
  'head0.support': { shape: [3], data: new Int32Array([0, 4, 7]) },
  mask: { shape: [5], data: new Uint8Array([1, 0, 1, 1, 0]) },
  scale: { shape: [], data: new Float64Array([0.125]) },
};

it('round-trips tensors and metadata', async () => {
  const bytes = await encodeContainer({ format: 'specialist/1', note: 'ü' }, tensors);
  const headerLength = Number(new DataView(bytes.buffer).getBigUint64(0, true));
  assert.equal((8 + headerLength) % 8, 0, 'data section is 8-aligned');
  const back = await decodeContainer(bytes);
  // A Node Buffer (often a view into a shared pool) decodes to the same tensors.
  const fromBuffer = decodeContainer(Buffer.from(bytes));
  assert.deepEqual(Array.from(fromBuffer.tensors['head0.W'].data), Array.from(tensors['head0.W'].data));
  assert.deepEqual(back.metadata, { format: 'specialist/1', note: 'ü' });
  for (const [name, t] of Object.entries(tensors)) {
    assert.deepEqual(back.tensors[name].shape, t.shape);
    assert.deepEqual(Array.from(back.tensors[name].data), Array.from(t.data));
    assert.equal(back.tensors[name].data.constructor, t.data.constructor);
  }
});

it('refuses truncated, corrupted and forged files with INVALID_FILE', async () => {
  const bytes = await encodeContainer({ format: 'specialist/1' }, tensors);
  const headerLength = Number(new DataView(bytes.buffer).getBigUint64(0, true));
  await expectCode(() => decodeContainer(bytes.subarray(0, 5)), 'INVALID_FILE', 'too short');
  await expectCode(() => decodeContainer(bytes.subarray(0, bytes.length - 4)), 'INVALID_FILE', 'outside the');
  await expectCode(() => decodeContainer(bytes.subarray(0, 40)), 'INVALID_FILE', 'does not fit');
  await expectCode(() => decodeContainer(new TextEncoder().encode('PK\u0003\u0004 a zip file, not ours')), 'INVALID_FILE');
  const flipped = bytes.slice();
  flipped[flipped.length - 3] ^= 0x40; // one bit of tensor data
  await expectCode(() => decodeContainer(flipped), 'INVALID_FILE', 'checksum mismatch');
  const rewrite = async (edit: (h: any) => void) => {
    const header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + headerLength)));
    edit(header);
    const json = new TextEncoder().encode(JSON.stringify(header));
    const out = new Uint8Array(8 + json.length + bytes.length - 8 - headerLength);
    new DataView(out.buffer).setBigUint64(0, BigInt(json.length), true);
    out.set(json, 8);
    out.set(bytes.subarray(8 + headerLength), 8 + json.length);
    return out;
  };
  await expectCode(async () => decodeContainer(await rewrite((h) => (h.mask.dtype = 'BF16'))), 'INVALID_FILE', 'dtype "BF16"');
  await expectCode(async () => decodeContainer(await rewrite((h) => (h.mask.shape = [6]))), 'INVALID_FILE', 'needs 6 bytes');
  await expectCode(async () => decodeContainer(await rewrite((h) => (h.scale.data_offsets = h['head0.W'].data_offsets.map((o: number) => o)) && (h.scale.dtype = 'F64') && (h.scale.shape = [3]))), 'INVALID_FILE', 'overlap');
  await expectCode(async () => decodeContainer(await rewrite((h) => delete h.__metadata__.sha256)), 'INVALID_FILE', 'cannot be verified');
  // The checksum covers the header: a changed shape that still fits its bytes, or changed metadata, is caught.
  await expectCode(async () => decodeContainer(await rewrite((h) => (h['head0.W'].shape = [2, 3]))), 'INVALID_FILE', 'checksum mismatch: the header');
  await expectCode(async () => decodeContainer(await rewrite((h) => (h.__metadata__.format = 'specialist/2'))), 'INVALID_FILE', 'checksum mismatch: the header');
  await expectCode(async () => decodeContainer(await rewrite((h) => (h.__metadata__.n = 3))), 'INVALID_FILE', 'non-string');
});
