// Atomic saves: written through symlinks, non-regular targets refused (a fake device made with
// mknod inside a temporary folder, a FIFO, a folder), permissions kept, and no temporary file left
// by a failed write, a signal, or (after the next save) a process killed outright.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, readlinkSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { it } from 'node:test';
import { removeOrphanedTemporaries, writeFileAtomic } from '../../src/node/atomic-write.ts';
import { expectCode } from '../helpers.ts';

const bytes = (text: string) => new TextEncoder().encode(text);
const folder = () => mkdtempSync(join(tmpdir(), 'atomic-write-'));
const temporaries = (dir: string) => readdirSync(dir).filter((f) => f.endsWith('.specialist-tmp'));

it('writes through symlinks: the link stays a link and its target gets the bytes', async () => {
  const dir = folder();
  writeFileSync(join(dir, 'real.npy'), 'old');
  symlinkSync('real.npy', join(dir, 'link.npy'));
  symlinkSync(join(dir, 'link.npy'), join(dir, 'link2.npy')); // a chain, absolute this time
  await writeFileAtomic(join(dir, 'link2.npy'), bytes('new'));
  assert.equal(readFileSync(join(dir, 'real.npy'), 'utf8'), 'new');
  assert.ok(lstatSync(join(dir, 'link.npy')).isSymbolicLink());
  assert.ok(lstatSync(join(dir, 'link2.npy')).isSymbolicLink());
  assert.equal(readlinkSync(join(dir, 'link.npy')), 'real.npy');
  // A dangling link names the file to create.
  symlinkSync('later.npy', join(dir, 'dangling.npy'));
  await writeFileAtomic(join(dir, 'dangling.npy'), bytes('created'));
  assert.equal(readFileSync(join(dir, 'later.npy'), 'utf8'), 'created');
  assert.ok(lstatSync(join(dir, 'dangling.npy')).isSymbolicLink());
  // A loop is refused, not followed forever.
  symlinkSync('loop-b', join(dir, 'loop-a'));
  symlinkSync('loop-a', join(dir, 'loop-b'));
  await expectCode(() => writeFileAtomic(join(dir, 'loop-a'), bytes('x')), 'INVALID_FILE', 'symlinks');
  assert.deepEqual(temporaries(dir), []);
});

it('refuses a device, a FIFO and a folder, leaving each as it was', async (t) => {
  const dir = folder();
  const targets: [string, string, (p: string) => boolean][] = [];
  // The fake device has the numbers of /dev/null (1, 3): harmless even if a write went through.
  if (spawnSync('mknod', [join(dir, 'fake-device'), 'c', '1', '3']).status === 0) {
    targets.push(['fake-device', 'character device', (p) => statSync(p).isCharacterDevice()]);
  } else t.diagnostic('mknod is not permitted here: the character device case is skipped');
  assert.equal(spawnSync('mkfifo', [join(dir, 'fifo')]).status, 0);
  targets.push(['fifo', 'FIFO', (p) => statSync(p).isFIFO()]);
  mkdirSync(join(dir, 'folder'));
  targets.push(['folder', 'directory', (p) => statSync(p).isDirectory()]);
  for (const [name, kind, still] of targets) {
    const error = await expectCode(() => writeFileAtomic(join(dir, name), bytes('x')), 'INVALID_FILE', `is a ${kind}`);
    assert.equal(error.details.kind, kind);
    assert.ok(still(join(dir, name)), `${name} is still a ${kind}`);
    // Through a symlink too.
    symlinkSync(name, join(dir, `to-${name}`));
    await expectCode(() => writeFileAtomic(join(dir, `to-${name}`), bytes('x')), 'INVALID_FILE', `is a ${kind}`);
    assert.ok(still(join(dir, name)));
  }
  assert.deepEqual(temporaries(dir), []);
});

it('keeps the permissions of the file it replaces', async () => {
  const dir = folder();
  const path = join(dir, 'model.specialist');
  writeFileSync(path, 'old');
  chmodSync(path, 0o640);
  await writeFileAtomic(path, bytes('new'));
  assert.equal(statSync(path).mode & 0o777, 0o640);
  assert.equal(readFileSync(path, 'utf8'), 'new');
});

/** Runs writeFileAtomic(target, `megabytes` MB of 7s) in a child; `shell` wraps the node command. */
function child(target: string, megabytes: number, shell = 'exec') {
  const script = `
    import { writeFileAtomic } from './src/node/atomic-write.ts';
    try { await writeFileAtomic(${JSON.stringify(target)}, new Uint8Array(${megabytes} * 1024 * 1024).fill(7)); console.log('finished'); }
    catch (e) { console.log(JSON.stringify({ code: e.code, message: e.message })); }`;
  const node = [process.execPath, '--import', 'tsx', '--input-type=module', '-e', script].map((w) => `'${w.replace(/'/g, `'\\''`)}'`).join(' ');
  return spawn('bash', ['-c', `${shell} ${node}`], { stdio: ['ignore', 'pipe', 'inherit'] });
}

async function finished(proc: ReturnType<typeof child>): Promise<{ output: string; signal: NodeJS.Signals | null }> {
  let output = '';
  proc.stdout!.on('data', (d) => (output += d));
  const signal = await new Promise<NodeJS.Signals | null>((ok) => proc.on('exit', (_code, s) => ok(s)));
  return { output, signal };
}

it('a write that fails half-way (file size limit: EFBIG) is a typed error and leaves no temporary', async () => {
  const dir = folder();
  const target = join(dir, 'x.npy');
  writeFileSync(target, 'previous');
  // ulimit -f 64: writes past 64 KiB fail with EFBIG (Node ignores SIGXFSZ), as a full disk would.
  const { output } = await finished(child(target, 1, 'ulimit -f 64 && exec'));
  const result = JSON.parse(output.trim());
  assert.equal(result.code, 'INVALID_FILE');
  assert.match(result.message, /x\.npy: cannot be written \(EFBIG\)/);
  assert.equal(readFileSync(target, 'utf8'), 'previous');
  assert.deepEqual(temporaries(dir), []);
});

async function killMidWrite(signal: NodeJS.Signals): Promise<{ dir: string; target: string; signal: NodeJS.Signals | null; orphans: string[] }> {
  const dir = folder();
  const target = join(dir, 'model.specialist');
  writeFileSync(target, 'previous');
  const proc = child(target, 100);
  const done = finished(proc);
  const deadline = Date.now() + 30000;
  while (temporaries(dir).length === 0 && Date.now() < deadline && proc.exitCode === null) await new Promise((r) => setTimeout(r, 2));
  proc.kill(signal);
  const { output, signal: got } = await done;
  assert.equal(output.includes('finished'), false, 'the write was interrupted');
  assert.equal(readFileSync(target, 'utf8'), 'previous');
  return { dir, target, signal: got, orphans: temporaries(dir) };
}

it('SIGTERM during a 100 MB save: the temporary is removed and the process still ends by the signal', async () => {
  const { signal, orphans } = await killMidWrite('SIGTERM');
  // bash exec'd node, so the signal reaches node itself.
  assert.equal(signal, 'SIGTERM');
  assert.deepEqual(orphans, []);
});

it('SIGKILL during a 100 MB save: the orphan is recognised and removed by the next save into the folder', async () => {
  const { dir, orphans } = await killMidWrite('SIGKILL');
  assert.equal(orphans.length, 1, 'SIGKILL cannot be caught: the temporary stays until the next save');
  await writeFileAtomic(join(dir, 'other.npy'), bytes('x'));
  assert.deepEqual(temporaries(dir), []);
  // Temporaries of live processes (this one: another thread may be writing; pid 1) are left alone.
  writeFileSync(join(dir, `.y.npy.${process.pid}.abc.specialist-tmp`), '');
  writeFileSync(join(dir, '.y.npy.1.abc.specialist-tmp'), '');
  writeFileSync(join(dir, `.y.npy.${2 ** 22 + 1}.abc.specialist-tmp`), ''); // above any pid_max: no such process
  assert.equal(await removeOrphanedTemporaries(dir), 1);
  assert.deepEqual(temporaries(dir).sort(), [`.y.npy.${process.pid}.abc.specialist-tmp`, '.y.npy.1.abc.specialist-tmp'].sort());
});
