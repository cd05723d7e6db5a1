// Runs every unit test (test/) and browser test (e2e/) under node's test runner, then prints one
// summary line "N passed, N failed". A run that executes no test fails.
import { spawn } from 'node:child_process';
import { readdirSync } from 'node:fs';

// test/ mirrors src/ in folders; e2e/ is flat. test/consumers/ (packed tarball, bundlers, minutes)
// runs only with `--consumers` (npm run test:consumers).
const consumers = process.argv.includes('--consumers');
const filter = process.argv.slice(2).filter((word) => word !== '--consumers');
const files = (consumers ? ['test/consumers'] : ['test', 'e2e'])
  .flatMap((dir) => readdirSync(dir, { recursive: true }).filter((f) => f.endsWith('.test.ts')).map((f) => `${dir}/${f}`))
  .filter((f) => consumers || !f.startsWith('test/consumers/'))
  .filter((f) => filter.length === 0 || filter.some((word) => f.includes(word)))
  .sort();

const args = [
  // Node 20 validates relaxed SIMD only behind this flag: with it, all three kernel builds are tested here too.
  '--experimental-wasm-relaxed-simd',
  '--import', 'tsx',
  // Tests import src/ modules directly: give them Node's services (worker threads, files,
  // onnxruntime-node) as the package's Node entries do.
  '--import', './test/node-services.ts',
  '--test', '--test-reporter=spec', '--test-concurrency=2',
  ...files,
];
const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'] });
let tail = '';
child.stdout.on('data', (chunk) => {
  process.stdout.write(chunk);
  tail = (tail + chunk.toString()).slice(-4000);
});
child.on('close', (code) => {
  const count = (name) => Number(tail.match(new RegExp(`^\\S*\\s*${name} (\\d+)$`, 'm'))?.[1] ?? 0);
  const passed = count('pass');
  // A failing hook or suite fails the run without failing a test: count it too.
  const failed = count('fail') + count('cancelled') || (code === 0 ? 0 : 1);
  const skipped = count('skipped');
  console.log(`\n${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`);
  if (passed + failed === 0) {
    console.error('No test ran: that counts as a failure.');
    process.exit(1);
  }
  process.exit(code === 0 && failed === 0 ? 0 : 1);
});
