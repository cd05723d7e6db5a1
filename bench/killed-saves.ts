// `npm run bench:killed-saves`: saves of 100 MB killed at random moments (SIGKILL, SIGTERM, SIGINT;
// `--trials N` each, default 10). Measures what is left in the folder right after the kill and
// after the next save into it, and whether the previous file survived intact. JSON in
// bench/results/killed-saves-*.json.
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeFileAtomic } from '../src/node/atomic-write.ts';
import { machine, writeResult } from './util.ts';
import { createRng } from 'specialist-sdk/lab';

const at = process.argv.indexOf('--trials');
const trials = at >= 0 ? Number(process.argv[at + 1]) : 10;
const MB = 100;
const rng = createRng(12);

interface Trial {
  signal: NodeJS.Signals;
  killedAfterMs: number;
  finishedFirst: boolean;
  leftBytesAfterKill: number;
  leftBytesAfterNextSave: number;
  previousIntact: boolean;
}

/** Bytes of everything in `dir` except `keep`. */
function strayBytes(dir: string, keep: string[]): number {
  return readdirSync(dir).filter((f) => !keep.includes(f)).reduce((sum, f) => sum + statSync(join(dir, f)).size, 0);
}

async function trial(signal: NodeJS.Signals): Promise<Trial> {
  const dir = mkdtempSync(join(tmpdir(), 'killed-save-'));
  const target = join(dir, 'model.specialist');
  writeFileSync(target, 'previous');
  const script = `import { writeFileAtomic } from './src/node/atomic-write.ts';
    await writeFileAtomic(${JSON.stringify(target)}, new Uint8Array(${MB} * 1024 * 1024).fill(7)); console.log('finished');`;
  const proc = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
  let output = '';
  proc.stdout.on('data', (d) => (output += d));
  const exited = new Promise((ok) => proc.on('exit', ok));
  // Wait for the save to start (its temporary file appears), then kill it a random 0-80 ms later (a save takes ~100-300 ms here).
  while (!readdirSync(dir).some((f) => f.endsWith('.specialist-tmp')) && proc.exitCode === null) await new Promise((r) => setTimeout(r, 1));
  const delay = Math.floor(rng.next() * 80);
  await new Promise((r) => setTimeout(r, delay));
  proc.kill(signal);
  await exited;
  const finishedFirst = output.includes('finished');
  const leftBytesAfterKill = strayBytes(dir, ['model.specialist']);
  const content = readFileSync(target);
  const previousIntact = finishedFirst ? content.length === MB * 1024 * 1024 : content.toString() === 'previous';
  await writeFileAtomic(join(dir, 'other.npy'), new Uint8Array(8));
  const leftBytesAfterNextSave = strayBytes(dir, ['model.specialist', 'other.npy']);
  rmSync(dir, { recursive: true, force: true });
  return { signal, killedAfterMs: delay, finishedFirst, leftBytesAfterKill, leftBytesAfterNextSave, previousIntact };
}

const results: Trial[] = [];
for (const signal of ['SIGKILL', 'SIGTERM', 'SIGINT'] as const) for (let i = 0; i < trials; i++) results.push(await trial(signal));
const summary = Object.fromEntries(
  (['SIGKILL', 'SIGTERM', 'SIGINT'] as const).map((s) => {
    const r = results.filter((t) => t.signal === s);
    return [s, {
      trials: r.length,
      interrupted: r.filter((t) => !t.finishedFirst).length,
      orphansAfterKill: r.filter((t) => t.leftBytesAfterKill > 0).length,
      largestOrphanMB: Math.max(0, ...r.map((t) => t.leftBytesAfterKill)) / 2 ** 20,
      orphansAfterNextSave: r.filter((t) => t.leftBytesAfterNextSave > 0).length,
      previousIntact: r.filter((t) => t.previousIntact).length,
    }];
  }),
);
const file = writeResult('killed-saves', { machine: machine(), megabytes: MB, summary, trials: results });
console.log(JSON.stringify(summary, null, 2));
console.log(`results in ${file}`);
