// `specialist-sdk structure`: Layer 1 from files: which time steps serve which task.
import { discoverTaskStructure } from '../structure/discover.ts';
import { WorkerPool } from '../worker/pool.ts';
import { SEED } from './args.ts';
import { ciTestConditions } from './ci-test-options.ts';
import type { Command } from './commands.ts';
import { readFloatNpy, readLabelsNpy } from './files.ts';
import { ProgressBar } from './progress.ts';
import { readTruth, relationVerdict } from './verdict.ts';

export const structureCommand: Command = {
  name: 'structure',
  summary: 'Layer 1: decide by conditional-independence tests which segments of steps serve which task',
  usage:
    'specialist-sdk structure --states S.npy --tasks G.npy --segment-length L [--method direct|pairwise] [--test auto|fisherz|gcm|rcot|intersection|cmiknn]\n' +
    '      [--alpha 0.05] [--correction bh|bonferroni|none] [--rule clique|union] [--conditioning neighbours|all-states]\n' +
    '      [--reduction auto|none|K] [--knn K] [--permutations P] [--shuffle-neighbors S] [--drop-tail] [--no-alignment-check] [--truth truth.json] [--seed N] [--json]\n' +
    '  S [n, T] or [n, T, d]; G [n, M] or [n, M, dg]; one row per episode. --truth (as synth writes it) adds a verdict.',
  options: {
    states: 'string', tasks: 'string', 'segment-length': 'string', method: 'string', test: 'string', alpha: 'string', correction: 'string', rule: 'string',
    conditioning: 'string', reduction: 'string', knn: 'string', permutations: 'string', 'shuffle-neighbors': 'string', 'drop-tail': 'boolean', 'no-alignment-check': 'boolean', seed: 'string', truth: 'string',
  },
  // Refused where they do not apply: a test's own options with another test, --conditioning with pairwise, --rule with direct.
  conditions: { ...ciTestConditions(['auto', 'fisherz', 'gcm', 'rcot', 'intersection', 'cmiknn']), conditioning: { method: ['direct'] }, 'no-alignment-check': { method: ['direct'] }, rule: { method: ['pairwise'] } },
  async run(options, io) {
    const statesPath = options.requireString('states');
    const tasksPath = options.requireString('tasks');
    const segmentLength = options.requireNumber('segment-length', { integer: true, min: 2, max: 100_000 });
    const method = options.choice('method', ['direct', 'pairwise'] as const, 'direct');
    // 'auto': Fisher z where the data are close enough to linear for its level to hold, else the GCM
    // (confirmed by RCoT, 'intersection', on conditioning sets wider than 32 columns; normal scores
    // where the tails are heavy).
    const test = options.choice('test', ['auto', 'fisherz', 'gcm', 'rcot', 'intersection', 'cmiknn'] as const, 'auto');
    const alpha = options.number('alpha', 0.05, { min: 1e-12, max: 1 });
    const correction = options.choice('correction', ['bh', 'bonferroni', 'none'] as const, 'bh');
    const rule = options.choice('rule', ['clique', 'union'] as const, 'clique');
    const conditioning = options.string('conditioning') === undefined ? undefined : options.choice('conditioning', ['neighbours', 'all-states'] as const, 'neighbours');
    // Each step's states on the principal components the data support ('auto'), as given ('none'), or K of them.
    const reductionWord = options.string('reduction') ?? 'auto';
    const reduction = reductionWord === 'auto' || reductionWord === 'none' ? reductionWord : options.requireNumber('reduction', { integer: true, min: 1, max: 4096 });
    const knn = options.optionalNumber('knn', { min: 1e-9, max: 100_000 });
    const permutations = options.optionalNumber('permutations', { integer: true, min: 1, max: 100_000 });
    const shuffleNeighbors = options.optionalNumber('shuffle-neighbors', { integer: true, min: 1, max: 10_000 });
    const dropTail = options.flag('drop-tail');
    // The check that segments line up with the tasks (direct method) costs extra tests; it can be skipped.
    const alignmentCheck = !options.flag('no-alignment-check');
    const truthPath = options.string('truth');
    const seed = options.number('seed', 0, SEED);
    const json = options.flag('json');
    options.rejectUnknown();
    const states = await readFloatNpy(statesPath);
    const notes: string[] = [];
    const tasks = await readLabelsNpy(tasksPath, notes);
    const truth = truthPath ? await readTruth(truthPath) : undefined;
    // kNN-CMI, GCM and RCoT tests are independent and slow: spread them over the cores (Fisher z, also
    // when 'auto' picks it, runs in this thread and ignores the pool).
    const pool = test !== 'fisherz' ? await WorkerPool.create() : undefined;
    const bar = new ProgressBar(json ? undefined : process.stderr);
    try {
      const spec = test === 'cmiknn' ? { name: test, options: { knn, permutations, shuffleNeighbors } } : test === 'auto' ? test : { name: test };
      const result = await discoverTaskStructure(states, tasks, { segmentLength, method, test: spec, alpha, correction, rule, conditioning, reduction, dropTail, alignmentCheck, seed }, {
        pool,
        onProgress: ({ done, total }) => bar.update('CI tests', done, total),
      });
      bar.done();
      const verdict = truth && relationVerdict(result.relation, truth);
      if (json) {
        io.out(JSON.stringify({
          segments: result.segments,
          segmentLength: result.segmentLength,
          relation: result.relation,
          stepTasks: result.stepTasks,
          pValues: result.pValues,
          directPValues: result.directPValues,
          undetectable: result.undetectable,
          dependentPairs: result.diagnostic?.dependentPairs ?? null,
          method: result.method,
          test: result.test,
          testChoice: result.testChoice,
          reduction: result.reduction,
          alignment: result.alignment,
          warnings: [...notes, ...result.warnings],
          verdict: verdict ? { relationMatches: verdict.relationMatches, wrongCells: verdict.wrongCells, accuracy: verdict.accuracy, mcc: verdict.mcc } : null,
          alpha: result.alpha,
          correction: result.correction,
          rule: result.rule,
          conditioning: result.conditioning,
          tests: result.tests,
          elapsedMs: Math.round(result.elapsedMs * 100) / 100,
        }));
      } else {
        io.out(`${result.segments} segments of ${result.segmentLength} steps, ${result.relation[0]?.length ?? 0} tasks; ${result.tests} ${result.test} tests (${result.method}, ${result.correction}), ${result.elapsedMs.toFixed(1)} ms`);
        if (result.reduction) io.out(`  reduction: ${result.reduction.reason}`);
        if (result.testChoice) io.out(`  test auto: ${result.testChoice.reason}`);
        result.relation.forEach((row, k) => io.out(`  segment ${String(k).padStart(2)} (steps ${k * segmentLength}-${k * segmentLength + segmentLength - 1}): tasks ${row.flatMap((v, i) => (v ? [i] : [])).join(', ') || '-'}`));
        if (result.undetectable.length) io.out(`  no segment found for tasks ${result.undetectable.join(', ')}`);
        const pairs = result.diagnostic?.dependentPairs ?? [];
        for (const line of verdict?.lines ?? []) io.out(`  ${line.replace(/^verdict +/, 'verdict: ')}`);
        for (const warning of [...notes, ...result.warnings]) io.out(`  warning: ${warning}`);
        if (pairs.length) io.out(`  warning: ${pairs.length} segment pairs are dependent without any task variable (a violated assumption or a false positive): ${pairs.map(([a, b]) => `${a}-${b}`).join(', ')}`);
      }
      return 0;
    } finally {
      await pool?.close();
    }
  },
};
