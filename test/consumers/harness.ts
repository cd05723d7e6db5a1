// Helpers for the consumer-project tests: pack the package, lay out and install a fresh project,
// run its commands, start Vite's dev server.
import { spawn } from 'node:child_process';
import { cpSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';

/** Runs a command in `cwd`; resolves with its stdout, rejects with its output on a non-zero exit. */
export function run(command: string, args: string[], cwd: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (chunk) => (out += chunk));
    child.stderr.on('data', (chunk) => (err += chunk));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve(out) : reject(new Error(`${command} ${args.join(' ')} (in ${cwd}) exited ${code}\n${out}\n${err}`))));
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

/** `vite` (the dev server) in `dir` on a free loopback port, ready to serve. */
export async function startDevServer(dir: string): Promise<{ url: string; close(): Promise<void> }> {
  const port = await freePort();
  const child = spawn(process.execPath, ['node_modules/vite/bin/vite.js', '--host', '127.0.0.1', '--port', String(port), '--strictPort'], {
    cwd: dir,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let log = '';
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`vite dev did not start in 60 s:\n${log}`)), 60_000);
    const onData = (chunk: Buffer) => {
      log += chunk;
      if (log.includes(`:${port}`)) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.on('close', (code) => reject(new Error(`vite dev exited ${code}:\n${log}`)));
  });
  return {
    url: `http://127.0.0.1:${port}/`,
    close: () =>
      new Promise<void>((resolve) => {
        child.once('close', () => resolve());
        child.kill();
      }),
  };
}
