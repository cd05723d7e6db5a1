// `npm run docs:reliability`: runs every bad-input case of test/reliability/ and writes the table
// of what happened into docs/reliability.md (between its markers). The suite checks they agree.
import { readFileSync, writeFileSync } from 'node:fs';
import { createContext } from '../test/reliability/context.ts';
import { renderTable, runCases, withTable } from '../test/reliability/table.ts';
import { useNodeServices } from '../src/node/services.ts';

// Runs src/ directly: Node's services (worker threads, files, onnxruntime-node) as the Node entry gives them.
useNodeServices();

const outcomes = await runCases(await createContext());
const unexpected = outcomes.filter((o) => o.got !== o.case.expect);
for (const o of unexpected) console.error(`unexpected: ${o.case.entry}: ${o.case.input}: expected ${o.case.expect}, got ${o.got} (${o.message.slice(0, 160)})`);
const doc = readFileSync('docs/reliability.md', 'utf8');
writeFileSync('docs/reliability.md', withTable(doc, renderTable(outcomes)));
console.log(`${outcomes.length} cases, ${unexpected.length} unexpected; docs/reliability.md updated`);
process.exitCode = unexpected.length ? 1 : 0;
