// The built package as consumers see it: every export target exists, and the deployment entry
// (specialist-sdk/deploy) reaches no training code.
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { it } from 'node:test';

const pkg = JSON.parse(readFileSync('package.json', 'utf8'));

it('every export condition points at a built file, types first', () => {
  for (const [subpath, conditions] of Object.entries(pkg.exports as Record<string, string | Record<string, string>>)) {
    if (typeof conditions === 'string') continue;
    assert.equal(Object.keys(conditions)[0], 'types', `${subpath}: types must come first`);
    for (const target of Object.values(conditions)) assert.ok(existsSync(target), `${subpath} -> ${target}`);
  }
  assert.ok(existsSync(pkg.bin["specialist-sdk"]));
});

it('specialist-sdk/deploy loads no training code', () => {
  const seen = new Set<string>();
  const visit = (file: string) => {
    if (seen.has(file)) return;
    seen.add(file);
    for (const m of readFileSync(`dist/${file}`, 'utf8').matchAll(/(?:from|import)\s*'\.\/([^']+)'/g)) visit(m[1]);
  };
  visit('deploy.js');
  const code = [...seen].map((f) => readFileSync(`dist/${f}`, 'utf8')).join('\n');
  for (const marker of ['class Trainer', 'class ResidentDense', 'fitSpecialists', 'adamStep', 'discoverTaskStructure']) {
    assert.ok(!code.includes(marker), `the deploy entry reaches ${marker}`);
  }
  assert.ok(code.includes('class SpecialistRuntime') && code.includes('class Generalist'));
});
