// The .npy reader against numpy itself: ~370 files, from what np.save writes (every common dtype,
// C and Fortran order, format versions 1.0 to 3.0) to headers edited in every way numpy's parser
// accepts or refuses ('shape' twice, an extra key, (200), 2e2, Python 2 longs, escapes, comments,
// encodings). bench/npy_corpus.py wrote each file and np.load's verdict into npy-corpus.json; here
// parseNpy must reach the same verdict, with the same shape, dtype and values. It may differ in two
// declared ways only: a dtype numpy reads but this reader does not (refused naming the dtype; also a
// one-element subarray such as '(1,)<f4', which numpy reads as its base type), and bytes after the
// data (numpy ignores them; here they are refused as damage).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { it } from 'node:test';
import { SpecialistError } from '../../src/core/errors.ts';
import { parseNpy } from '../../src/io/npy.ts';

interface Entry {
  name: string;
  bytes: string;
  numpy: { ok: true; shape: number[]; dtype: string; values: number[] | null } | { ok: false; error: string };
}

const corpus: { numpy: string; entries: Entry[] } = JSON.parse(readFileSync(new URL('./npy-corpus.json', import.meta.url), 'utf8'));
const READ = ['<f4', '<f8', '<f2', '<i4', '<i8', '|u1', '|b1'];

function verdicts() {
  const tally = { agree: 0, bothRefused: 0, otherDtype: 0, bytesAfterData: 0 };
  const problems: string[] = [];
  for (const entry of corpus.entries) {
    const bytes = Uint8Array.from(Buffer.from(entry.bytes, 'base64'));
    let ours: ReturnType<typeof parseNpy> | SpecialistError;
    try {
      ours = parseNpy(bytes, entry.name);
    } catch (error) {
      if (!(error instanceof SpecialistError) || error.code !== 'INVALID_FILE') {
        problems.push(`${entry.name}: ${error instanceof SpecialistError ? error.code : 'untyped'} ${(error as Error).message}`);
        continue;
      }
      ours = error;
    }
    const numpy = entry.numpy;
    if (ours instanceof SpecialistError) {
      if (!numpy.ok) tally.bothRefused++;
      else if (ours.details.reason === 'dtype' && (!READ.includes(numpy.dtype) || ours.details.compound)) tally.otherDtype++;
      else if (/needs \d+ data bytes but the file holds \d+/.test(ours.message) && (ours.details.actualBytes as number) > (ours.details.expectedBytes as number)) tally.bytesAfterData++;
      else problems.push(`${entry.name}: numpy reads ${numpy.dtype} (${numpy.shape}), refused here: ${ours.message}`);
      continue;
    }
    if (!numpy.ok) {
      problems.push(`${entry.name}: numpy refuses (${numpy.error}), read here as ${ours.dtype} (${ours.shape})`);
      continue;
    }
    const same = ours.dtype === numpy.dtype && ours.shape.join() === numpy.shape.join() && (numpy.values === null || numpy.values.every((v, i) => Object.is(v, ours.data[i]) || v === ours.data[i]));
    if (same) tally.agree++;
    else problems.push(`${entry.name}: numpy reads ${numpy.dtype} (${numpy.shape}) ${JSON.stringify(numpy.values)}, here ${ours.dtype} (${ours.shape}) ${JSON.stringify(Array.from(ours.data))}`);
  }
  return { tally, problems };
}

it(`reads what numpy ${corpus.numpy} reads, refuses what it refuses (${corpus.entries.length} files)`, () => {
  const { tally, problems } = verdicts();
  assert.deepEqual(problems, []);
  assert.equal(tally.agree + tally.bothRefused + tally.otherDtype + tally.bytesAfterData, corpus.entries.length);
  // The corpus reaches both sides of numpy's parser, and the declared differences stay few.
  assert.ok(tally.agree >= 150 && tally.bothRefused >= 100, JSON.stringify(tally));
  assert.ok(tally.bytesAfterData <= 3, JSON.stringify(tally));
});
