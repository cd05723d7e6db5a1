// `npm run docs:reliability`: runs every bad-input case of test/reliability/ and every misuse of
// test/deploy/runtime-parity.ts (against both runtimes), and writes the tables of what happened into
// docs/reliability.md (between their markers). The suite checks they agree.
import { readFileSync, writeFileSync } from 'node:fs';
import { createContext } from '../test/reliability/context.ts';
import { renderTable, runCases, withTable } from '../test/reliability/table.ts';
import { useNodeServices } from '../src/node/services.ts';
import { WorkerPool } from '../src/worker/pool.ts';
import { headsFixture } from '../test/deploy/heads-fixture.ts';
import { PARITY_END, PARITY_START, renderParityTable, runParityCases } from '../test/deploy/runtime-parity.ts';

// Runs src/ directly: Node's services (worker threads, files, onnxruntime-node) as the Node entry gives them.
useNodeServices();

const outcomes = await runCases(await createContext());
const unexpected = outcomes.filter((o) => o.got !== o.case.expect);
for (const o of unexpected) console.error(`unexpected: ${o.case.entry}: ${o.case.input}: expected ${o.case.expect}, got ${o.got} (${o.message.slice(0, 160)})`);
// The same misuse given to both deployment runtimes.
const fixture = await headsFixture();
const pool = await WorkerPool.create({ size: 1 });
const parity = await runParityCases(fixture, pool);
await pool.close();
await fixture.inThread.dispose();
const differing = parity.filter((o) => Object.values(o.got).some((got) => got !== o.case.expect));
for (const o of differing) console.error(`unexpected: ${o.case.misuse}: expected ${o.case.expect}, got ${JSON.stringify(o.got)}`);

const doc = readFileSync('docs/reliability.md', 'utf8');
writeFileSync('docs/reliability.md', withTable(withTable(doc, renderTable(outcomes)), renderParityTable(parity), PARITY_START, PARITY_END));
console.log(`${outcomes.length} cases, ${unexpected.length} unexpected; ${parity.length} runtime cases, ${differing.length} unexpected; docs/reliability.md updated`);
process.exitCode = unexpected.length + differing.length ? 1 : 0;
