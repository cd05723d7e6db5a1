// The same misuse gives the same error in SpecialistRuntime and WorkerSpecialistRuntime (each case
// of runtime-parity.ts against both), and docs/reliability.md holds the table this run produced.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, it } from 'node:test';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Generalist } from '../../src/generalist/generalist.ts';
import { WorkerPool } from '../../src/worker/pool.ts';
import { expectCode } from '../helpers.ts';
import { withTable } from '../reliability/table.ts';
import { headsFixture, type HeadsFixture } from './heads-fixture.ts';
import { PARITY_END, PARITY_START, renderParityTable, runParityCases, type ParityOutcome } from './runtime-parity.ts';

let f: HeadsFixture;
let pool: WorkerPool;
let outcomes: ParityOutcome[];
before(async () => {
  f = await headsFixture();
  pool = await WorkerPool.create({ size: 1 });
  outcomes = await runParityCases(f, pool);
});
after(async () => {
  await pool?.close();
  await f?.inThread.dispose();
});

it('each misuse gives both runtimes the same, expected result', () => {
  const wrong = outcomes.flatMap((o) =>
    Object.entries(o.got).filter(([, got]) => got !== o.case.expect).map(([runtime, got]) => `${o.case.misuse}: ${runtime} gave ${got}, expected ${o.case.expect}`),
  );
  assert.deepEqual(wrong, []);
  assert.ok(outcomes.length >= 20, `${outcomes.length} cases`);
});

it('no case ended the shared pool\'s worker', () => {
  assert.equal(pool.stats().restarts, 0);
});

it('docs/reliability.md holds the table this run produced (npm run docs:reliability rewrites it)', () => {
  const doc = readFileSync('docs/reliability.md', 'utf8');
  assert.equal(doc, withTable(doc, renderParityTable(outcomes), PARITY_START, PARITY_END), 'the runtimes table in docs/reliability.md is out of date: run npm run docs:reliability');
});

it('Generalist: dispose() twice does nothing, encode() afterwards is ABORTED, onnxruntime\'s own failures are typed', async () => {
  const encoder = await Generalist.load(f.encoder);
  await Promise.all([encoder.dispose(), encoder.dispose()]);
  await encoder.dispose();
  const error = await expectCode(() => encoder.encode(f.observations), 'ABORTED', 'disposed');
  assert.equal(error.details.reason, 'disposed');
  // A session freed behind the SDK's back: onnxruntime's "Session already disposed" comes back typed.
  const other = await Generalist.load(f.encoder);
  await (other as unknown as { session: { release(): Promise<void> } }).session.release();
  assert.equal((await expectCode(() => other.dispose(), 'INTERNAL', 'could not release')).details.reason, 'session-release');
  // An onnxruntime-web that cannot be imported (a wrong onnxruntime URL).
  const missing = pathToFileURL(join(tmpdir(), 'no-such-onnxruntime', 'ort.mjs'));
  const refused = await expectCode(() => Generalist.load(f.encoder, { device: 'wasm', onnxruntime: missing }), 'INVALID_ARGUMENT', 'could not be imported');
  assert.equal(refused.details.reason, 'onnxruntime-import');
});
