// Real servers for the scale tests, each on a free port of 127.0.0.1 in a temporary directory,
// stopped by the returned function on every path (tests call it in after()).
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** Waits until `text` appears in the child's output, or fails when it exits or `ms` pass. */
export function waitForOutput(child: ChildProcess, text: string, ms: number): Promise<void> {
  return new Promise((resolve, reject) => {
    let seen = '';
    const timer = setTimeout(() => reject(new Error(`no "${text}" within ${ms} ms; output so far:\n${seen}`)), ms);
    const look = (chunk: Buffer) => {
      seen += chunk.toString();
      if (seen.includes(text)) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout?.on('data', look);
    child.stderr?.on('data', look);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`exited with ${code} before "${text}"; output:\n${seen}`));
    });
  });
}

/**
 * Kills the child when this process exits, whatever the path (a failed hook, --test-force-exit,
 * process.exit): a server or worker never outlives its test file. Returns the child.
 */
export function killOnExit<T extends ChildProcess>(child: T): T {
  const kill = () => child.kill('SIGKILL');
  process.once('exit', kill);
  child.once('exit', () => process.off('exit', kill));
  return child;
}

export async function stopChild(child: ChildProcess | undefined, signal: NodeJS.Signals = 'SIGTERM', ms = 5000): Promise<void> {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill(signal);
  const timer = setTimeout(() => child.kill('SIGKILL'), ms);
  await exited;
  clearTimeout(timer);
}

export interface Redis {
  port: number;
  dir: string;
  /** Stops it (SHUTDOWN on SIGTERM: the append-only file is flushed) and starts it again on the same port and data. */
  restart(): Promise<void>;
  stop(): Promise<void>;
}

/** Debian's redis-server with an append-only file (fsync always), so a restart loses no job. */
export async function startRedis(): Promise<Redis> {
  const dir = mkdtempSync(join(tmpdir(), 'scale-redis-'));
  const port = await freePort();
  let child: ChildProcess | undefined;
  const start = async () => {
    child = killOnExit(spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--appendonly', 'yes', '--appendfsync', 'always', '--save', ''], { stdio: ['ignore', 'pipe', 'pipe'] }));
    await waitForOutput(child, 'Ready to accept connections', 10_000);
  };
  await start();
  return {
    port,
    dir,
    async restart() {
      await stopChild(child);
      await start();
    },
    async stop() {
      await stopChild(child);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
