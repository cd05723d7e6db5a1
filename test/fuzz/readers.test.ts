// Seeded mutation fuzzing of every reader, a fixed number of iterations (the long run is
// `npm run fuzz`): a damaged file is refused with a typed error, never an untyped one, and no heads
// file is accepted unless it is exactly what was saved.
import assert from 'node:assert/strict';
import { isDeepStrictEqual } from 'node:util';
import { before, it } from 'node:test';
import { createRng } from '../../src/core/random.ts';
import { Specialists } from '../../src/specialist/model.ts';
import { fuzz, headsTarget, npyTarget, onnxRuntimeTarget, onnxSealTarget, onnxTarget, type FuzzResult, type FuzzTarget } from './targets.ts';

function assertClean(result: FuzzResult): void {
  assert.deepEqual(result.findings.slice(0, 3), [], `${result.target}: ${result.findings.length} findings`);
  // The mutations did reach the reader: most files refused, some (harmless edits) accepted.
  const refused = Object.values(result.refused).reduce((a, b) => a + b, 0);
  assert.ok(refused > result.iterations / 2, `${result.target}: only ${refused} refused`);
  assert.equal(refused + result.accepted, result.iterations);
}

let heads: FuzzTarget;
before(async () => {
  heads = await headsTarget();
});

it('.npy reader: 1000 mutated files', async () => assertClean(await fuzz(npyTarget(), 1000, 101)));
it('ONNX reader and graph edit: 1000 mutated models', async () => assertClean(await fuzz(onnxTarget(), 1000, 102)));
it('ONNX through onnxruntime (Generalist.load, encode): 150 mutated models', async () => assertClean(await fuzz(await onnxRuntimeTarget(), 150, 103)));
it('heads file: 1000 mutated files, none accepted unless identical', async () => assertClean(await fuzz(heads, 1000, 104)));
it('exported ONNX heads (sealed), through Generalist.load: 1000 mutated heads, none accepted while it still names its seal', async () => assertClean(await fuzz(await onnxSealTarget(), 1000, 106)));

it('heads file: 2000 single-digit edits of the header, none accepted with different content', () => {
  const bytes = heads.seeds[0].bytes;
  const [start, end] = heads.seeds[0].header!;
  const digits: number[] = [];
  for (let i = start; i < end; i++) if (bytes[i] >= 0x30 && bytes[i] <= 0x39) digits.push(i);
  const original = Specialists.deserialise(bytes).state;
  const rng = createRng(105);
  let accepted = 0;
  for (let t = 0; t < 2000; t++) {
    const edited = bytes.slice();
    const at = digits[rng.int(digits.length)];
    edited[at] = 0x30 + ((edited[at] - 0x30 + 1 + rng.int(9)) % 10);
    try {
      const state = Specialists.deserialise(edited).state;
      accepted++;
      assert.ok(isDeepStrictEqual(state, original), `edit at byte ${at} accepted with different content`);
    } catch (error) {
      assert.equal((error as { code?: string }).code, 'INVALID_FILE', String(error));
    }
  }
  assert.equal(accepted, 0, 'every digit of the header is covered by the checksum');
});
