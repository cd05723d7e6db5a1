// `specialist-sdk citest`: one conditional-independence test X _||_ Y | Z on .npy files.
import { SpecialistError } from '../core/errors.ts';
import { KernelRuntime } from '../kernels/runtime.ts';
import { matrixOf, type Matrix } from '../core/tensor.ts';
import { ciTestFromSpec } from '../structure/ci/builtins.ts';
import { SEED } from './args.ts';
import { ciTestConditions } from './ci-test-options.ts';
import type { Command } from './commands.ts';
import { readMatrixNpy } from './files.ts';

/** Puts the blocks side by side as the columns of one matrix, returning each block's columns. */
function sideBySide(blocks: Matrix[]): { data: Matrix; columns: number[][] } {
  const n = blocks[0].rows;
  const width = blocks.reduce((a, b) => a + b.cols, 0);
  const data = new Float32Array(n * width);
  const columns: number[][] = [];
  let offset = 0;
  for (const block of blocks) {
    for (let r = 0; r < n; r++) for (let c = 0; c < block.cols; c++) data[r * width + offset + c] = block.data[r * block.cols + c];
    columns.push(Array.from({ length: block.cols }, (_, c) => offset + c));
    offset += block.cols;
  }
  return { data: { data, rows: n, cols: width }, columns };
}

export const citestCommand: Command = {
  name: 'citest',
  summary: 'One conditional-independence test of X and Y given Z (Fisher z, GCM, RCoT or kNN-CMI)',
  usage:
    'specialist-sdk citest --x X.npy --y Y.npy [--z Z.npy] --test fisherz|gcm|rcot|cmiknn [--knn K] [--permutations P]\n' +
    '      [--shuffle-neighbors S] [--seed N] [--json]\n' +
    '  Arrays [n] or [n, dim], one row per sample.',
  options: { x: 'string', y: 'string', z: 'string', test: 'string', knn: 'string', permutations: 'string', 'shuffle-neighbors': 'string', seed: 'string' },
  conditions: ciTestConditions(['fisherz', 'gcm', 'rcot', 'cmiknn']),
  async run(options, io) {
    const paths = { x: options.requireString('x'), y: options.requireString('y'), z: options.string('z') };
    const test = options.choice('test', ['fisherz', 'gcm', 'rcot', 'cmiknn'] as const, 'fisherz');
    const knn = options.optionalNumber('knn', { min: 1e-9, max: 100_000 });
    const permutations = options.optionalNumber('permutations', { integer: true, min: 1, max: 100_000 });
    const shuffleNeighbors = options.optionalNumber('shuffle-neighbors', { integer: true, min: 1, max: 10_000 });
    const seed = options.number('seed', 0, SEED);
    const json = options.flag('json');
    options.rejectUnknown();
    const blocks = [matrixOf('x', await readMatrixNpy(paths.x, 'x')), matrixOf('y', await readMatrixNpy(paths.y, 'y'))];
    if (paths.z) blocks.push(matrixOf('z', await readMatrixNpy(paths.z, 'z')));
    const n = blocks[0].rows;
    blocks.forEach((b, i) => {
      if (b.rows !== n) throw new SpecialistError('SHAPE_MISMATCH', `--${'xyz'[i]} has ${b.rows} rows, --x has ${n}`, { argument: 'xyz'[i] });
    });
    const { data, columns } = sideBySide(blocks);
    const started = performance.now();
    const runtime = await KernelRuntime.create();
    const ci = ciTestFromSpec(test === 'cmiknn' ? { name: test, options: { knn, permutations, shuffleNeighbors, adaptive: false } } : { name: test });
    const prepared = ci.prepare(data, { kernels: runtime, seed });
    try {
      const result = prepared.test({ x: columns[0], y: columns[1], z: columns[2] ?? [] });
      const report = { statistic: result.statistic, pValue: result.pValue, n, test, ...(result.permutations !== undefined ? { permutations: result.permutations } : {}), ...(result.rank ? { rank: result.rank } : {}), elapsedMs: Math.round((performance.now() - started) * 100) / 100 };
      if (json) io.out(JSON.stringify(report));
      else io.out(`${test}: statistic ${result.statistic.toPrecision(6)}, p-value ${result.pValue.toPrecision(4)} (n = ${n}${paths.z ? `, |Z| = ${blocks[2].cols}` : ''})`);
      return 0;
    } finally {
      prepared.dispose?.();
    }
  },
};
