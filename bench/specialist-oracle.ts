// The drop-one oracle of docs/specialist.md (issue 18, full-rank d = 256): for generalistWorld
// cases (blocks of BLOCK, 20,000 rows, seeds SEEDS), what leaving one TRUE block coordinate out
// costs a least-squares fit and a head like the fit's (bench/specialist_oracle.py, PyTorch), on the
// same rows. Environment: SEEDS (11), BLOCK (32), HIDDEN (32), EPOCHS (10; 31 steps each), COORDS
// (0,1,2,3,4,5), FLOOR (the whitening floor, default the fit's). Prints one JSON line per seed.
// Run: node --import tsx bench/specialist-oracle.ts
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { formatNpy } from '../src/io/npy.ts';
import { WHITEN_FLOOR } from '../src/specialist/whiten.ts';
import { wideCase, wideSpec } from './wide-case.ts';

const env = (name: string, fallback: string) => process.env[name] ?? fallback;
for (const seed of env('SEEDS', '11').split(',').map(Number)) {
  const c = wideCase(wideSpec(Number(env('BLOCK', '32')), 20_000, seed));
  const dir = mkdtempSync(join(tmpdir(), 'specialist-oracle-'));
  try {
    writeFileSync(join(dir, 'states.npy'), formatNpy({ data: c.states, shape: [c.latents.shape[0], c.d] }));
    writeFileSync(join(dir, 'targets.npy'), formatNpy(c.targets));
    writeFileSync(join(dir, 'membership.npy'), formatNpy(c.membership));
    writeFileSync(join(dir, 'meta.json'), JSON.stringify({ blocks: c.blocks }));
    const args = ['bench/specialist_oracle.py', dir, env('HIDDEN', '32'), env('EPOCHS', '10'), env('COORDS', '0,1,2,3,4,5'), env('FLOOR', String(WHITEN_FLOOR))];
    const r = spawnSync('/usr/bin/python3', args, { encoding: 'utf8', maxBuffer: 1 << 24 });
    if (r.status !== 0) throw new Error(`python3 failed: ${r.stderr || r.error?.message}`);
    console.log(JSON.stringify({ seed, hidden: Number(env('HIDDEN', '32')), epochs: Number(env('EPOCHS', '10')), tasks: JSON.parse(r.stdout.trim().split('\n').at(-1)!) }));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
