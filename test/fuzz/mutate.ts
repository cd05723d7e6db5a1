// Seeded mutations of valid files, the kinds of damage files meet: flipped bits, overwritten bytes,
// cuts, insertions, duplicated spans, and for text headers a changed digit or character (a digit
// changed in a JSON or Python-literal header is the edit a checksum must catch).
import type { Rng } from '../../src/core/random.ts';

const INTERESTING = [0x00, 0x01, 0x7f, 0x80, 0xff, 0x30, 0x39, 0x22, 0x2c, 0x5b, 0x5d, 0x7b, 0x7d];

/** One to four mutations of `input` (a copy); `header` is the byte range of its text header, if any. */
export function mutate(input: Uint8Array, rng: Rng, header?: [number, number]): Uint8Array {
  let bytes: Uint8Array = input.slice();
  const count = 1 + rng.int(4);
  for (let m = 0; m < count; m++) bytes = mutateOnce(bytes, rng, header);
  return bytes;
}

function mutateOnce(bytes: Uint8Array, rng: Rng, header?: [number, number]): Uint8Array {
  const n = bytes.length;
  if (n === 0) return Uint8Array.of(rng.int(256));
  // Half of the mutations land in the header when there is one: it holds what a file means.
  const inHeader = header !== undefined && header[0] < n && rng.next() < 0.5;
  const [lo, hi] = inHeader ? [header[0], Math.min(header[1], n)] : [0, n];
  const at = lo + rng.int(Math.max(1, hi - lo));
  switch (rng.int(inHeader ? 9 : 7)) {
    case 0: // flip one bit
      bytes[at] ^= 1 << rng.int(8);
      return bytes;
    case 1: // an interesting byte
      bytes[at] = INTERESTING[rng.int(INTERESTING.length)];
      return bytes;
    case 2: { // overwrite a short span with random bytes
      const len = 1 + rng.int(8);
      for (let i = at; i < Math.min(n, at + len); i++) bytes[i] = rng.int(256);
      return bytes;
    }
    case 3: // cut the file short
      return bytes.slice(0, rng.int(n));
    case 4: { // delete a span
      const len = 1 + rng.int(Math.min(64, n - at));
      return concat(bytes.subarray(0, at), bytes.subarray(at + len));
    }
    case 5: { // insert random bytes
      const extra = Uint8Array.from({ length: 1 + rng.int(16) }, () => rng.int(256));
      return concat(bytes.subarray(0, at), extra, bytes.subarray(at));
    }
    case 6: { // copy a span of the file over another place
      const from = rng.int(n);
      const len = 1 + rng.int(Math.min(32, n - from));
      const span = bytes.slice(from, from + len);
      bytes.set(span.subarray(0, Math.max(0, Math.min(span.length, n - at))), at);
      return bytes;
    }
    case 7: { // change one digit of the header to another digit
      const digits: number[] = [];
      for (let i = lo; i < hi; i++) if (bytes[i] >= 0x30 && bytes[i] <= 0x39) digits.push(i);
      if (digits.length === 0) return bytes;
      const i = digits[rng.int(digits.length)];
      bytes[i] = 0x30 + ((bytes[i] - 0x30 + 1 + rng.int(9)) % 10);
      return bytes;
    }
    default: // one header character to another printable one
      bytes[at] = 0x20 + rng.int(95);
      return bytes;
  }
}

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((s, p) => s + p.length, 0));
  let offset = 0;
  for (const p of parts) {
    out.set(p, offset);
    offset += p.length;
  }
  return out;
}
