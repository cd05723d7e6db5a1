// The same misuse gives the same error in SpecialistRuntime and WorkerSpecialistRuntime (each case
// of runtime-parity.ts against both), and docs/reliability.md holds the table this run produced.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, it } from 'node:test';
import { WorkerPool } from '../../src/worker/pool.ts';
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
