// Run: npm run build && node examples/kernels-in-workers.mjs
// kNN distances of 5,000 points off the main thread, with progress and a deadline.
import { WorkerPool, createRng, isSpecialistError, runKernelInWorker } from '../dist/node.js';

const rng = createRng(1);
const n = 5000, d = 8;
const points = { data: Float32Array.from({ length: n * d }, () => rng.normal()), rows: n, cols: d };

const pool = await WorkerPool.create();
console.log(`kernel build ${pool.build}, ${pool.size} workers`);
try {
  const knn = await runKernelInWorker(pool, 'knnDistance', { points, k: 10 }, {
    signal: AbortSignal.timeout(10_000),
    onProgress: (done, total) => process.stdout.write(`\r${Math.round((100 * done) / total)}%`),
  });
  console.log(`\nmedian 10th-neighbour distance: ${[...knn].sort((a, b) => a - b)[n >> 1].toFixed(4)}`);
} catch (error) {
  if (isSpecialistError(error, 'ABORTED')) console.error('took too long:', error.message);
  else throw error;
} finally {
  await pool.close();
}
