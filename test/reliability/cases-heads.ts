// Bad inputs where a heads file (.specialist) is loaded or saved.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { SpecialistRuntime } from '../../src/deploy/specialist-runtime.ts';
import { WorkerSpecialistRuntime } from '../../src/deploy/worker-runtime.ts';
import { Specialists } from '../../src/specialist/model.ts';
import { loadSpecialists } from '../../src/node/specialist-files.ts';
import { editInPlace as edited, rewrite as rewritten, versionTwo } from '../specialist/file-edits.ts';
import type { Case, Context } from './context.ts';

const HEADS = 'Heads files';

const load = (bytes: (ctx: Context) => Uint8Array) => async (ctx: Context) => Specialists.deserialise(bytes(ctx));

export const headsCases: Case[] = [
  { area: HEADS, input: 'truncated file', entry: 'Specialists.deserialise', expect: 'INVALID_FILE', run: load((c) => c.modelBytes.subarray(0, c.modelBytes.length - 9)) },
  { area: HEADS, input: 'header length beyond the file', entry: 'Specialists.deserialise', expect: 'INVALID_FILE', run: load((c) => { const b = c.modelBytes.slice(); new DataView(b.buffer).setBigUint64(0, 10n ** 9n, true); return b; }) },
  { area: HEADS, input: 'one flipped bit in a weight', entry: 'Specialists.deserialise', expect: 'INVALID_FILE', run: load((c) => { const b = c.modelBytes.slice(); b[b.length - 5] ^= 0x08; return b; }) },
  { area: HEADS, input: 'one changed digit of a support index', entry: 'Specialists.deserialise', expect: 'INVALID_FILE', run: load((c) => edited(c.modelBytes, /"supports":"\[\[\d/, (m) => m.slice(0, -1) + String((Number(m.at(-1)) + 1) % 10))) },
  { area: HEADS, input: 'changed digit of the threshold', entry: 'Specialists.deserialise', expect: 'INVALID_FILE', run: load((c) => edited(c.modelBytes, /threshold\\":0\.0\d/, (m) => m.slice(0, -1) + String((Number(m.at(-1)) + 3) % 10))) },
  {
    area: HEADS, input: 'encoder hash edited to match another encoder', entry: 'Specialists.deserialise', expect: 'INVALID_FILE',
    async run(ctx) {
      const other = 'f'.repeat(64);
      const bytes = edited(ctx.modelBytes, /"encoderSha256":"[0-9a-f]{64}"/, () => `"encoderSha256":"${other}"`);
      await Specialists.deserialise(bytes, { encoderSha256: other });
    },
  },
  { area: HEADS, input: 'heads fitted on another encoder', entry: 'SpecialistRuntime.load', expect: 'ENCODER_MISMATCH', run: (c) => SpecialistRuntime.load(c.encoder, c.model.withEncoder('e'.repeat(64)).serialise()) },
  { area: HEADS, input: 'heads fitted on another encoder, loaded in a worker', entry: 'WorkerSpecialistRuntime.load', expect: 'ENCODER_MISMATCH', run: (c) => WorkerSpecialistRuntime.load(c.encoder, c.model.withEncoder('e'.repeat(64)).serialise()) },
  { area: HEADS, input: 'support edited and checksum recomputed', entry: 'Specialists.deserialise', expect: 'INVALID_FILE', run: load((c) => rewritten(c.modelBytes, (f) => { f.meta.supports[0] = [5]; f.metadata.supports = JSON.stringify(f.meta.supports); })) },
  { area: HEADS, input: 'support unsorted, checksum recomputed', entry: 'Specialists.deserialise', expect: 'INVALID_FILE', run: load((c) => rewritten(c.modelBytes, (f) => (f.meta.supports[0] = [3, 1]))) },
  { area: HEADS, input: 'zero standardisation scale, checksum recomputed', entry: 'Specialists.deserialise', expect: 'INVALID_FILE', run: load((c) => rewritten(c.modelBytes, (f) => (f.tensors.zStd.data[0] = 0))) },
  { area: HEADS, input: 'NaN target scale, checksum recomputed', entry: 'Specialists.deserialise', expect: 'INVALID_FILE', run: load((c) => rewritten(c.modelBytes, (f) => (f.tensors['head0.yStd'].data[0] = NaN))) },
  { area: HEADS, input: 'unknown activation, checksum recomputed', entry: 'Specialists.deserialise', expect: 'INVALID_FILE', run: load((c) => rewritten(c.modelBytes, (f) => (f.meta.layers.encoder[0].activation = 'gelu'))) },
  { area: HEADS, input: 'task dimension inconsistent with the tensors', entry: 'Specialists.deserialise', expect: 'INVALID_FILE', run: load((c) => rewritten(c.modelBytes, (f) => ((f.meta.taskDims[1] = 3), (f.meta.layers.heads[1][1].dout = 3)))) },
  { area: HEADS, input: 'threshold out of range, checksum recomputed', entry: 'Specialists.deserialise', expect: 'INVALID_FILE', run: load((c) => rewritten(c.modelBytes, (f) => (f.meta.threshold = 2))) },
  { area: HEADS, input: 'encoder hash not 64 hex digits, checksum recomputed', entry: 'Specialists.deserialise', expect: 'INVALID_FILE', run: load((c) => rewritten(c.modelBytes, (f) => (f.metadata.encoderSha256 = 'not-a-hash'))) },
  { area: HEADS, input: 'format version 2 (SDK 0.1.0)', entry: 'loadSpecialists', expect: 'INVALID_FILE', run: async (c) => { writeFileSync(join(c.dir, 'v2.specialist'), versionTwo(c.modelBytes)); return loadSpecialists(join(c.dir, 'v2.specialist')); } },
  { area: HEADS, input: 'a newer format version', entry: 'Specialists.deserialise', expect: 'INVALID_FILE', run: load((c) => edited(c.modelBytes, /"formatVersion":"4"/, () => '"formatVersion":"7"')) },
  { area: HEADS, input: 'an ONNX file given as heads', entry: 'CLI transform --model', expect: 'INVALID_FILE', run: (c) => c.cli('transform', '--model', c.files.encoder, '--latents', c.files.latents, '--out', join(c.dir, 's.npy')) },
  { area: HEADS, input: 'expected encoder hash in upper case', entry: 'Specialists.deserialise', expect: 'INVALID_ARGUMENT', run: async (c) => Specialists.deserialise(c.modelBytes, { encoderSha256: 'AB'.repeat(32) }) },
  {
    area: HEADS, input: 'saving a model whose scale is NaN', entry: 'Specialists.serialise', expect: 'INVALID_ARGUMENT',
    run: async (c) => new Specialists({ ...c.model.state, zStd: new Float32Array(c.model.state.d).fill(NaN) }).serialise(),
  },
];
