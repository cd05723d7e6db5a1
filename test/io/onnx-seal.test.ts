// Exported ONNX heads carry a checksum (io/onnx-seal.ts): one changed byte anywhere in the file is
// INVALID_FILE on every load path (Generalist.load, SpecialistRuntime, WorkerSpecialistRuntime, the
// CLI), models without one load as before, and the recipe docs/pipeline.md gives for checking a
// file elsewhere (plain hashlib) holds when computed independently here (node:crypto).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { SpecialistError } from '../../src/core/errors.ts';
import { SpecialistRuntime } from '../../src/deploy/specialist-runtime.ts';
import { WorkerSpecialistRuntime } from '../../src/deploy/worker-runtime.ts';
import { Generalist } from '../../src/generalist/generalist.ts';
import { formatNpy } from '../../src/io/npy.ts';
import { SEAL_KEY, SEAL_LENGTH, checkOnnxSeal, sealOnnx } from '../../src/io/onnx-seal.ts';
import { scanFields } from '../../src/onnx/protobuf.ts';
import { exportSpecialistOnnx } from '../../src/specialist/export-onnx.ts';
import { fitSpecialists } from '../../src/specialist/fit.ts';
import type { Specialists } from '../../src/specialist/model.ts';
import { WorkerPool } from '../../src/worker/pool.ts';
import { assertClose, createRng, expectCode } from '../helpers.ts';
import { headsFixture, type HeadsFixture } from '../deploy/heads-fixture.ts';

async function fitted(d: number, widths: number[], seed: number): Promise<Specialists> {
  const rng = createRng(seed);
  const n = 240;
  const z = Float32Array.from({ length: n * d }, () => rng.normal());
  const y = Float32Array.from({ length: n * 2 }, (_, i) => (i % 2 === 0 ? z[(i >> 1) * d] : z[(i >> 1) * d + 1] * z[(i >> 1) * d + 2]));
  return fitSpecialists({ data: z, shape: [n, d] }, { data: y, shape: [n, 2] }, { epochs: 2, encoderWidths: widths, headWidth: 16, seed });
}

/** Where a protobuf field starts, where its payload starts and ends, recursively: the bytes a reader steers by. */
function structuralPositions(bytes: Uint8Array, base = 0, depth = 0, out = new Set<number>()): Set<number> {
  let fields;
  try {
    fields = scanFields(bytes);
  } catch {
    return out;
  }
  for (const f of fields) {
    for (let p = f.start; p < Math.min(f.end, f.start + 4); p++) out.add(base + p); // tag and length
    out.add(base + f.end - 1);
    if (f.bytes && depth < 6) structuralPositions(f.bytes, base + f.end - f.bytes.length, depth + 1, out);
  }
  return out;
}

async function loadCode(bytes: Uint8Array): Promise<string> {
  try {
    const g = await Generalist.load(bytes);
    await g.dispose();
    return 'ok';
  } catch (error) {
    return error instanceof SpecialistError ? `${error.code}${error.details.reason === 'checksum' ? ' (checksum)' : ''}` : `untyped ${error}`;
  }
}

const flipped = (bytes: Uint8Array, at: number, mask: number) => {
  const copy = bytes.slice();
  copy[at] ^= mask;
  return copy;
};

describe('sealed ONNX heads', () => {
  let small: Uint8Array;
  let wide: Uint8Array;
  before(async () => {
    small = exportSpecialistOnnx(await fitted(6, [8], 1), 0, { encoderSha256: 'ab'.repeat(32) });
    wide = exportSpecialistOnnx(await fitted(96, [128], 2), 1);
  });

  it('load, and run in onnxruntime as before', async () => {
    assert.equal(await checkOnnxSeal(small), 'sealed');
    const g = await Generalist.load(small);
    try {
      const latents = await g.encode({ data: new Float32Array(3 * 6).fill(0.5), shape: [3, 6] });
      assert.equal(latents.shape[0], 3);
    } finally {
      await g.dispose();
    }
  });

  it('every byte of a small head, flipped (all bits, then one bit), is INVALID_FILE on load', async () => {
    const wrong: string[] = [];
    for (let at = 0; at < small.length; at++) {
      for (const mask of [0xff, 1 << (at % 8)]) {
        const code = await loadCode(flipped(small, at, mask));
        if (code !== 'INVALID_FILE (checksum)') wrong.push(`byte ${at} ^ ${mask}: ${code}`);
      }
    }
    assert.deepEqual(wrong, [], `${small.length} bytes`);
  });

  it('a wider head: every protobuf tag and length, the seal, and every 61st byte, flipped; cut or extended', async () => {
    const positions = structuralPositions(wide);
    for (let at = 0; at < wide.length; at += 61) positions.add(at);
    for (let at = wide.length - SEAL_LENGTH - 8; at < wide.length; at++) positions.add(at);
    assert.ok(wide.length > 50_000 && positions.size > 1000, `${wide.length} bytes, ${positions.size} positions`);
    const wrong: string[] = [];
    for (const at of positions) {
      const code = await loadCode(flipped(wide, at, 1 << (at % 8)));
      if (code !== 'INVALID_FILE (checksum)') wrong.push(`byte ${at}: ${code}`);
    }
    const edits = {
      'cut by one byte': wide.subarray(0, wide.length - 1),
      'cut before the seal': wide.subarray(0, wide.length - SEAL_LENGTH),
      'cut in half': wide.subarray(0, wide.length >> 1),
      'one byte appended': Uint8Array.from([...wide, 0]),
      'a second seal appended': Uint8Array.from([...wide, ...wide.subarray(wide.length - SEAL_LENGTH)]),
    };
    for (const [what, bytes] of Object.entries(edits)) {
      const code = await loadCode(bytes);
      if (code !== 'INVALID_FILE (checksum)') wrong.push(`${what}: ${code}`);
    }
    assert.deepEqual(wrong, []);
  });

  it('models without a seal (users\' encoders) load as before; a seal added to one is checked', async () => {
    const f = await headsFixture();
    try {
      assert.equal(await checkOnnxSeal(f.encoder), 'unsealed');
      const sealed = sealOnnx(f.encoder);
      assert.equal(await checkOnnxSeal(sealed), 'sealed');
      const runtime = await SpecialistRuntime.load(sealed, f.heads, { allowEncoderMismatch: true });
      try {
        const want = await f.inThread.run(f.observations, 0);
        assertClose((await runtime.run(f.observations, 0)).prediction.data, want.prediction.data, { abs: 1e-6 }, 'sealed encoder');
      } finally {
        await runtime.dispose();
      }
    } finally {
      await f.inThread.dispose();
    }
  });
});

describe('a damaged sealed model on every load path', () => {
  let f: HeadsFixture;
  let sealed: Uint8Array;
  let pool: WorkerPool;
  let dir: string;
  /** The seal's marker, a graph byte, a weight, the seal's key, a digit of the digest, the last byte. */
  let positions: number[];
  before(async () => {
    f = await headsFixture();
    sealed = sealOnnx(f.encoder);
    pool = await WorkerPool.create({ size: 1 });
    dir = mkdtempSync(join(tmpdir(), 'onnx-seal-'));
    const n = sealed.length;
    positions = [0, 30, 90, n >> 1, n - SEAL_LENGTH + 5, n - 40, n - 1];
  });
  after(async () => {
    await pool?.close();
    await f?.inThread.dispose();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('SpecialistRuntime.load and WorkerSpecialistRuntime.load refuse it (INVALID_FILE)', async () => {
    for (const at of positions) {
      const bad = flipped(sealed, at, 0x10);
      await expectCode(() => SpecialistRuntime.load(bad, f.heads, { allowEncoderMismatch: true }), 'INVALID_FILE', SEAL_KEY);
      await expectCode(() => WorkerSpecialistRuntime.load(bad, f.heads, { allowEncoderMismatch: true }, { pool }), 'INVALID_FILE', SEAL_KEY);
    }
    const good = await WorkerSpecialistRuntime.load(sealed, f.heads, { allowEncoderMismatch: true }, { pool });
    await good.dispose();
  });

  it('the CLI\'s run and encode refuse it (exit 2, INVALID_FILE)', () => {
    writeFileSync(join(dir, 'obs.npy'), formatNpy(f.observations));
    writeFileSync(join(dir, 'model.specialist'), f.heads);
    writeFileSync(join(dir, 'sealed.onnx'), sealed);
    const cli = (...args: string[]) => spawnSync(process.execPath, ['dist/cli.js', ...args, '--json'], { encoding: 'utf8', timeout: 120_000 });
    const run = (encoder: string) => cli('run', '--encoder', encoder, '--head', join(dir, 'model.specialist'), '--input', join(dir, 'obs.npy'), '--out', join(dir, 'y.npy'), '--allow-encoder-mismatch');
    assert.equal(run(join(dir, 'sealed.onnx')).status, 0, 'the intact sealed encoder runs');
    for (const at of [positions[0], positions[3], positions[5]]) {
      writeFileSync(join(dir, 'bad.onnx'), flipped(sealed, at, 0x04));
      for (const r of [run(join(dir, 'bad.onnx')), cli('encode', '--model', join(dir, 'bad.onnx'), '--input', join(dir, 'obs.npy'), '--out', join(dir, 'z.npy'))]) {
        assert.equal(r.status, 2, r.stderr);
        const error = JSON.parse(r.stdout).error;
        assert.equal(error.code, 'INVALID_FILE', `byte ${at}: ${error.message}`);
        assert.match(error.message, /checksum/);
      }
    }
  });
});

it('the recipe of docs/pipeline.md checks a head the SDK wrote (computed here with node:crypto)', async () => {
  const doc = readFileSync('docs/pipeline.md', 'utf8');
  const recipe = /```python\n([^`]*specialist\.sha256[^`]*)```/.exec(doc)?.[1];
  assert.ok(recipe, 'docs/pipeline.md has a python block that checks specialist.sha256');
  // The three things the recipe relies on: the bytes that end a sealed file, where the digest
  // starts, and what it covers. Python's b"..." literal read by hand (\xNN escapes and ASCII).
  const literal = /seal = b"((?:\\x[0-9a-f]{2}|[^"\\])*)"/.exec(recipe)?.[1];
  const tail = Number(/data\[-(\d+):-64\] == seal/.exec(recipe)?.[1]);
  const covered = Number(/hashlib\.sha256\(data\[:-(\d+)\]\)\.hexdigest\(\) == data\[-64:\]/.exec(recipe)?.[1]);
  assert.ok(literal && tail > 64 && covered === tail, recipe);
  const seal = Buffer.from(literal.replace(/\\x([0-9a-f]{2})/g, (_, h: string) => String.fromCharCode(parseInt(h, 16))), 'latin1');
  for (const task of [0, 1]) {
    const head = exportSpecialistOnnx(await fitted(5, [8], 3), task);
    const data = Buffer.from(head);
    assert.deepEqual(data.subarray(data.length - tail, data.length - 64), seal, `task ${task}: the file ends with the seal's key`);
    assert.equal(createHash('sha256').update(data.subarray(0, data.length - covered)).digest('hex'), data.subarray(data.length - 64).toString('ascii'), `task ${task}: digest`);
    // The same check fails for a changed byte.
    const changed = Buffer.from(flipped(head, head.length >> 1, 1));
    assert.notEqual(createHash('sha256').update(changed.subarray(0, changed.length - covered)).digest('hex'), changed.subarray(changed.length - 64).toString('ascii'));
  }
});
