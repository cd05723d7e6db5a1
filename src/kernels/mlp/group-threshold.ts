// The proximal step of the row-group l2 penalty on a head's input rows.
// Registry entries (validate, float64 TypeScript reference, wasm binding) beside their code;
// the trainer calls the same exports on resident buffers.
import { SpecialistError } from '../../core/errors.ts';
import { checkFinite, checkMatrix, type Matrix } from '../../core/tensor.ts';
import { scoped, type KernelRuntime } from '../runtime.ts';
import { mat } from './layer.ts';

export interface GroupThresholdInput {
  /** Groups are the rows of w (for a head's first layer: one row per input coordinate). */
  w: Matrix;
  /** One threshold per row, >= 0. */
  taus: Float32Array;
}
export interface GroupThresholdOutput {
  w: Matrix;
  /** Row norms after the step. */
  norms: Float32Array;
}

function validateGroupThreshold(input: GroupThresholdInput): void {
  checkMatrix('w', input.w);
  if (!(input.taus instanceof Float32Array) || input.taus.length !== input.w.rows) throw new SpecialistError('SHAPE_MISMATCH', `taus must be a Float32Array of length ${input.w.rows}`);
  checkFinite('taus', input.taus);
  if (input.taus.some((t) => t < 0)) throw new SpecialistError('INVALID_ARGUMENT', 'taus must be non-negative');
}

function referenceGroupThreshold({ w, taus }: GroupThresholdInput): GroupThresholdOutput {
  const out = w.data.slice();
  const norms = new Float32Array(w.rows);
  for (let r = 0; r < w.rows; r++) {
    let s = 0;
    for (let c = 0; c < w.cols; c++) s += w.data[r * w.cols + c] ** 2;
    const norm = Math.sqrt(s);
    const scale = norm > taus[r] ? 1 - taus[r] / norm : 0;
    for (let c = 0; c < w.cols; c++) out[r * w.cols + c] = w.data[r * w.cols + c] * scale;
    norms[r] = norm * scale;
  }
  return { w: mat(out, w.rows, w.cols), norms };
}

function wasmGroupThreshold(kernels: KernelRuntime, { w, taus }: GroupThresholdInput): GroupThresholdOutput {
  return scoped(kernels, (k, mem) => {
    const pw = mem.alloc(w.data.byteLength), pt = mem.alloc(taus.byteLength), pn = mem.alloc(w.rows * 4);
    mem.f32(pw, w.data.length).set(w.data);
    mem.f32(pt, taus.length).set(taus);
    k.groupSoftThreshold(pw, w.rows, w.cols, pt, pn);
    return { w: mat(mem.f32(pw, w.data.length).slice(), w.rows, w.cols), norms: mem.f32(pn, w.rows).slice() };
  });
}


export const groupSoftThreshold = {
  name: 'groupSoftThreshold',
  summary: 'Proximal step of a row-group l2 penalty: shrinks each row norm by its threshold, zeroing small rows.',
  validate: validateGroupThreshold,
  reference: referenceGroupThreshold,
  wasm: wasmGroupThreshold,
} as const;
