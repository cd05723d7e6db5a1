// Model files of the previous format (3, before class maps) still load and give the outputs they gave
// when they were written: the fixture is a file written by main 4de89ca (format 3) with that code's
// own outputs on twelve rows of latents (fixtures/main-4de89ca.json). Saved again, it is format 4 and
// still gives the same outputs.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { it } from 'node:test';
import { decodeContainer } from '../../src/io/container.ts';
import { FORMAT_VERSION, deserialiseModel } from '../../src/specialist/format.ts';
import { Specialists } from '../../src/specialist/model.ts';
import { expectCode } from '../helpers.ts';
import { headerText } from './file-edits.ts';

const file = new Uint8Array(readFileSync(new URL('fixtures/main-4de89ca.specialist', import.meta.url)));
const written = JSON.parse(readFileSync(new URL('fixtures/main-4de89ca.json', import.meta.url), 'utf8')) as {
  latents: number[];
  predict: number[][];
  transform: number[];
  blocks: number[][];
  reconstruct: number[];
  supports: number[][];
};
const latents = { data: Float32Array.from(written.latents), shape: [12, 5] };

function sameOutputs(model: Specialists, what: string): void {
  assert.deepEqual(model.supports, written.supports, `${what}: supports`);
  for (let k = 0; k < 2; k++) {
    assert.deepEqual(Array.from(model.predict(latents, k).data), written.predict[k], `${what}: predict, task ${k}`);
    assert.deepEqual(Array.from(model.transform(latents, k).data), written.blocks[k], `${what}: block, task ${k}`);
  }
  assert.deepEqual(Array.from(model.transform(latents).data), written.transform, `${what}: s_hat`);
  assert.deepEqual(Array.from(model.reconstruct(latents).data), written.reconstruct, `${what}: reconstruction`);
}

it('a format-3 file written by main 4de89ca loads and gives the same outputs, bit for bit, without a class map', async () => {
  assert.match(headerText(file), /"formatVersion":"3"/);
  assert.equal(deserialiseModel(file).file.formatVersion, 3);
  const model = Specialists.deserialise(file);
  sameOutputs(model, 'format 3');
  // Its task 0 had class-coded targets, but format 3 kept no class map: classify says so.
  assert.equal(model.classCodes(0), null);
  await expectCode(() => model.classify(latents, 0), 'INVALID_ARGUMENT', 'predates format 4');
});

it('saved again it is the current format, with the same outputs', () => {
  const again = Specialists.deserialise(file).serialise();
  assert.match(headerText(again), new RegExp(`"formatVersion":"${FORMAT_VERSION}"`));
  assert.equal(FORMAT_VERSION, 4);
  const model = Specialists.deserialise(again);
  sameOutputs(model, 'format 4');
  assert.deepEqual(JSON.parse(decodeContainer(again).metadata.meta).classes, [null, null]);
});
