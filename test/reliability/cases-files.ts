// Bad inputs where files are saved and .npy files are read.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { lstatSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from '../../src/node/atomic-write.ts';
import { formatNpy, parseNpy, toFloat32 } from '../../src/io/npy.ts';
import { readNpyFile, writeNpyFile } from '../../src/node/npy-file.ts';
import { saveSpecialists } from '../../src/node/specialist-files.ts';
import type { Case } from './context.ts';

const SAVE = 'Saving files';
const NPY = '.npy files';
const one = { shape: [2], data: new Float32Array([1, 2]) };

/** numpy.save's layout with a header of our choosing. */
function npyWith(header: string, payload = new Uint8Array(16), version = 1): Uint8Array {
  const padded = header.padEnd(64 - 10 - 1, ' ') + '\n';
  const out = new Uint8Array(10 + padded.length + payload.length);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, version, 0, padded.length, 0]);
  out.set(new TextEncoder().encode(padded), 10);
  out.set(payload, 10 + padded.length);
  return out;
}

export const fileCases: Case[] = [
  {
    area: SAVE, input: 'output path is a character device (a fake one made with mknod)', entry: 'CLI transform --out', expect: 'INVALID_FILE',
    async run(ctx) {
      const device = join(ctx.dir, 'fake-device');
      // Without mknod (no CAP_MKNOD), a FIFO stands in: the same refusal path.
      if (spawnSync('mknod', [device, 'c', '1', '3']).status !== 0) spawnSync('mkfifo', [device]);
      await ctx.cli('transform', '--model', ctx.files.model, '--latents', ctx.files.latents, '--out', device);
    },
  },
  {
    area: SAVE, input: 'output path is a FIFO', entry: 'writeNpyFile', expect: 'INVALID_FILE',
    async run(ctx) {
      const fifo = join(ctx.dir, 'out.fifo');
      spawnSync('mkfifo', [fifo]);
      await writeNpyFile(fifo, one);
    },
  },
  {
    area: SAVE, input: 'output path is a folder', entry: 'saveSpecialists', expect: 'INVALID_FILE',
    async run(ctx) {
      mkdirSync(join(ctx.dir, 'a-folder'), { recursive: true });
      await saveSpecialists(join(ctx.dir, 'a-folder'), ctx.model);
    },
  },
  {
    area: SAVE, input: 'output path is a symlink to a file', entry: 'writeNpyFile', expect: 'ok', note: "written to the link's target; the link stays a link",
    async run(ctx) {
      writeFileSync(join(ctx.dir, 'real.npy'), 'old');
      symlinkSync('real.npy', join(ctx.dir, 'link.npy'));
      await writeNpyFile(join(ctx.dir, 'link.npy'), one);
      assert.ok(lstatSync(join(ctx.dir, 'link.npy')).isSymbolicLink());
      assert.deepEqual(Array.from((await readNpyFile(join(ctx.dir, 'real.npy'))).data), [1, 2]);
    },
  },
  {
    area: SAVE, input: 'output path is a symlink loop', entry: 'writeFileAtomic', expect: 'INVALID_FILE',
    async run(ctx) {
      symlinkSync('loop-2', join(ctx.dir, 'loop-1'));
      symlinkSync('loop-1', join(ctx.dir, 'loop-2'));
      await writeFileAtomic(join(ctx.dir, 'loop-1'), new Uint8Array(1));
    },
  },
  {
    area: SAVE, input: 'output folder does not exist', entry: 'CLI fit --out', expect: 'INVALID_FILE',
    run: (ctx) => ctx.cli('fit', '--latents', ctx.files.latents, '--targets', ctx.files.targets, '--epochs', '2', '--out', join(ctx.dir, 'missing', 'm.specialist')),
  },
  {
    area: SAVE, input: 'a temporary file orphaned by a killed save', entry: 'writeFileAtomic', expect: 'ok', note: 'removed by the next save into the folder',
    async run(ctx) {
      // A process id above Linux's largest pid_max (2^22): no process has it, as after a SIGKILL mid-save.
      const pid = 2 ** 22 + 1;
      const orphan = join(ctx.dir, `.x.npy.${pid}.abc123.specialist-tmp`);
      writeFileSync(orphan, new Uint8Array(1024));
      await writeFileAtomic(join(ctx.dir, 'x.npy'), formatNpy(one));
      assert.throws(() => readFileSync(orphan), /ENOENT/);
    },
  },
  {
    area: NPY, input: 'a CSV file given as .npy', entry: 'CLI fit --latents', expect: 'INVALID_FILE',
    async run(ctx) {
      writeFileSync(join(ctx.dir, 'x.csv'), 'a,b\n1,2\n');
      await ctx.cli('fit', '--latents', join(ctx.dir, 'x.csv'), '--targets', ctx.files.targets, '--out', join(ctx.dir, 'm1.specialist'));
    },
  },
  { area: NPY, input: 'file that does not exist', entry: 'readNpyFile', expect: 'INVALID_FILE', run: (ctx) => readNpyFile(join(ctx.dir, 'none.npy')) },
  { area: NPY, input: 'truncated data', entry: 'parseNpy', expect: 'INVALID_FILE', run: async () => parseNpy(formatNpy({ shape: [4], data: new Float32Array(4) }).subarray(0, 70)) },
  { area: NPY, input: 'truncated header', entry: 'parseNpy', expect: 'INVALID_FILE', run: async () => parseNpy(formatNpy(one).subarray(0, 30)) },
  { area: NPY, input: 'big-endian dtype', entry: 'parseNpy', expect: 'INVALID_FILE', run: async () => parseNpy(npyWith("{'descr': '>f4', 'fortran_order': False, 'shape': (4,), }")) },
  { area: NPY, input: 'object dtype (pickled Python objects)', entry: 'parseNpy', expect: 'INVALID_FILE', run: async () => parseNpy(npyWith("{'descr': '|O', 'fortran_order': False, 'shape': (2,), }")) },
  {
    area: NPY, input: 'Fortran order', entry: 'parseNpy', expect: 'ok', note: 'read in C order, as numpy reads it',
    run: async () => assert.deepEqual(Array.from(parseNpy(npyWith("{'descr': '<f4', 'fortran_order': True, 'shape': (2, 2), }", new Uint8Array(new Float32Array([1, 2, 3, 4]).buffer))).data), [1, 3, 2, 4]),
  },
  {
    area: NPY, input: "'shape' given twice in the header", entry: 'parseNpy', expect: 'ok', note: 'the last one holds, as numpy reads it (a Python dict)',
    run: async () => assert.deepEqual(parseNpy(npyWith("{'descr': '<f4', 'fortran_order': False, 'shape': (1,), 'shape': (2, 2)}")).shape, [2, 2]),
  },
  { area: NPY, input: 'an extra key in the header', entry: 'parseNpy', expect: 'INVALID_FILE', run: async () => parseNpy(npyWith("{'descr': '<f4', 'fortran_order': False, 'shape': (4,), 'extra': 1}")) },
  { area: NPY, input: 'shape (4) (a number, not a tuple)', entry: 'parseNpy', expect: 'INVALID_FILE', run: async () => parseNpy(npyWith("{'descr': '<f4', 'fortran_order': False, 'shape': (4)}")) },
  { area: NPY, input: 'shape (4e0,) (a float)', entry: 'parseNpy', expect: 'INVALID_FILE', run: async () => parseNpy(npyWith("{'descr': '<f4', 'fortran_order': False, 'shape': (4e0,)}")) },
  {
    area: NPY, input: 'float16 values', entry: 'toFloat32', expect: 'ok', note: 'widened to float32 exactly',
    run: async () => assert.deepEqual(Array.from(toFloat32(parseNpy(npyWith("{'descr': '<f2', 'fortran_order': False, 'shape': (2,)}", new Uint8Array(new Uint16Array([0x3c00, 0x3555]).buffer))))), [1, 0.333251953125]),
  },
  {
    area: NPY, input: 'int64 labels as task targets', entry: 'CLI fit --targets', expect: 'ok', note: 'read as numbers, with a note that categories want one-hot (docs/own-data.md)',
    async run(ctx) {
      writeFileSync(join(ctx.dir, 'labels.npy'), npyWith("{'descr': '<i8', 'fortran_order': False, 'shape': (240, 1)}", new Uint8Array(new BigInt64Array(240).map((_, i) => BigInt(i % 3)).buffer)));
      const out = await ctx.cli('fit', '--latents', ctx.files.latents, '--targets', join(ctx.dir, 'labels.npy'), '--epochs', '2', '--out', join(ctx.dir, 'm3.specialist'));
      assert.match(out, /holds integer labels \(<i8\): read as numbers.*one-hot/);
    },
  },
  { area: NPY, input: 'negative dimension in the header', entry: 'parseNpy', expect: 'INVALID_FILE', run: async () => parseNpy(npyWith("{'descr': '<f4', 'fortran_order': False, 'shape': (-4,), }")) },
  { area: NPY, input: 'format version 9', entry: 'parseNpy', expect: 'INVALID_FILE', run: async () => parseNpy(npyWith("{'descr': '<f4', 'fortran_order': False, 'shape': (4,), }", undefined, 9)) },
  {
    area: NPY, input: 'integers where measurements are expected', entry: 'CLI fit --latents', expect: 'INVALID_FILE',
    async run(ctx) {
      await writeNpyFile(join(ctx.dir, 'int.npy'), { shape: [240, 6], data: new Int32Array(240 * 6).map((_, i) => i % 11) });
      await ctx.cli('fit', '--latents', join(ctx.dir, 'int.npy'), '--targets', ctx.files.targets, '--out', join(ctx.dir, 'm2.specialist'));
    },
  },
  {
    area: NPY, input: 'float64 value beyond float32 range (1e300)', entry: 'CLI structure --states', expect: 'INVALID_ARGUMENT',
    async run(ctx) {
      const s = await readNpyFile(ctx.files.states);
      const data = Float64Array.from(s.data);
      data[17] = 1e300;
      await writeNpyFile(join(ctx.dir, 'big.npy'), { shape: s.shape, data });
      await ctx.cli('structure', '--states', join(ctx.dir, 'big.npy'), '--tasks', ctx.files.tasks, '--segment-length', '2');
    },
  },
  {
    area: NPY, input: 'float64 column x + 1e8 (spread float32 cannot hold)', entry: 'CLI fit --latents', expect: 'INVALID_ARGUMENT',
    async run(ctx) {
      const z = await readNpyFile(ctx.files.latents);
      await writeNpyFile(join(ctx.dir, 'offset.npy'), { shape: z.shape, data: Float64Array.from(z.data, (v) => v + 1e8) });
      await ctx.cli('fit', '--latents', join(ctx.dir, 'offset.npy'), '--targets', ctx.files.targets, '--out', join(ctx.dir, 'm3.specialist'));
    },
  },
  {
    area: NPY, input: 'float64 values of ordinary size', entry: 'toFloat32', expect: 'ok', note: 'narrowed to float32 unchanged',
    async run() {
      const x = Float64Array.from({ length: 40 }, (_, i) => Math.sin(i) * 1e3);
      assert.deepEqual(toFloat32(parseNpy(formatNpy({ shape: [20, 2], data: x }))), Float32Array.from(x));
    },
  },
];
