// Runs every test under node's test runner, then prints one summary line "N passed, N failed"; a run
// that executes no test fails. Two phases, one after the other: the suite (unit tests in test/ and
// browser tests in e2e/) and the consumer projects (test/consumers/: the packed tarball in fresh
// Vite, webpack, esbuild and rollup projects, minutes of installs and builds). `--suite` or
// `--consumers` runs one phase; words filter the files of either (`node scripts/test.mjs kernels`).
import { spawn } from 'node:child_process';
import { readdirSync } from 'node:fs';

const flags = new Set(process.argv.slice(2).filter((word) => word.startsWith('--')));
const filter = process.argv.slice(2).filter((word) => !word.startsWith('--'));
const phases = flags.has('--suite') ? ['suite'] : flags.has('--consumers') ? ['consumers'] : ['suite', 'consumers'];

// test/ mirrors src/ in folders; e2e/ is flat.
function filesOf(phase) {
  return (phase === 'consumers' ? ['test/consumers'] : ['test', 'e2e'])
    .flatMap((dir) => readdirSync(dir, { recursive: true }).filter((f) => f.endsWith('.test.ts')).map((f) => `${dir}/${f}`))
    .filter((f) => (phase === 'consumers') === f.startsWith('test/consumers/'))
    .filter((f) => filter.length === 0 || filter.some((word) => f.includes(word)))
    .sort();
}

const PHASE_LIMIT_MIN = 25;

function run(phase, files) {
  const args = [
    // Node 20 validates relaxed SIMD only behind this flag: with it, all three kernel builds are tested here too.
    '--experimental-wasm-relaxed-simd',
    '--import', 'tsx',
    // Tests import src/ modules directly: give them Node's services (worker threads, files,
    // onnxruntime-node) as the package's Node entries do.
    '--import', './test/node-services.ts',
    '--test', '--test-reporter=spec', '--test-concurrency=2',
    // A test file whose tests are done exits even if something it started (a server, a child
    // process) still holds its event loop: a leak fails loudly in its test, it never hangs CI.
    '--test-force-exit',
    ...files,
  ];
  return new Promise((resolve) => {
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'], detached: true });
    // Last line of defence: a phase that outlives its limit is killed with everything it started
    // and counts as failed, so CI always ends with a summary (the suite takes ~3 min, the consumer
    // projects ~8 min on 2 cores).
    let timedOut = false;
    const watchdog = setTimeout(() => {
      timedOut = true;
      console.error(`\nThe ${phase} phase ran past ${PHASE_LIMIT_MIN} minutes: stopped.`);
      process.kill(-child.pid, 'SIGKILL');
    }, PHASE_LIMIT_MIN * 60_000);
    // The phase runs in its own process group (so the watchdog reaches its grandchildren): pass on
    // an interrupt by hand.
    const stop = () => process.kill(-child.pid, 'SIGTERM');
    process.once('SIGINT', stop).once('SIGTERM', stop);
    let tail = '';
    child.stdout.on('data', (chunk) => {
      process.stdout.write(chunk);
      tail = (tail + chunk.toString()).slice(-4000);
    });
    child.on('close', (code) => {
      clearTimeout(watchdog);
      process.off('SIGINT', stop).off('SIGTERM', stop);
      const count = (name) => Number(tail.match(new RegExp(`^\\S*\\s*${name} (\\d+)$`, 'm'))?.[1] ?? 0);
      // A failing hook or suite fails the run without failing a test: count it too.
      const failed = count('fail') + count('cancelled') + (timedOut ? 1 : 0) || (code === 0 ? 0 : 1);
      resolve({ passed: count('pass'), failed, skipped: count('skipped'), ok: code === 0 && failed === 0 });
    });
  });
}

const total = { passed: 0, failed: 0, skipped: 0, ok: true };
for (const phase of phases) {
  const files = filesOf(phase);
  if (files.length === 0) continue;
  const result = await run(phase, files);
  for (const key of ['passed', 'failed', 'skipped']) total[key] += result[key];
  total.ok &&= result.ok;
}
console.log(`\n${total.passed} passed, ${total.failed} failed${total.skipped ? `, ${total.skipped} skipped` : ''}`);
if (total.passed + total.failed === 0) {
  console.error('No test ran: that counts as a failure.');
  process.exit(1);
}
process.exit(total.ok ? 0 : 1);
