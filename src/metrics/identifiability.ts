// Block identifiability metrics: R^2 of a kernel ridge regression (RBF kernel, held-out rows) from a
// representation to a target block, and the mean correlation coefficient under the optimal
// one-to-one assignment of coordinates (Hungarian algorithm).
import { SpecialistError } from '../core/errors.ts';
import { createRng } from '../core/random.ts';
import { matrixOf, type Matrix, type Tensor } from '../core/tensor.ts';
import { choleskyInPlace, solveCholesky } from '../stats/cholesky.ts';


/** Options of kernelRidgeR2: the rows to fit and to score, the ridge, the seed. */
export interface KernelRidgeOptions {
  /** Rows used to fit (drawn without replacement). Default 1000. */
  trainRows?: number;
  /** Held-out rows scored. Default 500. */
  testRows?: number;
  /** Ridge added to the kernel diagonal. Default 1e-3. */
  ridge?: number;
  /** Default 0. */
  seed?: number;
}

function standardisedColumns(m: Matrix, rows: Int32Array): Float64Array[] {
  return Array.from({ length: m.cols }, (_, c) => {
    const v = Float64Array.from(rows, (r) => m.data[r * m.cols + c]);
    const mean = v.reduce((a, b) => a + b, 0) / v.length;
    const sd = Math.sqrt(v.reduce((a, b) => a + (b - mean) ** 2, 0) / v.length) || 1;
    return v.map((x) => (x - mean) / sd);
  });
}

/**
 * Held-out R^2 of kernel ridge regression from x to each column of y, and their mean. The RBF
 * bandwidth is the median pairwise distance of the (standardised) training inputs. An empty x
 * (no coordinates) predicts the training mean: R^2 about 0. Each column's R^2 is clipped at 0.
 */
export function kernelRidgeR2(xTensor: Tensor, yTensor: Tensor, options: KernelRidgeOptions = {}): { mean: number; perColumn: number[] } {
  const x = matrixOf('x', xTensor), y = matrixOf('y', yTensor);
  if (x.rows !== y.rows) throw new SpecialistError('SHAPE_MISMATCH', `x has ${x.rows} rows, y ${y.rows}`);
  const ridge = options.ridge ?? 1e-3;
  const rng = createRng(options.seed ?? 0);
  const order = Int32Array.from({ length: x.rows }, (_, i) => i);
  for (let i = order.length - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    [order[i], order[j]] = [order[j], order[i]];
  }
  const nTrain = Math.min(options.trainRows ?? 1000, Math.floor(x.rows * 0.7));
  const nTest = Math.min(options.testRows ?? 500, x.rows - nTrain);
  if (nTrain < 2 || nTest < 1) throw new SpecialistError('SHAPE_MISMATCH', `kernel ridge needs more rows than ${x.rows}`);
  const rows = order.slice(0, nTrain + nTest);
  const xs = standardisedColumns(x, rows);
  const ys = Array.from({ length: y.cols }, (_, c) => Float64Array.from(rows, (r) => y.data[r * y.cols + c]));
  const dist2 = (i: number, j: number) => {
    let s = 0;
    for (const col of xs) s += (col[i] - col[j]) ** 2;
    return s;
  };
  const sample: number[] = [];
  for (let i = 0; i < Math.min(nTrain, 300); i++) for (let j = i + 1; j < Math.min(nTrain, 300); j++) sample.push(dist2(i, j));
  sample.sort((a, b) => a - b);
  const median = sample[sample.length >> 1] || 1;
  const gamma = 1 / median;
  const k = new Float64Array(nTrain * nTrain);
  for (let i = 0; i < nTrain; i++) {
    for (let j = 0; j <= i; j++) {
      const v = Math.exp(-gamma * dist2(i, j));
      k[i * nTrain + j] = v;
      k[j * nTrain + i] = v;
    }
    k[i * nTrain + i] += ridge;
  }
  if (choleskyInPlace(k, nTrain) >= 0) {
    throw new SpecialistError('INVALID_ARGUMENT', `the kernel matrix is not positive definite at ridge ${ridge}; raise ridge`, { argument: 'ridge', value: ridge });
  }
  const cross = new Float64Array(nTest * nTrain);
  for (let t = 0; t < nTest; t++) for (let i = 0; i < nTrain; i++) cross[t * nTrain + i] = Math.exp(-gamma * dist2(nTrain + t, i));
  const perColumn = ys.map((col) => {
    const train = col.subarray(0, nTrain);
    const mean = train.reduce((a, b) => a + b, 0) / nTrain;
    const alpha = solveCholesky(k, nTrain, train.map((v) => v - mean));
    let sse = 0, sst = 0;
    const testMean = col.subarray(nTrain).reduce((a, b) => a + b, 0) / nTest;
    for (let t = 0; t < nTest; t++) {
      let p = mean;
      for (let i = 0; i < nTrain; i++) p += cross[t * nTrain + i] * alpha[i];
      sse += (col[nTrain + t] - p) ** 2;
      sst += (col[nTrain + t] - testMean) ** 2;
    }
    // Below 0 the regression does worse than the mean (overfitting noise): reported as 0.
    return sst > 0 ? Math.max(0, 1 - sse / sst) : 0;
  });
  return { mean: perColumn.reduce((a, b) => a + b, 0) / Math.max(1, perColumn.length), perColumn };
}

/**
 * Minimum-cost assignment of the rows of a square or wide cost matrix [n, m] (n <= m) to distinct
 * columns (Hungarian algorithm with potentials, O(n^2 m)). Returns the column of each row.
 */
export function hungarian(cost: ArrayLike<number>, n: number, m: number): Int32Array {
  if (n > m) throw new SpecialistError('INVALID_ARGUMENT', `hungarian needs rows <= columns, got [${n}, ${m}]`);
  const u = new Float64Array(n + 1), v = new Float64Array(m + 1);
  const p = new Int32Array(m + 1), way = new Int32Array(m + 1);
  for (let i = 1; i <= n; i++) {
    p[0] = i;
    let j0 = 0;
    const minv = new Float64Array(m + 1).fill(Infinity);
    const used = new Uint8Array(m + 1);
    do {
      used[j0] = 1;
      const i0 = p[j0];
      let delta = Infinity, j1 = 0;
      for (let j = 1; j <= m; j++) {
        if (used[j]) continue;
        const cur = cost[(i0 - 1) * m + (j - 1)] - u[i0] - v[j];
        if (cur < minv[j]) {
          minv[j] = cur;
          way[j] = j0;
        }
        if (minv[j] < delta) {
          delta = minv[j];
          j1 = j;
        }
      }
      for (let j = 0; j <= m; j++) {
        if (used[j]) {
          u[p[j]] += delta;
          v[j] -= delta;
        } else minv[j] -= delta;
      }
      j0 = j1;
    } while (p[j0] !== 0);
    do {
      const j1 = way[j0];
      p[j0] = p[j1];
      j0 = j1;
    } while (j0);
  }
  const assignment = new Int32Array(n).fill(-1);
  for (let j = 1; j <= m; j++) if (p[j] > 0) assignment[p[j] - 1] = j - 1;
  return assignment;
}

/**
 * Mean correlation coefficient: |Pearson correlation| between every true and estimated
 * coordinate, matched one to one to maximise the total; the mean over the true coordinates
 * (an estimate with fewer columns leaves the unmatched ones at 0).
 */
export function meanCorrelation(truthTensor: Tensor, estimateTensor: Tensor): { mcc: number; assignment: Int32Array } {
  const truth = matrixOf('truth', truthTensor), estimate = matrixOf('estimate', estimateTensor);
  if (truth.rows !== estimate.rows) throw new SpecialistError('SHAPE_MISMATCH', `truth has ${truth.rows} rows, estimate ${estimate.rows}`);
  const all = Int32Array.from({ length: truth.rows }, (_, i) => i);
  const t = standardisedColumns(truth, all), e = standardisedColumns(estimate, all);
  const n = t.length, m = Math.max(n, e.length);
  const corr = new Float64Array(n * m);
  for (let i = 0; i < n; i++) for (let j = 0; j < e.length; j++) {
    let s = 0;
    for (let r = 0; r < truth.rows; r++) s += t[i][r] * e[j][r];
    corr[i * m + j] = Math.abs(s / truth.rows);
  }
  const assignment = hungarian(corr.map((c) => -c), n, m);
  let total = 0;
  assignment.forEach((j, i) => (total += corr[i * m + j]));
  return { mcc: total / n, assignment: assignment.map((j) => (j < e.length ? j : -1)) };
}
