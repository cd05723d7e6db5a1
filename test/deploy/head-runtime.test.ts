// The head-only runtime: latents in, the heads' blocks and predictions out, equal to the fitted
// heads; its static import graph holds nothing of the encoder's (no src/generalist/, no onnxruntime),
// so a page that deploys heads on its own latents loads no onnxruntime (checked in Chromium in
// e2e/head-runtime.test.ts).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { it } from 'node:test';
import { isSpecialistError } from '../../src/core/errors.ts';
import { HeadRuntime } from '../../src/deploy/head-runtime.ts';
import { fitSpecialists } from '../../src/specialist/fit.ts';

const code = (expected: string) => (error: unknown) => isSpecialistError(error) && error.code === expected;

async function heads() {
  const rows = 200;
  const z = Float32Array.from({ length: rows * 3 }, (_, i) => Math.sin(i * 1.7) * 2);
  const y = Float32Array.from({ length: rows }, (_, r) => z[r * 3] - z[r * 3 + 1]);
  return fitSpecialists({ data: z, shape: [rows, 3] }, { data: y, shape: [rows, 1, 1] }, { epochs: 3, encoderWidths: [8], headWidth: 8, seed: 1 });
}

it('HeadRuntime: latents [N, d] or one [d] give the fitted heads\' blocks and predictions', async () => {
  const fitted = await heads();
  const runtime = await HeadRuntime.load(fitted.serialise());
  assert.equal(runtime.tasks, 1);
  const z = { data: Float32Array.from([0.5, -1, 2, 1, 0, -0.5]), shape: [2, 3] };
  const out = runtime.run(z, 0);
  assert.deepEqual(out.prediction, fitted.predict(z, 0));
  assert.deepEqual(out.block, fitted.transform(z, 0));
  const one = runtime.run({ data: z.data.subarray(0, 3), shape: [3] }, 0);
  assert.deepEqual([...one.prediction.data], [...out.prediction.data.subarray(0, 1)]);
  assert.throws(() => runtime.run(z, 1), code('INVALID_ARGUMENT'));
  assert.throws(() => runtime.run({ data: new Float32Array(4), shape: [2, 2] }, 0), code('SHAPE_MISMATCH'));
});

it('HeadRuntime: heads of another encoder are refused when the encoder hash is given; unknown options refused', async () => {
  const fitted = (await heads()).withEncoder('a'.repeat(64));
  await assert.rejects(HeadRuntime.load(fitted.serialise(), { encoderSha256: 'b'.repeat(64) }), code('ENCODER_MISMATCH'));
  assert.equal((await HeadRuntime.load(fitted.serialise(), { encoderSha256: 'a'.repeat(64) })).tasks, 1);
  await assert.rejects(HeadRuntime.load(fitted.serialise(), { encoder: 'x' } as object), code('INVALID_ARGUMENT'));
});

it("HeadRuntime's static import graph reaches neither src/generalist/ nor onnxruntime", () => {
  const seen = new Set<string>();
  const visit = (file: string) => {
    if (seen.has(file)) return;
    seen.add(file);
    const text = readFileSync(file, 'utf8');
    // Value imports and re-exports (type-only ones are erased); dynamic import() is lazy by design.
    for (const [, what, from] of text.matchAll(/^(?:import|export)\s+(type\s+)?[^;]*?from\s+'([^']+)'/gms)) {
      if (what) continue;
      assert.ok(!from.includes('onnxruntime'), `${file} imports ${from}`);
      if (from.startsWith('.')) visit(resolve(dirname(file), from));
    }
  };
  visit(resolve('src/deploy/head-runtime.ts'));
  const reached = [...seen].map((f) => f.slice(resolve('src').length + 1));
  assert.ok(reached.includes('specialist/model.ts'));
  assert.deepEqual(reached.filter((f) => f.startsWith('generalist/') || f.startsWith('worker/')), []);
});
