import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { it } from 'node:test';
import { sha256Hex, sha256HexAsync } from '../../src/io/sha256.ts';
import { createRng } from '../helpers.ts';

it('matches the FIPS 180-4 examples and node:crypto on every length around block boundaries', () => {
  const text = (s: string) => new TextEncoder().encode(s);
  assert.equal(sha256Hex(text('')), 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
  assert.equal(sha256Hex(text('abc')), 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  assert.equal(sha256Hex(text('abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq')), '248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1');
  const rng = createRng(61);
  for (const n of [1, 55, 56, 57, 63, 64, 65, 119, 120, 128, 1000, 100_003]) {
    const bytes = Uint8Array.from({ length: n }, () => rng.int(256));
    assert.equal(sha256Hex(bytes), createHash('sha256').update(bytes).digest('hex'), `length ${n}`);
  }
});

// The fallback path, as on an insecure browser origin where crypto.subtle is undefined.
const noWebCrypto = null;

it('the async form equals node:crypto with Web Crypto and with the sliced fallback, on views into larger buffers', async () => {
  const rng = createRng(62);
  const backing = Uint8Array.from({ length: (3 << 20) + 777 }, () => rng.int(256));
  for (const bytes of [backing.subarray(0, 0), backing.subarray(5, 70), backing.subarray(13, (2 << 20) + 100), backing]) {
    const expected = createHash('sha256').update(bytes).digest('hex');
    assert.equal(await sha256HexAsync(bytes), expected, `Web Crypto, length ${bytes.length}`);
    assert.equal(await sha256HexAsync(bytes, noWebCrypto), expected, `fallback, length ${bytes.length}`);
  }
});

it('the fallback yields to the event loop between 1 MB slices, so timers run while a large input hashes', async () => {
  const bytes = new Uint8Array(4 << 20);
  let ticks = 0;
  const timer = setInterval(() => ticks++, 0);
  try {
    await sha256HexAsync(bytes, noWebCrypto);
  } finally {
    clearInterval(timer);
  }
  // One macrotask between each of the 4 slices: the interval gets a turn at least 3 times.
  assert.ok(ticks >= 3, `timer ran ${ticks} times`);
});
