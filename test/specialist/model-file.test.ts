// The model file's header: covered by the checksum (one changed digit anywhere is INVALID_FILE), and
// every field checked on loading, so even an edit followed by a recomputed checksum cannot load a
// model the SDK never wrote. Old versions are named.
import assert from 'node:assert/strict';
import { before, it } from 'node:test';
import { fitSpecialists } from '../../src/specialist/fit.ts';
import { Specialists } from '../../src/specialist/model.ts';
import { createRng } from '../../src/core/random.ts';
import { expectCode } from '../helpers.ts';
import { editInPlace as edit, headerText, rewrite as rewriteFile, versionTwo, type Editable } from './file-edits.ts';

let model: Specialists;
let bytes: Uint8Array;

before(async () => {
  // Two tasks on 6 latents: task 0 reads z0, z1; task 1 reads z2.
  const rng = createRng(4);
  const n = 240, d = 6;
  const z = Float32Array.from({ length: n * d }, () => rng.normal());
  const y = Float32Array.from({ length: n * 2 }, (_, i) => (i % 2 === 0 ? z[(i >> 1) * d] + z[(i >> 1) * d + 1] : Math.tanh(z[(i >> 1) * d + 2])));
  model = (await fitSpecialists({ data: z, shape: [n, d] }, { data: y, shape: [n, 2] }, { epochs: 8, encoderWidths: [8], headWidth: 8, lambda: 0.5 })).withEncoder('a'.repeat(64));
  bytes = model.serialise();
});

const load = (file: Uint8Array) => () => Specialists.deserialise(file);
const editInPlace = (from: string, to: string) => edit(bytes, from, to);
const rewrite = (change: (f: Editable) => void) => rewriteFile(bytes, change);

it('round-trips every field exactly', () => {
  const back = Specialists.deserialise(bytes);
  assert.deepEqual(back.state, model.state);
});

it('one changed digit of a support, of the encoder hash or of the threshold is a checksum error', async () => {
  const text = headerText(bytes);
  const support = JSON.stringify(model.supports[0]);
  const changed = support.replace(/\d(?=\])/, (c) => String((Number(c) + 1) % 10));
  for (const [from, to] of [
    [support, changed],
    ['a'.repeat(64), 'b'.repeat(64)],
    ['"threshold\\":0.05', '"threshold\\":0.06'],
  ]) {
    assert.ok(text.includes(from), from);
    await expectCode(load(editInPlace(from, to)), 'INVALID_FILE', 'checksum mismatch: the header');
  }
  // Editing the hash to the one the caller expects therefore cannot pass as that encoder.
  await expectCode(() => Specialists.deserialise(editInPlace('a'.repeat(64), 'b'.repeat(64)), { encoderSha256: 'b'.repeat(64) }), 'INVALID_FILE', 'checksum');
});

it('every header field is checked even when the checksum was recomputed', async () => {
  const cases: [string, (f: Editable) => void, string][] = [
    [
      'another valid support, top-level field too',
      (f) => {
        f.meta.supports[1] = f.meta.supports[1].length > 1 ? [f.meta.supports[1][0]] : [0, 5];
        f.metadata.supports = JSON.stringify(f.meta.supports);
      },
      'is not what its importances give',
    ],
    ['unsorted support', (f) => (f.meta.supports[0] = [3, 1]), 'sorted and without repeats'],
    ['repeated support index', (f) => (f.meta.supports[0] = [1, 1]), 'sorted and without repeats'],
    ['support index out of range', (f) => (f.meta.supports[0] = [0, 6]), 'meta.supports[0][1] must be an integer in [0, 5]'],
    ['fractional support index', (f) => (f.meta.supports[0] = [0.5]), 'meta.supports[0][0]'],
    ['top-level supports disagree', (f) => (f.metadata.supports = '[[0],[2]]'), 'header field supports'],
    ['top-level latentDims disagree', (f) => (f.metadata.latentDims = '7'), 'header field latentDims'],
    ['top-level hyperparameters disagree', (f) => (f.metadata.hyperparameters = '{}'), 'header field hyperparameters'],
    ['unknown activation', (f) => (f.meta.layers.encoder[0].activation = 'relu'), 'meta.layers.encoder[0].activation'],
    ['last layer not linear', (f) => (f.meta.layers.heads[0][1].activation = 'tanh'), 'the last layer is linear'],
    ['layer widths disagree with the hyper-parameters', (f) => (f.meta.headWidth = 9), 'meta.layers.heads[0][0] must be 6 -> 9 wide'],
    ['task dimension disagrees with the tensors', (f) => ((f.meta.taskDims[0] = 2), (f.meta.layers.heads[0][1].dout = 2)), 'head0.1.w has shape'],
    ['threshold out of range', (f) => (f.meta.threshold = 1.5), 'meta.threshold'],
    ['threshold zero', (f) => (f.meta.threshold = 0), 'meta.threshold'],
    ['threshold NaN (JSON null)', (f) => (f.meta.threshold = null), 'meta.threshold'],
    ['negative lambda', (f) => (f.meta.lambda[0] = -1), 'meta.lambda[0]'],
    ['penalty unknown', (f) => (f.meta.penalty = 'l0'), 'meta.penalty'],
    ['converged not a boolean', (f) => (f.meta.converged = 'yes'), 'meta.converged'],
    ['negative training loss', (f) => f.meta.curves.train.push(-1), 'meta.curves.train'],
    ['unknown meta field', (f) => (f.meta.extra = 1), 'meta must be an object with the fields'],
    ['missing meta field', (f) => delete f.meta.d, 'meta.d must be present'],
    ['unknown metadata field', (f) => (f.metadata.note = 'x'), 'header field __metadata__'],
    ['encoder hash not hex', (f) => (f.metadata.encoderSha256 = 'A'.repeat(64)), 'header field encoderSha256'],
    ['encoder hash short', (f) => (f.metadata.encoderSha256 = 'a'.repeat(63)), 'header field encoderSha256'],
    ['sdk version not a version', (f) => (f.metadata.sdkVersion = 'latest'), 'header field sdkVersion'],
    ['latent width huge', (f) => (f.meta.d = 2 ** 40), 'meta.d'],
    ['zero latent scale', (f) => (f.tensors.zStd.data[0] = 0), 'tensor zStd holds 0 at index 0'],
    ['negative batch-norm scale', (f) => (f.tensors.bnInvStd.data[2] = -1), 'tensor bnInvStd holds -1'],
    ['infinite target scale', (f) => (f.tensors['head1.yStd'].data[0] = Infinity), 'tensor head1.yStd holds Infinity'],
    ['NaN weight', (f) => (f.tensors['encoder.0.w'].data[3] = NaN), 'tensor encoder.0.w holds NaN'],
    ['negative importance', (f) => (f.tensors['head0.importance'].data[0] = -0.5), 'importances are non-negative'],
    ['an extra tensor', (f) => (f.tensors.extra = { shape: [1], data: new Float32Array(1) }), 'tensor extra is not part of this model'],
    ['a tensor of another dtype', (f) => (f.tensors.zMean = { shape: [6], data: new Float64Array(6) }), 'expected F32'],
  ];
  for (const [what, edit, message] of cases) {
    const error = await expectCode(load(rewrite(edit)), 'INVALID_FILE', message).catch((e) => assert.fail(`${what}: ${e.message}`));
    assert.ok(error.message.startsWith('model file: '), what);
  }
  assert.ok(cases.length >= 30);
});

it('names an old version (2: checksum over the tensors only) and a newer one', async () => {
  const v2 = versionTwo(bytes);
  const old = await expectCode(load(v2), 'INVALID_FILE', 'format version 2 (SDK 0.1.0) is no longer read');
  assert.equal(old.details.reason, 'format-version');
  assert.match(old.message, /Fit the heads again/);
  await expectCode(load(editInPlace('"formatVersion":"4"', '"formatVersion":"5"')), 'INVALID_FILE', 'format version 5 is not supported');
});

it('a state the loader would refuse is refused when saving, not written', async () => {
  const broken = new Specialists({ ...model.state, zStd: new Float32Array(model.state.d) });
  await expectCode(() => broken.serialise(), 'INVALID_ARGUMENT', 'this model cannot be saved: tensor zStd holds 0');
});
