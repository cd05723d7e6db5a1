// .npy reading and writing: known bytes as NumPy writes them, round trips, and refusals with
// INVALID_FILE for files that are not what they claim.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { it } from 'node:test';
import { formatNpy, parseNpy, toFloat32 } from '../../src/io/npy.ts';
import { readNpyFile, writeNpyFile } from '../../src/node/npy-file.ts';
import { expectCode } from '../helpers.ts';

/** A file as numpy.save writes it: magic, version 1.0, header padded with spaces to 64 bytes, '\n'. */
function numpyBytes(descr: string, shape: string, payload: Uint8Array, fortran = 'False'): Uint8Array {
  const dict = `{'descr': '${descr}', 'fortran_order': ${fortran}, 'shape': ${shape}, }`;
  const header = dict.padEnd(64 - 10 - 1, ' ') + '\n';
  const out = new Uint8Array(10 + header.length + payload.length);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0, header.length, 0]);
  out.set(new TextEncoder().encode(header), 10);
  out.set(payload, 10 + header.length);
  return out;
}

it('reads float32 and float64 arrays as NumPy writes them', () => {
  const f4 = parseNpy(numpyBytes('<f4', '(2, 3)', new Uint8Array(new Float32Array([0, 1, 2, 3, 4, 5.5]).buffer)));
  assert.deepEqual(f4.shape, [2, 3]);
  assert.deepEqual(Array.from(f4.data), [0, 1, 2, 3, 4, 5.5]);
  const f8 = parseNpy(numpyBytes('<f8', '(2,)', new Uint8Array(new Float64Array([1.5, -2.25]).buffer)));
  assert.deepEqual(f8.shape, [2]);
  assert.ok(f8.data instanceof Float64Array);
  assert.deepEqual(Array.from(toFloat32(f8)), [1.5, -2.25]);
  const scalar = parseNpy(numpyBytes('<f8', '()', new Uint8Array(new Float64Array([7]).buffer)));
  assert.deepEqual(scalar.shape, []);
  const i8 = parseNpy(numpyBytes('<i8', '(2,)', new Uint8Array(new BigInt64Array([3n, -4n]).buffer)));
  assert.deepEqual(Array.from(i8.data), [3, -4]);
});

it('reads Fortran-ordered files in C order, float16 exactly, and refuses int64 beyond 2^53', async () => {
  // a[0,0] = 1, a[1,0] = 2, a[0,1] = 3, a[1,1] = 4, stored first index fastest.
  const fortran = parseNpy(numpyBytes('<f4', '(2, 2)', new Uint8Array(new Float32Array([1, 2, 3, 4]).buffer), 'True'));
  assert.deepEqual(Array.from(fortran.data), [1, 3, 2, 4]);
  const cube = parseNpy(numpyBytes('<i4', '(2, 3, 2)', new Uint8Array(Int32Array.from({ length: 12 }, (_, f) => f).buffer), 'True'));
  // C index (i, j, k) holds the Fortran offset i + 2j + 6k.
  assert.deepEqual(Array.from(cube.data), [0, 6, 2, 8, 4, 10, 1, 7, 3, 9, 5, 11]);
  const half = parseNpy(numpyBytes('<f2', '(4,)', new Uint8Array(new Uint16Array([0x3c00, 0xc000, 0x0001, 0x7bff]).buffer)));
  assert.deepEqual(Array.from(toFloat32(half)), [1, -2, 2 ** -24, 65504]);
  await expectCode(() => parseNpy(numpyBytes('<i8', '(2,)', new Uint8Array(new BigInt64Array([1n, 2n ** 53n + 1n]).buffer))), 'INVALID_FILE', 'beyond 2^53');
});

it('round-trips through formatNpy, version 1 header padded to 64 bytes', () => {
  for (const data of [new Float32Array([1, -2, 3.5, 4, 5, 6]), new Float64Array([1e-300, 2, 3, 4, 5, 6]), new Int32Array([1, 2, 3, 4, 5, -6])]) {
    const bytes = formatNpy({ shape: [3, 2], data });
    assert.equal(bytes[6], 1);
    assert.equal((10 + (bytes[8] | (bytes[9] << 8))) % 64, 0);
    const back = parseNpy(bytes);
    assert.deepEqual(back.shape, [3, 2]);
    assert.deepEqual(Array.from(back.data), Array.from(data));
  }
});

it('refuses files that are not what they claim, naming the problem', async () => {
  const payload = new Uint8Array(new Float32Array([1, 2, 3, 4]).buffer);
  await expectCode(() => parseNpy(new TextEncoder().encode('a,b\n1,2\n'), 'x.csv'), 'INVALID_FILE', 'x.csv: not a NumPy .npy file');
  await expectCode(() => parseNpy(numpyBytes('<f4', '(2, 3)', payload)), 'INVALID_FILE', 'needs 24 data bytes but the file holds 16');
  await expectCode(() => parseNpy(numpyBytes('>f4', '(4,)', payload)), 'INVALID_FILE', 'dtype ">f4" is not read');
  await expectCode(() => parseNpy(numpyBytes('|O', '(4,)', payload)), 'INVALID_FILE', 'dtype "|O"');
  await expectCode(() => parseNpy(numpyBytes('<f4', '(4,)', payload).subarray(0, 40)), 'INVALID_FILE', 'truncated header');
  await expectCode(() => toFloat32(parseNpy(numpyBytes('<i4', '(4,)', payload))), 'INVALID_FILE', 'holds <i4 values where measurements (float32 or float64) are expected');
  await expectCode(() => formatNpy({ shape: [3], data: new Float32Array(4) }), 'SHAPE_MISMATCH');
});

it('files: written atomically, read back; a failed write leaves the old file and no temporary', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'npy-'));
  const path = join(dir, 'x.npy');
  await writeNpyFile(path, { shape: [2], data: new Float32Array([1, 2]) });
  assert.deepEqual(Array.from((await readNpyFile(path)).data), [1, 2]);
  const before = readFileSync(path);
  // A shape that does not match the data fails before anything touches the disk.
  await expectCode(() => writeNpyFile(path, { shape: [5], data: new Float32Array([1, 2]) }), 'SHAPE_MISMATCH');
  assert.deepEqual(readFileSync(path), before);
  await expectCode(() => writeNpyFile(join(dir, 'missing-dir', 'y.npy'), { shape: [1], data: new Float32Array([1]) }), 'INVALID_FILE', 'cannot be written');
  assert.deepEqual(readdirSync(dir), ['x.npy']);
  writeFileSync(join(dir, 'bad.npy'), 'hello');
  await expectCode(() => readNpyFile(join(dir, 'bad.npy')), 'INVALID_FILE', 'bad.npy');
  await expectCode(() => readNpyFile(join(dir, 'none.npy')), 'INVALID_FILE', 'ENOENT');
});
