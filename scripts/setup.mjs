// Brings a fresh clone to a runnable state, doing only what is stale: npm ci, the wasm kernels,
// the glyph outlines of the glyph world, the rollup bundle, and (with --browser) Debian's Chromium for the e2e tests
// and Debian's redis-server for the scale tests (test/scale/ starts and stops its own on a free port).
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

const want = new Set(process.argv.slice(2));
const run = (cmd, args) => execFileSync(cmd, args, { stdio: 'inherit' });
const say = (msg) => console.error(`[setup] ${msg}`);

function newest(paths) {
  let t = 0;
  for (const p of paths) {
    if (!existsSync(p)) continue;
    const s = statSync(p);
    if (s.isDirectory()) t = Math.max(t, newest(readdirSync(p).map((f) => join(p, f))));
    else t = Math.max(t, s.mtimeMs);
  }
  return t;
}
const stale = (outputs, inputs) => outputs.some((o) => !existsSync(o)) || newest(inputs) > Math.min(...outputs.map((o) => statSync(o).mtimeMs));

if (!existsSync('node_modules/.package-lock.json') || stale(['node_modules/.package-lock.json'], ['package-lock.json'])) {
  say('installing dependencies (npm ci)');
  run('npm', ['ci', '--no-audit', '--no-fund']);
}
const wasmOut = ['build/kernels.simd.wasm', 'build/kernels.scalar.wasm', 'build/kernels.relaxed-simd.wasm', 'src/kernels/binaries.generated.ts', 'src/kernels/exports.generated.ts'];
if (stale(wasmOut, ['assembly', 'scripts/build-wasm.mjs', 'scripts/kernel-exports.mjs', 'package-lock.json'])) {
  say('building wasm kernels');
  run('npm', ['run', '--silent', 'build:wasm']);
}
const glyphsOut = ['src/synthetic/glyphs/fonts.generated.ts'];
if (stale(glyphsOut, ['scripts/build-glyphs.ts', 'src/synthetic/glyphs/font-sources.ts', 'src/synthetic/glyphs/sfnt.ts', 'package-lock.json'])) {
  say('extracting glyph outlines from the font packages');
  run('npm', ['run', '--silent', 'build:glyphs']);
}
if (stale(['dist/node.js', 'dist/browser.js', 'dist/worker.js', 'dist/cli.js', 'dist/lab.js', 'dist/types/node.d.ts'], ['src', 'rollup.config.mjs', 'tsconfig.json', 'tsconfig.build.json', 'package.json'])) {
  say('bundling (rollup) and emitting types');
  run('npm', ['run', '--silent', 'build:js']);
}
/** Installs a Debian package when its binary is missing (root only; else says how). */
function aptInstall(binary, pkg, why) {
  if (existsSync(binary)) return;
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  if (!isRoot) {
    console.error(`[setup] ${why} need ${binary}. Install it with:\n  sudo apt-get update && sudo apt-get install -y ${pkg}`);
    process.exit(1);
  }
  say(`installing ${pkg} from Debian's packages`);
  run('apt-get', ['update', '-qq']);
  run('apt-get', ['install', '-y', '-qq', pkg]);
}
if (want.has('--browser')) {
  aptInstall('/usr/bin/chromium', 'chromium', 'The browser tests');
  aptInstall('/usr/bin/redis-server', 'redis-server', 'The scale tests (BullMQ)');
}
