// One bias-corrected Adam update of a parameter vector.
// Registry entries (validate, float64 TypeScript reference, wasm binding) beside their code;
// the trainer calls the same exports on resident buffers.
import { SpecialistError } from '../../core/errors.ts';
import { checkFinite } from '../../core/tensor.ts';
import { scoped, type KernelRuntime } from '../runtime.ts';

export interface AdamInput {
  param: Float32Array;
  grad: Float32Array;
  m: Float32Array;
  v: Float32Array;
  /** 1-based step count, for the bias corrections. */
  step: number;
  lr: number;
  /** Defaults 0.9, 0.999, 1e-8. */
  beta1?: number;
  beta2?: number;
  eps?: number;
}
export interface AdamOutput {
  param: Float32Array;
  m: Float32Array;
  v: Float32Array;
}

function validateAdam(input: AdamInput): void {
  const len = input.param?.length;
  for (const name of ['param', 'grad', 'm', 'v'] as const) {
    const a = input[name];
    if (!(a instanceof Float32Array) || a.length !== len) throw new SpecialistError('SHAPE_MISMATCH', `${name} must be a Float32Array of length ${len}`, { argument: name });
    checkFinite(name, a);
  }
  if (!Number.isInteger(input.step) || input.step < 1) throw new SpecialistError('INVALID_ARGUMENT', `step must be a positive integer, got ${input.step}`);
  if (!(input.lr > 0 && Number.isFinite(input.lr))) throw new SpecialistError('INVALID_ARGUMENT', `lr must be positive and finite, got ${input.lr}`);
  for (const [name, v] of [['beta1', input.beta1 ?? 0.9], ['beta2', input.beta2 ?? 0.999]] as const) {
    if (!(v >= 0 && v < 1)) throw new SpecialistError('INVALID_ARGUMENT', `${name} must be in [0, 1), got ${v}`);
  }
  if (!((input.eps ?? 1e-8) > 0)) throw new SpecialistError('INVALID_ARGUMENT', `eps must be positive, got ${input.eps}`);
}

function adamConstants(input: AdamInput) {
  const beta1 = input.beta1 ?? 0.9, beta2 = input.beta2 ?? 0.999;
  return { beta1, beta2, eps: input.eps ?? 1e-8, bc1: 1 - beta1 ** input.step, bc2: 1 - beta2 ** input.step };
}

function referenceAdam(input: AdamInput): AdamOutput {
  const { beta1, beta2, eps, bc1, bc2 } = adamConstants(input);
  const param = input.param.slice(), m = input.m.slice(), v = input.v.slice();
  for (let i = 0; i < param.length; i++) {
    const g = input.grad[i];
    m[i] = beta1 * input.m[i] + (1 - beta1) * g;
    v[i] = beta2 * input.v[i] + (1 - beta2) * g * g;
    param[i] = input.param[i] - (input.lr * (m[i] / bc1)) / (Math.sqrt(v[i] / bc2) + eps);
  }
  return { param, m, v };
}

function wasmAdam(kernels: KernelRuntime, input: AdamInput): AdamOutput {
  const { beta1, beta2, eps, bc1, bc2 } = adamConstants(input);
  const len = input.param.length;
  return scoped(kernels, (k, mem) => {
    const [pp, pg, pm, pv] = [0, 1, 2, 3].map(() => mem.alloc(len * 4));
    mem.f32(pp, len).set(input.param);
    mem.f32(pg, len).set(input.grad);
    mem.f32(pm, len).set(input.m);
    mem.f32(pv, len).set(input.v);
    k.adamStep(pp, pg, pm, pv, len, input.lr, beta1, beta2, eps, bc1, bc2);
    return { param: mem.f32(pp, len).slice(), m: mem.f32(pm, len).slice(), v: mem.f32(pv, len).slice() };
  });
}


export const adamStep = {
  name: 'adamStep',
  summary: 'One bias-corrected Adam update of a parameter vector.',
  validate: validateAdam,
  reference: referenceAdam,
  wasm: wasmAdam,
} as const;
