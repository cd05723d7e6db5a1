// The PP-OCRv4 recogniser as the glyph world's generalist: used whole, it reads back the strings
// the world draws (an independent check of the rendering); read at OCR_LAYER and pooled, it gives
// one 120-wide vector per picture.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { it } from 'node:test';
import { pathToFileURL } from 'node:url';
import { Generalist } from '../../src/generalist/generalist.ts';
import { loadOcrModel, OCR_GENERALIST_OPTIONS, OCR_MODEL_FILE, OCR_MODEL_PATH } from '../../src/generalist/pp-ocr.ts';
import { glyphWorld } from '../../src/synthetic/glyph-world.ts';
import { expectCode } from '../helpers.ts';

it('the PP-OCRv4 recogniser reads the strings the world draws', async () => {
  const w = glyphWorld({ episodes: 8, steps: 6, seed: 2 });
  const keys = readFileSync(OCR_MODEL_PATH.replace(OCR_MODEL_FILE, 'ppocr_keys_v1.txt'), 'utf8').split('\n');
  const reader = await Generalist.load(readFileSync(OCR_MODEL_PATH), { batchSize: 16 });
  const probs = await reader.encode(w.observations());
  await reader.dispose();
  const classes = keys.length + 2; // CTC: blank, the 6623 dictionary entries, space
  const steps = probs.shape[2] / classes; // the encoder flattens [positions, classes]
  let right = 0;
  for (let r = 0; r < 48; r++) {
    let text = '';
    let last = 0;
    for (let s = 0; s < steps; s++) {
      const row = probs.data.subarray((r * steps + s) * classes, (r * steps + s + 1) * classes);
      let best = 0;
      for (let c = 1; c < classes; c++) if (row[c] > row[best]) best = c;
      if (best !== 0 && best !== last) text += keys[best - 1] ?? ' ';
      last = best;
    }
    if (text.trim().toUpperCase() === w.texts[r]) right++;
  }
  // Eight fonts, sizes 16-30 px, slants, noise up to 0.2: the recogniser still reads most of them.
  console.log(`PP-OCRv4 reads back ${right} of 48 glyph-world strings`);
  assert.ok(right >= 36, `${right} of 48 strings read back`);
});

it('OCR_GENERALIST_OPTIONS: one 120-wide vector per picture, the mean over positions of the named layer; a missing file is INVALID_FILE', async () => {
  const w = glyphWorld({ episodes: 2, steps: 4, seed: 3 });
  const bytes = await loadOcrModel(pathToFileURL(OCR_MODEL_PATH));
  const pooled = await Generalist.load(bytes, OCR_GENERALIST_OPTIONS);
  const z = await pooled.encode(w.observations());
  await pooled.dispose();
  assert.deepEqual(z.shape, [2, 4, 120]);
  const map = await Generalist.load(bytes, { output: OCR_GENERALIST_OPTIONS.output });
  const full = await map.encode(w.observations());
  await map.dispose();
  // The raw map is [120 channels, 1, 8 positions] per picture: its mean over positions is the pooled vector.
  const positions = full.shape[2] / 120;
  assert.equal(positions, 8);
  for (let r = 0; r < 8; r++) {
    for (const c of [0, 57, 119]) {
      let mean = 0;
      for (let p = 0; p < positions; p++) mean += full.data[r * 120 * positions + c * positions + p] / positions;
      assert.ok(Math.abs(mean - z.data[r * 120 + c]) < 1e-4, `picture ${r}, channel ${c}`);
    }
  }
  await expectCode(() => loadOcrModel(pathToFileURL('/no/such/dir/model.onnx')), 'INVALID_FILE', 'PP-OCRv4 recognition model');
});
