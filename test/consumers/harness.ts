// Helpers for the consumer-project tests: pack the package, lay out and install a fresh project,
// run its commands, start Vite's dev server.
import { spawn } from 'node:child_process';
import { cpSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';

// Tools print plain text: a CI that forces colours would otherwise put escape codes into URLs and logs.
const QUIET_ENV = { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0' };

/**
 * Runs a command in `cwd`; resolves with its stdout, rejects with its output on a non-zero exit or
 * when it outlives `limitMs` (then it is killed: a stuck install or build must not hold CI).
 */
export function run(command: string, args: string[], cwd: string, limitMs = 10 * 60_000): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'], env: QUIET_ENV });
    let out = '';
    let err = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${command} ${args.join(' ')} (in ${cwd}) ran past ${limitMs / 1000} s\n${out}\n${err}`));
    }, limitMs);
    child.stdout.on('data', (chunk) => (out += chunk));
    child.stderr.on('data', (chunk) => (err += chunk));
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      if (code === 0) resolve(out);
      else reject(new Error(`${command} ${args.join(' ')} (in ${cwd}) exited ${code}\n${out}\n${err}`));
    });
  });
}

/** `npm pack` of the repository (dist/ must be built) into `dir`; resolves with the tarball's path. */
export async function packTarball(dir: string): Promise<string> {
  const [{ filename }] = JSON.parse(await run('npm', ['pack', '--json', '--pack-destination', dir], process.cwd()));
  return join(dir, filename);
}

/**
 * A fresh project in `dir`: the shared app under src/, then the files of `project` (package.json,
 * config, index.html, src/ files that replace the app's), and the tarball as the dependency
 * `specialist-sdk`; then `npm install`.
 */
export async function installConsumer(project: string | undefined, app: string, dir: string, tarball: string): Promise<string> {
  mkdirSync(dir, { recursive: true });
  cpSync(app, join(dir, 'src'), { recursive: true });
  if (project) cpSync(project, dir, { recursive: true });
  const manifestPath = join(dir, 'package.json');
  const manifest = project ? JSON.parse(readFileSync(manifestPath, 'utf8')) : { name: 'consumer-node', private: true, type: 'module' };
  manifest.dependencies = { 'specialist-sdk': `file:${tarball}` };
  writeFileSync(manifestPath, JSON.stringify(manifest, null, 2));
  await run('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', '--loglevel=error'], dir);
  return dir;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/**
 * `vite` (the dev server) in `dir` on a free loopback port, ready to serve: ready means it answers
 * HTTP, not that its banner was printed (banners change and may carry colour codes). A server that
 * does not answer within 60 s is killed, so a failed start never keeps the test process alive.
 */
export async function startDevServer(dir: string): Promise<{ url: string; close(): Promise<void> }> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}/`;
  const child = spawn(process.execPath, ['node_modules/vite/bin/vite.js', '--host', '127.0.0.1', '--port', String(port), '--strictPort'], {
    cwd: dir,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: QUIET_ENV,
  });
  let log = '';
  let exited: number | null | undefined;
  child.stdout.on('data', (chunk) => (log += chunk));
  child.stderr.on('data', (chunk) => (log += chunk));
  const closed = new Promise<void>((resolve) =>
    child.on('close', (code) => {
      exited = code;
      resolve();
    }),
  );
  const close = async () => {
    if (exited === undefined) child.kill('SIGKILL');
    await closed;
  };
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (exited !== undefined) throw new Error(`vite dev exited ${exited}:\n${log}`);
    if (await answers(url)) return { url, close };
    if (Date.now() > deadline) {
      await close();
      throw new Error(`vite dev did not answer ${url} in 60 s:\n${log}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

async function answers(url: string): Promise<boolean> {
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(5_000) });
    await response.body?.cancel();
    return response.ok;
  } catch {
    return false;
  }
}
