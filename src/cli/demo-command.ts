import { runReference } from '../kernels/registry.ts';
import { createRng } from '../random.ts';
import { WorkerPool } from '../worker/pool.ts';
import type { Command } from './commands.ts';
import { ProgressBar } from './progress.ts';

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

/**
 * The main job. Until the pipeline lands it exercises the kernel runtime end to end: seeded data,
 * kernels in the worker pool with progress, every result checked against its TypeScript reference.
 */
export const demoCommand: Command = {
  name: 'demo',
  summary: 'Run the main job on the embedded default (today: a kernel demo in workers)',
  usage: 'specialist demo [--n 2000] [--d 16] [--k 10] [--seed 1] [--json]',
  async run(options, io) {
    const n = options.number('n', 2000, { integer: true, min: 2, max: 20000 });
    const d = options.number('d', 16, { integer: true, min: 1, max: 4096 });
    const k = options.number('k', 10, { integer: true, min: 1, max: n - 1 });
    const seed = options.number('seed', 1, { integer: true });
    const json = options.flag('json');
    options.rejectUnknown();

    const rng = createRng(seed);
    const points = { data: Float32Array.from({ length: n * d }, () => rng.normal()), rows: n, cols: d };
    const pool = await WorkerPool.create();
    const bar = new ProgressBar(json ? undefined : process.stderr);
    const stages: Record<string, { ms: number; maxAbsDiffToReference: number }> = {};
    try {
      const run = async (label: string, job: () => Promise<ArrayLike<number>>, reference: () => ArrayLike<number>) => {
        const t0 = performance.now();
        const got = await job();
        const ms = performance.now() - t0;
        bar.done();
        stages[label] = { ms, maxAbsDiffToReference: maxAbsDiff(got, reference()) };
      };
      const progress = (label: string) => (done: number, total: number) => bar.update(label, done, total);
      const radius = await pool.runKernel('knnDistance', { points, k });
      await run('knnDistance', () => pool.runKernel('knnDistance', { points, k }, { onProgress: progress('kNN distance') }), () => runReference('knnDistance', { points, k }));
      await run('countWithinRadius', () => pool.runKernel('countWithinRadius', { points, radius }, { onProgress: progress('radius counts') }), () =>
        runReference('countWithinRadius', { points, radius }),
      );
      await run('covariance', async () => (await pool.runKernel('covariance', { x: points })).cov, () => runReference('covariance', { x: points }).cov);
      const summary = { build: pool.build, workers: pool.size, n, d, k, seed, stages };
      if (json) io.out(JSON.stringify(summary));
      else {
        io.out(`specialist demo: ${n} points x ${d} dims, kernel build ${pool.build}, ${pool.size} workers`);
        for (const [name, s] of Object.entries(stages)) {
          io.out(`  ${name.padEnd(18)} ${s.ms.toFixed(1).padStart(8)} ms   max |wasm - reference| = ${s.maxAbsDiffToReference.toExponential(2)}`);
        }
      }
      return Object.values(stages).every((s) => s.maxAbsDiffToReference < 1e-3) ? 0 : 1;
    } finally {
      await pool.close();
    }
  },
};
