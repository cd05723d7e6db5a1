// Every bad-input case of test/reliability/ gives the error code it expects (or its documented
// result), and docs/reliability.md lists exactly what this run observed.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { before, it } from 'node:test';
import { createContext, type Context } from './context.ts';
import { CASES, renderTable, runCases, withTable, type Outcome } from './table.ts';

let outcomes: Outcome[];
before(async () => {
  const ctx: Context = await createContext();
  outcomes = await runCases(ctx);
});

it('each bad input gives its typed error (or its documented result), never an untyped one', () => {
  const wrong = outcomes.filter((o) => o.got !== o.case.expect).map((o) => `${o.case.entry}: ${o.case.input}: expected ${o.case.expect}, got ${o.got} (${o.message.slice(0, 200)})`);
  assert.deepEqual(wrong, []);
  assert.ok(!outcomes.some((o) => o.got === 'INTERNAL'));
});

it('covers at least 60 distinct kinds of input', () => {
  const kinds = new Set(CASES.map((c) => `${c.area}: ${c.input}: ${c.entry}`));
  assert.equal(kinds.size, CASES.length, 'no case is listed twice');
  assert.ok(CASES.length >= 60, `${CASES.length} cases`);
});

it('docs/reliability.md holds the table this run produced (npm run docs:reliability rewrites it)', () => {
  const doc = readFileSync('docs/reliability.md', 'utf8');
  assert.equal(doc, withTable(doc, renderTable(outcomes)), 'the table in docs/reliability.md is out of date: run npm run docs:reliability');
});

it('docs/reliability.md explains every error code', () => {
  const doc = readFileSync('docs/reliability.md', 'utf8');
  // The ErrorCode union, read from its source so a new code cannot go unexplained.
  const codes = [...readFileSync('src/core/errors.ts', 'utf8').matchAll(/^\s+\| '([A-Z_]+)'/gm)].map((m) => m[1]);
  assert.ok(codes.length >= 14, `${codes.length} codes found`);
  for (const code of codes) assert.match(doc, new RegExp(`^\\| \`${code}\` \\|`, 'm'), `${code} has a row in the error-code table`);
});
