// `npm run fuzz`: seeded mutation fuzzing of every reader, 10,000 iterations each by default
// (`-- --iterations N --seed S`). Each reader runs in its own process, watched: no progress for 30 s
// is reported as a hang, a crash (a signal, an abort in onnxruntime) as a crash. Passes when no
// reader gave an untyped error, a wrong code, a hang, a crash, or accepted a heads file whose
// content differs from what was saved. JSON in bench/results/fuzz-*.json.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { fuzz, headsTarget, npyTarget, onnxRuntimeTarget, onnxSealTarget, onnxTarget, type FuzzResult, type FuzzTarget } from '../test/fuzz/targets.ts';
import { machine, writeResult } from './util.ts';

const TARGETS: Record<string, () => FuzzTarget | Promise<FuzzTarget>> = { npy: npyTarget, onnx: onnxTarget, 'onnx-runtime': onnxRuntimeTarget, heads: headsTarget, 'onnx-seal': onnxSealTarget };
const STALL_MS = 30_000;

function argument(name: string, fallback: number): number {
  const at = process.argv.indexOf(`--${name}`);
  return at >= 0 ? Number(process.argv[at + 1]) : fallback;
}

/** In the child: run one target, print progress lines, then the result as JSON. */
async function child(name: string, iterations: number, seed: number): Promise<void> {
  const target = await TARGETS[name]();
  const result = await fuzz(target, iterations, seed, (i) => {
    if (i % 100 === 0) process.stdout.write(`progress ${i}\n`);
  });
  process.stdout.write(`result ${JSON.stringify(result)}\n`);
}

interface Outcome extends Partial<FuzzResult> {
  target: string;
  seconds: number;
  hang?: string;
  crash?: string;
}

function runChild(name: string, iterations: number, seed: number): Promise<Outcome> {
  const started = performance.now();
  const proc = spawn(process.execPath, [...process.execArgv, fileURLToPath(import.meta.url), '--child', name, '--iterations', String(iterations), '--seed', String(seed)], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let last = Date.now();
  let progress = -1;
  let result: FuzzResult | undefined;
  let buffer = '';
  proc.stdout.on('data', (chunk) => {
    buffer += chunk;
    let newline;
    while ((newline = buffer.indexOf('\n')) >= 0) {
      const line = buffer.slice(0, newline);
      buffer = buffer.slice(newline + 1);
      last = Date.now();
      if (line.startsWith('progress ')) progress = Number(line.slice(9));
      if (line.startsWith('result ')) result = JSON.parse(line.slice(7));
    }
  });
  let hang: string | undefined;
  const watchdog = setInterval(() => {
    if (Date.now() - last > STALL_MS) {
      hang = `no progress for ${STALL_MS / 1000} s after iteration ${progress} (seed ${seed})`;
      proc.kill('SIGKILL');
    }
  }, 1000);
  return new Promise((resolve) => {
    // 'close' waits for stdout's last line (the result), which 'exit' may precede.
    proc.on('close', (code, signal) => {
      clearInterval(watchdog);
      const seconds = Math.round((performance.now() - started) / 100) / 10;
      if (result) resolve({ ...result, seconds });
      else resolve({ target: name, seconds, hang, crash: hang ? undefined : `exited with ${signal ?? code} after iteration ${progress}` });
    });
  });
}

async function main(): Promise<void> {
  const iterations = argument('iterations', 10_000);
  const seed = argument('seed', 1);
  const outcomes: Outcome[] = [];
  for (const [i, name] of Object.keys(TARGETS).entries()) {
    const outcome = await runChild(name, iterations, seed + i);
    outcomes.push(outcome);
    const problems = (outcome.findings?.length ?? 0) + (outcome.hang ? 1 : 0) + (outcome.crash ? 1 : 0);
    console.log(`${name.padEnd(13)} ${iterations} iterations in ${outcome.seconds} s: ${outcome.accepted ?? '-'} accepted, refused ${JSON.stringify(outcome.refused ?? {})}, slowest ${outcome.slowestMs?.toFixed(1) ?? '-'} ms, ${problems} problem(s)`);
    for (const [note, count] of Object.entries(outcome.notes ?? {})) console.log(`  ${note}: ${count}`);
    for (const f of outcome.findings?.slice(0, 5) ?? []) console.log(`  iteration ${f.iteration}: ${f.problem}`);
    if (outcome.hang) console.log(`  hang: ${outcome.hang}`);
    if (outcome.crash) console.log(`  crash: ${outcome.crash}`);
  }
  const clean = outcomes.every((o) => !o.hang && !o.crash && o.findings?.length === 0 && o.iterations === iterations);
  const file = writeResult('fuzz', { machine: machine(), iterations, seed, clean, targets: outcomes });
  console.log(`${clean ? 'clean' : 'PROBLEMS FOUND'}; results in ${file}`);
  process.exitCode = clean ? 0 : 1;
}

const childAt = process.argv.indexOf('--child');
if (childAt >= 0) await child(process.argv[childAt + 1], argument('iterations', 10_000), argument('seed', 1));
else await main();
