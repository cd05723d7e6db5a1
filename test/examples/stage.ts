// Runs the examples as their READMEs say, without npm installs: each example is copied into a
// temporary folder beside the shared examples/serve.mjs, and its node_modules links the package to
// this repository (what `npm install` of a local checkout does) and its other dependencies to this
// repository's node_modules. So every example resolves `specialist-sdk` by name, to the built
// package (dist/ and package.json's exports), as a user's project would.
import { spawn } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';

const ROOT = resolve('.');

export interface StagedExample {
  /** The example's folder (its copy). */
  dir: string;
  remove(): void;
}

/** Copies examples/<name> and examples/serve.mjs into a temporary folder; `links` are the packages besides specialist-sdk. */
export function stageExample(name: string, links: string[] = []): StagedExample {
  const root = mkdtempSync(join(tmpdir(), `example-${name}-`));
  const dir = join(root, name);
  cpSync(join(ROOT, 'examples', name), dir, { recursive: true });
  cpSync(join(ROOT, 'examples', 'serve.mjs'), join(root, 'serve.mjs'));
  const link = (target: string, as: string) => {
    mkdirSync(dirname(join(dir, 'node_modules', as)), { recursive: true });
    symlinkSync(target, join(dir, 'node_modules', as), 'dir');
  };
  link(ROOT, 'specialist-sdk');
  for (const dep of links) link(join(ROOT, 'node_modules', dep), dep);
  return { dir, remove: () => rmSync(root, { recursive: true, force: true }) };
}

export interface RunningServer {
  url: string;
  close(): Promise<void>;
}

/** `node ../serve.mjs --port 0 ...args` in `dir` (the examples' `npm start`, on a free port). */
export async function startServer(dir: string, args: string[] = []): Promise<RunningServer> {
  const child = spawn(process.execPath, ['../serve.mjs', '--port', '0', ...args], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  const url = await new Promise<string>((ok, fail) => {
    child.stdout.on('data', (chunk) => {
      log += chunk;
      const found = log.match(/http:\/\/\S+/);
      if (found) ok(found[0]);
    });
    child.stderr.on('data', (chunk) => (log += chunk));
    child.on('close', (code) => fail(new Error(`serve.mjs exited ${code}: ${log}`)));
  });
  return {
    url,
    close: () =>
      new Promise<void>((ok) => {
        if (child.exitCode !== null) return ok();
        child.once('close', () => ok());
        child.kill();
      }),
  };
}

/** Where the example tests keep their screenshots (gitignored). */
export function screenshotPath(name: string): string {
  const dir = join(ROOT, 'test-results', 'examples');
  mkdirSync(dir, { recursive: true });
  return join(dir, `${name}.png`);
}
