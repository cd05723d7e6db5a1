// Where does the specialist head lose against the dense head? (issue 21). One seed of the glyph
// world's cached recogniser latents (`npm run real-model -- --latents-cache DIR` writes them), the
// true relation (so that Layer 1's errors do not enter), and on the same rows: the specialist
// heads (defaults and variants), the dense heads, and measurements of what the block misses:
// - accuracy on the held-out episodes, and on the steps in fonts held out of a second fit;
// - R² of the dense head's prediction from the specialist's block (does the block miss content
//   the dense head uses?);
// - how much of the content's representation depends on the font: per character, the share of the
//   block's (and all latents') variance that the font explains beyond the character;
// - a linear read-out of the character trained on the seen fonts, from the block of a fit that saw
//   every font (the block as good as it gets) and from all latents, on the unseen fonts.
//
// - with --missing: what the block lacks on the unseen fonts. Heads fitted without those fonts,
//   read by class; linear one-hot read-outs trained on the seen fonts from the block, from the
//   block plus the coordinates of the specialist's ŝ that the dense head leans on most (its
//   importance), from the block plus the coordinates an oracle picks by accuracy on the unseen
//   fonts themselves, from all of the specialist's ŝ, the dense ŝ and the latents.
//
//   node --import tsx bench/real-model-diagnose.ts --cache /tmp/heads-cache [--seed 1] [--layer swish_12.tmp_0]
//        [--variants 'tolerance=0.1;encoderWidths=[]&headWidth=64'] [--unseen-fonts 5,6] [--missing]
import { parseArgs } from 'node:util';
import { loadavg } from 'node:os';
import { cpuUsage } from 'node:process';
import type { Tensor } from '../src/core/tensor.ts';
import { gatherSteps, glyphEvaluation, glyphWorld } from 'specialist-sdk/lab';
import { scoreSet, type ComparisonRows } from '../src/pipeline/compare.ts';
import { kernelRidgeR2 } from '../src/metrics/identifiability.ts';
import { fitSpecialists } from '../src/specialist/fit.ts';
import type { SpecialistOptions } from '../src/specialist/options.ts';
import type { Specialists } from '../src/specialist/model.ts';
import { cachePath, readCache } from './real-model-cache.ts';
import { fitInputs, setRows, trainingRows } from './real-model-heads.ts';
import { linearProbe } from './linear-probe.ts';

const { values: o } = parseArgs({ options: { cache: { type: 'string' }, seed: { type: 'string' }, layer: { type: 'string' }, variants: { type: 'string' }, 'unseen-fonts': { type: 'string' }, 'linear-only': { type: 'boolean' }, missing: { type: 'boolean' }, 'variants-only': { type: 'boolean' }, shortcut: { type: 'string' }, onehot: { type: 'boolean' } } });
const seed = Number(o.seed ?? 1), layer = o.layer ?? 'swish_12.tmp_0';
const [n, holdout, T] = [800, 100, 8];
// --shortcut S: the shortcut world (linear read-outs only): trained with the nuisance tied to the
// content, scored on the second held-out set, where it is drawn independently.
const shortcut = o.shortcut === undefined ? undefined : Number(o.shortcut);
const cached = readCache(cachePath(o.cache ?? '/tmp/heads-cache', { seed, layer, episodes: n, holdout, steps: T, world: shortcut === undefined ? undefined : `shortcut${shortcut}` }));
if (!cached) throw new Error('no cached latents for this seed and layer');
const world = shortcut === undefined ? glyphWorld({ episodes: n + holdout, steps: T, seed }) : glyphWorld({ episodes: n + 2 * holdout, steps: T, seed, shortcut: { episodes: n + holdout, strength: shortcut } });
const testFrom = shortcut === undefined ? 0 : holdout;
const { tasks: M, segmentLength: L, slots } = world.params;
const fitted = Array.from({ length: M }, (_, i) => i);
const stepTasks = Array.from({ length: T }, (_, t) => fitted.map((i) => world.truth.relation[Math.floor(t / L) * M + i]));
const unseen = (o['unseen-fonts'] ?? '5,6').split(',').map(Number);
const seen = world.params.fonts.filter((f) => !unseen.includes(f));
const log = (line: string) => console.log(`${line}   [${Math.round(performance.now() / 1000)} s, CPU ${Math.round(cpuUsage().user / 1e6)} s, load ${loadavg()[0].toFixed(1)}]`);

const { latents, heldLatents: held } = cached;
// The held-out episodes the heads are scored on (the first set of the shortcut world).
const heldScored = { data: held.data.subarray(0, holdout * T * held.shape[2]), shape: [holdout, T, held.shape[2]] };
const sets = [
  { name: 'held-out episodes', observations: heldScored, ...glyphEvaluation(world, n, n + holdout) },
  { name: 'unseen fonts', observations: heldScored, ...glyphEvaluation(world, n, n + holdout, unseen) },
];
// --onehot: every head learns the character one-hot instead of its 4-vector code (the read one in
// training, the shown one in scoring, as with the codes), so the nearest target is the largest output.
const onehot = Boolean(o.onehot);
/** Targets [rows, dy] that are task j's codes, as the one-hot of their characters [rows, 10]. */
function codesToOneHot(y: Float32Array, rows: number, j: number): Float32Array {
  const code = world.truth.embeddings[j], dg = code[0].length;
  const out = new Float32Array(rows * 10);
  for (let r = 0; r < rows; r++) {
    let best = 0, bestD = Infinity;
    for (let c = 0; c < 10; c++) {
      const dist = code[c].reduce((a, v, q) => a + (y[r * dg + q] - v) ** 2, 0);
      if (dist < bestD) [best, bestD] = [c, dist];
    }
    // Rows outside the task (zero targets) stay zero.
    if (y.subarray(r * dg, (r + 1) * dg).some((v) => v !== 0)) out[r * 10 + best] = 1;
  }
  return out;
}
const rowsOf = setRows(sets, [heldScored, heldScored], stepTasks, fitted).map((perTask, j) =>
  perTask.map((r): ComparisonRows => ({ ...r, nuisance: {}, targets: onehot ? { data: codesToOneHot(r.targets.data, r.targets.shape[0], j), shape: [r.targets.shape[0], 10] } : r.targets })),
);
// Heads fitted on class codes are read by class (classify), as the pipeline scores them.
const accuracyOf = (model: Specialists, j: number, k: number) =>
  scoreSet(rowsOf[j][k], (z) => ({ prediction: model.predict(z, j), input: z, classes: model.classCodes(j) && !onehot ? model.classify(z, j).codes : undefined }), seed).accuracy ?? NaN;

async function fit(rows: [number, number][], options: SpecialistOptions) {
  const inputs = fitInputs(world, latents, rows, stepTasks, fitted);
  if (onehot) {
    const [count, K, dg] = inputs.y.shape;
    const y = new Float32Array(count * K * 10);
    for (let j = 0; j < K; j++) {
      const own = new Float32Array(count * dg);
      for (let r = 0; r < count; r++) own.set(inputs.y.data.subarray((r * K + j) * dg, (r * K + j + 1) * dg), r * dg);
      const hot = codesToOneHot(own, count, j);
      for (let r = 0; r < count; r++) y.set(hot.subarray(r * 10, (r + 1) * 10), (r * K + j) * 10);
    }
    inputs.y = { data: y, shape: [count, K, 10] };
  }
  return fitSpecialists(inputs.z, inputs.y, { seed, ...options }, { membership: inputs.membership });
}
const all = trainingRows(n, stepTasks, fitted);
const seenRows = trainingRows(n, stepTasks, fitted, (e, t) => !unseen.includes(world.truth.font[e * T + t]));
const taskTrainRows = (j: number, keep = (_f: number) => true) => all.filter(([e, t]) => stepTasks[t][j] && keep(world.truth.font[e * T + t]));

const report = (name: string, model: Specialists, dense: boolean) =>
  log(`${name}: ${fitted.map((j) => `task ${j} width ${dense ? model.latentDims : model.supports[j].length} acc ${accuracyOf(model, j, 0).toFixed(3)} / unseen-font steps ${accuracyOf(model, j, 1).toFixed(3)}`).join('; ')}; validation (phase@epoch: task losses) ${model.lossCurves.validation.filter((v) => v.phase !== 'path').map((v) => `${v.phase}@${v.epoch}: ${v.tasks.map((l) => l.toFixed(3)).join('/')}`).join(', ')}, epochs ${model.lossCurves.train.length}`);

/**
 * Linear read-outs from the latents only (no fit): the character as one-hot targets decoded by the
 * largest output, against the task's codes (the 4-vector embeddings the heads learn) decoded by the
 * nearest code, as the heads' read accuracy is counted. Same ridge, same rows.
 */
function decoding(j: number, trainFonts: number[], testFonts: number[]) {
  const slot = world.truth.taskSlots[j];
  const code = world.truth.embeddings[j];
  const dg = code[0].length;
  const label = (e: number, t: number) => world.truth.content[(e * T + t) * slots.length + slot];
  const train = taskTrainRows(j, (f) => trainFonts.includes(f));
  const test: [number, number][] = [];
  for (let e = testFrom; e < testFrom + holdout; e++) for (let t = 0; t < T; t++) if (stepTasks[t][j] && testFonts.includes(world.truth.font[(n + e) * T + t])) test.push([e, t]);
  const x = gatherSteps(latents, train), xt = gatherSteps(held, test);
  const truth = test.map(([e, t]) => label(n + e, t));
  const oneHot = linearProbe(x, { data: Float32Array.from(train.flatMap(([e, t]) => Array.from({ length: 10 }, (_, c) => (c === label(e, t) ? 1 : 0)))), shape: [train.length, 10] }).predict(xt).data;
  const codes = linearProbe(x, { data: Float32Array.from(train.flatMap(([e, t]) => code[label(e, t)])), shape: [train.length, dg] }).predict(xt).data;
  let argmaxRight = 0, nearestRight = 0;
  truth.forEach((c, r) => {
    let best = 0;
    for (let k = 1; k < 10; k++) if (oneHot[r * 10 + k] > oneHot[r * 10 + best]) best = k;
    if (best === c) argmaxRight++;
    let near = 0, nearD = Infinity;
    for (let k = 0; k < 10; k++) {
      const dist = code[k].reduce((a, v, q) => a + (codes[r * dg + q] - v) ** 2, 0);
      if (dist < nearD) [near, nearD] = [k, dist];
    }
    if (near === c) nearestRight++;
  });
  return `one-hot/largest ${(argmaxRight / test.length).toFixed(3)}, codes/nearest ${(nearestRight / test.length).toFixed(3)} (${test.length} rows)`;
}
const allFonts = world.params.fonts as number[];
if (shortcut !== undefined) {
  for (const j of fitted) log(`task ${j}: linear read-out from the latents, trained with the shortcut, nuisance independent: ${decoding(j, allFonts, allFonts)}`);
  process.exit(0);
}
for (const j of fitted) log(`task ${j}: linear read-out from the latents, held-out episodes: ${decoding(j, allFonts, allFonts)}; trained without fonts ${unseen.join(',')}, on them: ${decoding(j, seen, unseen)}`);
if (o['linear-only']) process.exit(0);
if (o['variants-only']) {
  await variants();
  process.exit(0);
}
if (o.missing) {
  await missing();
  await variants();
  process.exit(0);
}

const dense = await fit(all, { penalty: 'none' });
report('dense', dense, true);
const specialist = await fit(all, {});
report('specialist', specialist, false);

// Does the block miss what the dense head predicts? Held-out kernel ridge R² of the dense head's
// prediction from the block, against from the dense head's own input (all of s_hat).
for (const j of onehot ? [] : fitted) {
  const rows = taskTrainRows(j);
  const z = gatherSteps(latents, rows);
  const target = dense.predict(z, j);
  const fromBlock = kernelRidgeR2(specialist.transform(z, j), target, { seed }).mean;
  const fromAll = kernelRidgeR2(dense.transform(z), target, { seed }).mean;
  log(`task ${j}: R² of the dense head's prediction from the specialist block ${fromBlock.toFixed(3)}, from all of the dense s_hat ${fromAll.toFixed(3)}`);
}

/** Share of a representation's variance (summed over its columns) explained by the character, and by the character and font together. */
function fontShare(x: Tensor<Float32Array>, rows: [number, number][], slot: number) {
  const [count, w] = x.shape;
  const group = (key: (r: number) => string) => {
    const sums = new Map<string, { n: number; s: Float64Array }>();
    for (let r = 0; r < count; r++) {
      const g = sums.get(key(r)) ?? { n: 0, s: new Float64Array(w) };
      g.n++;
      for (let c = 0; c < w; c++) g.s[c] += x.data[r * w + c];
      sums.set(key(r), g);
    }
    let explained = 0;
    const mean = new Float64Array(w);
    for (let r = 0; r < count; r++) for (let c = 0; c < w; c++) mean[c] += x.data[r * w + c] / count;
    for (const g of sums.values()) for (let c = 0; c < w; c++) explained += g.n * (g.s[c] / g.n - mean[c]) ** 2;
    let total = 0;
    for (let r = 0; r < count; r++) for (let c = 0; c < w; c++) total += (x.data[r * w + c] - mean[c]) ** 2;
    return explained / total;
  };
  const char = (r: number) => String(world.truth.content[(rows[r][0] * T + rows[r][1]) * slots.length + slot]);
  const font = (r: number) => String(world.truth.font[rows[r][0] * T + rows[r][1]]);
  const c = group(char), cf = group((r) => `${char(r)}/${font(r)}`);
  return { character: c, characterAndFont: cf, fontGivenCharacter: (cf - c) / (1 - c) };
}

/** Linear read-out of the character trained on the seen fonts' rows, its accuracy on the unseen fonts' rows (held-out episodes). */
function readOut(rep: (z: Tensor<Float32Array>) => Tensor<Float32Array>, j: number, trainFonts = seen, testFonts = unseen) {
  const slot = world.truth.taskSlots[j];
  const onehot = (rows: [number, number][]) => {
    const y = new Float32Array(rows.length * 10);
    rows.forEach(([e, t], r) => (y[r * 10 + world.truth.content[(e * T + t) * slots.length + slot]] = 1));
    return { data: y, shape: [rows.length, 10] };
  };
  const train = taskTrainRows(j, (f) => trainFonts.includes(f));
  const probe = linearProbe(rep(gatherSteps(latents, train)), onehot(train));
  const test: [number, number][] = [];
  for (let e = 0; e < holdout; e++) for (let t = 0; t < T; t++) if (stepTasks[t][j] && testFonts.includes(world.truth.font[(n + e) * T + t])) test.push([e, t]);
  const p = probe.predict(rep(gatherSteps(held, test))).data;
  const y = onehot(test.map(([e, t]) => [n + e, t])).data;
  let right = 0;
  for (let r = 0; r < test.length; r++) {
    let best = 0;
    for (let c = 1; c < 10; c++) if (p[r * 10 + c] > p[r * 10 + best]) best = c;
    if (y[r * 10 + best] === 1) right++;
  }
  return right / test.length;
}

for (const j of onehot ? [] : fitted) {
  const slot = world.truth.taskSlots[j];
  const rows = taskTrainRows(j);
  const z = gatherSteps(latents, rows);
  const b = fontShare(specialist.transform(z, j), rows, slot), a = fontShare(z, rows, slot), d = fontShare(dense.transform(z), rows, slot);
  log(`task ${j} (slot ${slot}): share of variance by character / by character and font / font given character: block ${b.character.toFixed(3)} / ${b.characterAndFont.toFixed(3)} / ${b.fontGivenCharacter.toFixed(3)}; dense s_hat ${d.character.toFixed(3)} / ${d.characterAndFont.toFixed(3)} / ${d.fontGivenCharacter.toFixed(3)}; latents ${a.character.toFixed(3)} / ${a.characterAndFont.toFixed(3)} / ${a.fontGivenCharacter.toFixed(3)}`);
  log(`task ${j}: linear read-out trained on fonts ${seen.join(',')}, accuracy on fonts ${unseen.join(',')}: from the block ${readOut((x) => specialist.transform(x, j), j).toFixed(3)}, from all of the dense s_hat ${readOut((x) => dense.transform(x), j).toFixed(3)}, from the latents ${readOut((x) => x, j).toFixed(3)}`);
}


// Heads fitted without the unseen fonts' steps (as npm run real-model --unseen-fonts does).
const denseSeen = await fit(seenRows, { penalty: 'none' });
report(`dense, fonts ${unseen.join(',')} held out of training`, denseSeen, true);
const specialistSeen = await fit(seenRows, {});
report(`specialist, fonts ${unseen.join(',')} held out of training`, specialistSeen, false);
const fonts = world.params.fonts as number[];
for (const j of onehot ? [] : fitted) {
  log(`task ${j}: linear read-out of the character (one-hot, argmax), all fonts in training, held-out episodes: from the latents ${readOut((x) => x, j, fonts, fonts).toFixed(3)}, the block ${readOut((x) => specialist.transform(x, j), j, fonts, fonts).toFixed(3)}, the dense s_hat ${readOut((x) => dense.transform(x), j, fonts, fonts).toFixed(3)}`);
  log(`task ${j}: the same, trained on fonts ${seen.join(',')} only, from the fits without them, on fonts ${unseen.join(',')}: block ${readOut((x) => specialistSeen.transform(x, j), j).toFixed(3)}, dense s_hat ${readOut((x) => denseSeen.transform(x), j).toFixed(3)}`);
}

await variants();

/** --variants: the specialist with other options, on all rows and without the unseen fonts. */
async function variants() {
  // Variants are separated by ';', each key=JSON (e.g. epochs=480;encoderWidths=[] ); each
  // combines its settings with '&' (lambda=0.5&headWidth=64). The dense head gets them too.
  for (const variant of (o.variants ?? '').split(';').filter(Boolean)) {
    const settings: SpecialistOptions = variant === 'default' ? {} : Object.fromEntries(variant.split('&').map((kv) => [kv.split('=')[0], JSON.parse(kv.split('=')[1])]));
    for (const penalty of ['none', undefined] as const) {
      const name = `${penalty ? 'dense' : 'specialist'} ${variant}`;
      report(name, await fit(all, { ...settings, ...(penalty ? { penalty } : {}) }), penalty !== undefined);
      report(`${name}, fonts ${unseen.join(',')} held out of training`, await fit(seenRows, { ...settings, ...(penalty ? { penalty } : {}) }), penalty !== undefined);
    }
  }
}

/** --missing: the heads fitted without the unseen fonts, and what of ŝ their blocks lack there. */
async function missing() {
  const denseSeen = await fit(seenRows, { penalty: 'none' });
  report(`dense, fonts ${unseen.join(',')} held out of training`, denseSeen, true);
  const specialistSeen = await fit(seenRows, {});
  report(`specialist, fonts ${unseen.join(',')} held out of training`, specialistSeen, false);
  const extra = 5;
  for (const j of fitted) {
    const slot = world.truth.taskSlots[j];
    const train = taskTrainRows(j, (f) => seen.includes(f));
    const test: [number, number][] = [];
    for (let e = 0; e < holdout; e++) for (let t = 0; t < T; t++) if (stepTasks[t][j] && unseen.includes(world.truth.font[(n + e) * T + t])) test.push([e, t]);
    const label = (e: number, t: number) => world.truth.content[(e * T + t) * slots.length + slot];
    const y = { data: new Float32Array(train.length * 10), shape: [train.length, 10] };
    train.forEach(([e, t], r) => (y.data[r * 10 + label(e, t)] = 1));
    const truth = test.map(([e, t]) => label(n + e, t));
    // ŝ of the specialist fitted without the unseen fonts, once: read-outs select its columns.
    const sTrain = specialistSeen.transform(gatherSteps(latents, train)), sTest = specialistSeen.transform(gatherSteps(held, test));
    const w = sTrain.shape[1];
    const pick = (x: Tensor<Float32Array>, cols: number[]) => ({ data: Float32Array.from({ length: x.shape[0] * cols.length }, (_, q) => x.data[Math.floor(q / cols.length) * w + cols[q % cols.length]]), shape: [x.shape[0], cols.length] });
    const accuracy = (cols: number[]) => {
      const p = linearProbe(pick(sTrain, cols), y).predict(pick(sTest, cols)).data;
      let right = 0;
      truth.forEach((c, r) => {
        let best = 0;
        for (let k = 1; k < 10; k++) if (p[r * 10 + k] > p[r * 10 + best]) best = k;
        if (best === c) right++;
      });
      return right / truth.length;
    };
    const block = specialistSeen.supports[j];
    const outside = Array.from({ length: w }, (_, c) => c).filter((c) => !block.includes(c));
    // The dense head's importance ranks ŝ's coordinates (the specialist's refit starts from the dense fit, so they line up).
    const importance = denseSeen.state.importance[j];
    const byImportance = [...outside].sort((a, b) => importance[b] - importance[a]);
    const oracle: number[] = [];
    for (let m = 0; m < extra; m++) {
      let best = -1, bestAcc = -1;
      for (const c of outside.filter((c) => !oracle.includes(c))) {
        const acc = accuracy([...block, ...oracle, c]);
        if (acc > bestAcc) [best, bestAcc] = [c, acc];
      }
      oracle.push(best);
      log(`task ${j}: block + ${m + 1} coordinate(s): by the dense head's importance ${accuracy([...block, ...byImportance.slice(0, m + 1)]).toFixed(3)}, oracle ${bestAcc.toFixed(3)} (coordinate ${best}, dense importance rank ${byImportance.indexOf(best) + 1} of ${outside.length})`);
    }
    // The dense head's own ŝ, cut to its most important coordinates: do few coordinates of any fit read the unseen fonts worse?
    const dTrain = denseSeen.transform(gatherSteps(latents, train)), dTest = denseSeen.transform(gatherSteps(held, test));
    const ranks = Array.from({ length: w }, (_, c) => c).sort((a, b) => importance[b] - importance[a]);
    const denseTop = [5, 10, 20, 40, w].map((m) => {
      const cols = ranks.slice(0, m);
      const p = linearProbe(pick(dTrain, cols), y).predict(pick(dTest, cols)).data;
      const right = truth.filter((c, r) => {
        let best = 0;
        for (let k = 1; k < 10; k++) if (p[r * 10 + k] > p[r * 10 + best]) best = k;
        return best === c;
      }).length;
      return `${m}: ${(right / truth.length).toFixed(3)}`;
    });
    log(`task ${j}: linear one-hot read-out from the dense ŝ's most important coordinates (of the dense fit without fonts ${unseen.join(',')}), on them: ${denseTop.join(', ')}`);
    const share = (cols: number[]) => cols.reduce((a, c) => a + importance[c], 0) / importance.reduce((a, v) => a + v, 0);
    log(`task ${j}: linear one-hot read-out trained on fonts ${seen.join(',')}, on fonts ${unseen.join(',')}: block [${block.join(', ')}] ${accuracy(block).toFixed(3)} (${(100 * share(block)).toFixed(0)}% of the dense head's importance), all of the specialist's ŝ ${accuracy(outside.concat(block)).toFixed(3)}, the dense ŝ ${readOut((x) => denseSeen.transform(x), j).toFixed(3)}, the latents ${readOut((x) => x, j).toFixed(3)}`);
  }
}
