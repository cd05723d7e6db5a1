// Seeded data sets for calibrating CI tests: x and y both depend strongly on z and are independent
// given z (the null), or, with `dependence` > 0, y also depends on x's noise (an alternative).
//
//   z ~ N(0, I_dz);  x_j = f_j(z) + s e_j;  y_j = g_j(z) + s e'_j (+ dependence * e_1)
//
// 'nonlinear': each f, g is a sum of three tanh ridge units with random directions, rescaled to unit
// variance; the noises e are Laplace (heavier tails than Gaussian), all of unit variance.
// 'linear': f, g are random unit-variance linear maps and the noises Gaussian, the world where
// Fisher z is exact (or Laplace with `noise`). The noise scale s sets the share of each column's variance that z explains,
// `explained` (R^2): 0.7 by default, "strongly dependent".

import { SpecialistError } from '../core/errors.ts';
import { createRng, type Rng } from '../core/random.ts';
import type { Matrix } from '../core/tensor.ts';

/**
 * The size and kind of a CI world: rows, the widths of x, y and z, the dependence and the share z
 * explains.
 */
export interface CiWorldOptions {
  rows: number;
  /** Columns of z. */
  dz: number;
  /** Columns of x. Default 1. */
  dx?: number;
  /** Columns of y. Default 1. */
  dy?: number;
  /** Share of each column of x and y that z explains. Default 0.7. */
  explained?: number;
  /** Default 'nonlinear'. */
  kind?: 'nonlinear' | 'linear';
  /** Noise of x and y: Laplace (default for 'nonlinear') or Gaussian (default for 'linear'). */
  noise?: 'laplace' | 'gaussian';
  /** Weight of x's first noise in every column of y: 0 (default) is the null, more is dependence given z. */
  dependence?: number;
  seed?: number;
}

/** The samples of ciWorld and the query to test on them. */
export interface CiWorld {
  /** Columns [x, y, z], one row per sample. */
  data: Matrix;
  query: { x: number[]; y: number[]; z: number[] };
}

type Fn = (z: Float64Array) => number;

function laplace(rng: Rng): number {
  const u = rng.next() - 0.5;
  return (-Math.sign(u) * Math.log(1 - 2 * Math.abs(u))) / Math.SQRT2;
}

/** A random function of z with unit variance under z ~ N(0, I) (scaled on a seeded pilot sample). */
function randomFunction(rng: Rng, dz: number, kind: 'nonlinear' | 'linear'): Fn {
  if (kind === 'linear') {
    // a . z has variance |a|^2 exactly: no pilot sample needed (it would cost 2000 dz draws per column).
    const a = Float64Array.from({ length: dz }, () => rng.normal());
    const norm = Math.hypot(...a) || 1;
    return (z) => z.reduce((s, v, i) => s + a[i] * v, 0) / norm;
  }
  const units = Array.from({ length: 3 }, () => ({
    a: Float64Array.from({ length: dz }, () => (1.5 * rng.normal()) / Math.sqrt(dz)),
    b: 0.5 * rng.normal(),
    c: rng.normal(),
  }));
  const raw: Fn = (z) => units.reduce((s, u) => s + u.c * Math.tanh(u.a.reduce((t, ai, i) => t + ai * z[i], u.b)), 0);
  const pilot = rng.fork();
  const values = Array.from({ length: 2000 }, () => raw(Float64Array.from({ length: dz }, () => pilot.normal())));
  const mean = values.reduce((a, b) => a + b, 0) / values.length;
  const sd = Math.sqrt(values.reduce((a, b) => a + (b - mean) ** 2, 0) / values.length) || 1;
  return (z) => (raw(z) - mean) / sd;
}

/**
 * One conditional-independence problem with a known answer: x and y dependent given z or not,
 * linear or nonlinear, at a chosen strength.
 */
export function ciWorld(options: CiWorldOptions): CiWorld {
  const { rows: n, dz } = options;
  const dx = options.dx ?? 1;
  const dy = options.dy ?? 1;
  const explained = options.explained ?? 0.7;
  const kind = options.kind ?? 'nonlinear';
  const dependence = options.dependence ?? 0;
  for (const [name, v, min] of [['rows', n, 1], ['dz', dz, 0], ['dx', dx, 1], ['dy', dy, 1]] as const) {
    if (!Number.isInteger(v) || v < min || v > 1e7) throw new SpecialistError('INVALID_ARGUMENT', `${name} must be an integer in [${min}, 1e7], got ${v}`, { argument: name, value: v });
  }
  if (!(explained > 0 && explained < 1)) throw new SpecialistError('INVALID_ARGUMENT', `explained must be in (0, 1), got ${explained}`, { argument: 'explained', value: explained });
  const rng = createRng(options.seed ?? 0);
  const fx = Array.from({ length: dx }, () => randomFunction(rng, dz, kind));
  const fy = Array.from({ length: dy }, () => randomFunction(rng, dz, kind));
  const noiseScale = Math.sqrt((1 - explained) / explained);
  const gaussian = (options.noise ?? (kind === 'linear' ? 'gaussian' : 'laplace')) === 'gaussian';
  const noise = () => (gaussian ? rng.normal() : laplace(rng));
  const cols = dx + dy + dz;
  const data = new Float32Array(n * cols);
  const z = new Float64Array(dz);
  for (let r = 0; r < n; r++) {
    for (let j = 0; j < dz; j++) z[j] = rng.normal();
    const ex = Array.from({ length: dx }, noise);
    const row = r * cols;
    fx.forEach((f, j) => (data[row + j] = f(z) + noiseScale * ex[j]));
    fy.forEach((g, j) => (data[row + dx + j] = g(z) + noiseScale * noise() + dependence * ex[0]));
    data.set(z, row + dx + dy);
  }
  const range = (from: number, count: number) => Array.from({ length: count }, (_, i) => from + i);
  return { data: { data, rows: n, cols }, query: { x: range(0, dx), y: range(dx, dy), z: range(dx + dy, dz) } };
}
