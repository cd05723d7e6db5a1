// Training kernels for small MLPs: dense layers (forward and backward), batch normalisation without
// affine parameters, Adam, the proximal group soft-threshold, and per-sample input Jacobians.
// Matrices are row-major float32; a dense layer computes y = act(x W + b) with W stored [din, dout].
// Activation codes: 0 identity, 1 leaky ReLU (max(x, slope x), slope in [0, 1)), 2 tanh.

import { gemm } from './linalg';
import { hsumF32, vmaddF32 } from './simd';

const ACT_IDENTITY = 0;
const ACT_LEAKY = 1;
const ACT_TANH = 2;

@inline function activate(v: f32, act: i32, slope: f32): f32 {
  if (act == ACT_LEAKY) return v >= 0 ? v : slope * v;
  if (act == ACT_TANH) return <f32>Math.tanh(<f64>v);
  return v;
}

/** d act / d pre, from the pre-activation (leaky) or the output (tanh: 1 - y^2). */
@inline function derivative(pre: f32, out: f32, act: i32, slope: f32): f32 {
  if (act == ACT_LEAKY) return pre >= 0 ? <f32>1 : slope;
  if (act == ACT_TANH) return <f32>1 - out * out;
  return 1;
}

/** pre [n, dout] = x [n, din] W + b; out = act(pre). `out` may equal `pre` for the identity. */
export function denseForward(x: usize, n: i32, din: i32, w: usize, dout: i32, b: usize, act: i32, slope: f32, pre: usize, out: usize): void {
  gemm(0, 0, n, dout, din, 1, x, w, 0, pre);
  for (let r = 0; r < n; r++) {
    const pr = pre + (<usize>r * <usize>dout << 2);
    const orow = out + (<usize>r * <usize>dout << 2);
    let j = 0;
    if (ASC_FEATURE_SIMD && act != ACT_TANH) {
      const vs = f32x4.splat(slope);
      for (; j + 4 <= dout; j += 4) {
        const o = <usize>j << 2;
        const v = f32x4.add(v128.load(pr + o), v128.load(b + o));
        v128.store(pr + o, v);
        // For slope in [0, 1), leaky ReLU is max(v, slope v); the pseudo-max avoids NaN handling.
        v128.store(orow + o, act == ACT_LEAKY ? f32x4.pmax(v, f32x4.mul(v, vs)) : v);
      }
    }
    for (; j < dout; j++) {
      const o = <usize>j << 2;
      const v = load<f32>(pr + o) + load<f32>(b + o);
      store<f32>(pr + o, v);
      store<f32>(orow + o, activate(v, act, slope));
    }
  }
}

/**
 * Backward pass of denseForward given dL/dout. Writes gradPre [n, dout] (scratch, may alias
 * gradOut), gradW [din, dout] = x^T gradPre, gradB [dout] = column sums of gradPre, and, unless
 * gradX is 0, gradX [n, din] = gradPre W^T (added to gradX when accumulateX, for inputs that feed
 * several layers).
 */
export function denseBackward(x: usize, n: i32, din: i32, w: usize, dout: i32, pre: usize, out: usize, gradOut: usize, act: i32, slope: f32,
  gradPre: usize, gradW: usize, gradB: usize, gradX: usize, accumulateX: i32): void {
  const total = <usize>n * <usize>dout;
  let q: usize = 0;
  if (ASC_FEATURE_SIMD && act != ACT_TANH) {
    const vs = f32x4.splat(slope);
    const one = f32x4.splat(1);
    const zero = f32x4.splat(0);
    for (; q + 4 <= total; q += 4) {
      const o = q << 2;
      let g = v128.load(gradOut + o);
      if (act == ACT_LEAKY) g = f32x4.mul(g, v128.bitselect(one, vs, f32x4.ge(v128.load(pre + o), zero)));
      v128.store(gradPre + o, g);
    }
  }
  for (; q < total; q++) {
    const o = q << 2;
    store<f32>(gradPre + o, load<f32>(gradOut + o) * derivative(load<f32>(pre + o), load<f32>(out + o), act, slope));
  }
  gemm(1, 0, din, dout, n, 1, x, gradPre, 0, gradW);
  for (let j = 0; j < dout; j++) store<f32>(gradB + (<usize>j << 2), 0);
  for (let r = 0; r < n; r++) {
    const row = gradPre + (<usize>r * <usize>dout << 2);
    let j = 0;
    if (ASC_FEATURE_SIMD) {
      for (; j + 4 <= dout; j += 4) {
        const o = <usize>j << 2;
        v128.store(gradB + o, f32x4.add(v128.load(gradB + o), v128.load(row + o)));
      }
    }
    for (; j < dout; j++) {
      const o = <usize>j << 2;
      store<f32>(gradB + o, load<f32>(gradB + o) + load<f32>(row + o));
    }
  }
  if (gradX != 0) gemm(0, 1, n, din, dout, 1, gradPre, w, accumulateX ? 1 : 0, gradX);
}

/**
 * out = (x - mean) * invStd per column. With `training`, mean and invStd = 1 / sqrt(var + eps) are
 * computed from this batch (biased variance) and written; otherwise the given ones are used.
 */
export function batchNormForward(x: usize, n: i32, d: i32, eps: f32, training: i32, mean: usize, invStd: usize, out: usize): void {
  const dd = <usize>d;
  if (training) {
    // Two passes in float64 per column: batches are small but inputs may sit far from zero.
    for (let c: usize = 0; c < dd; c++) {
      let s: f64 = 0;
      for (let r = 0; r < n; r++) s += <f64>load<f32>(x + ((<usize>r * dd + c) << 2));
      const m = s / <f64>n;
      let v: f64 = 0;
      for (let r = 0; r < n; r++) {
        const e = <f64>load<f32>(x + ((<usize>r * dd + c) << 2)) - m;
        v += e * e;
      }
      store<f32>(mean + (c << 2), <f32>m);
      store<f32>(invStd + (c << 2), <f32>(1.0 / Math.sqrt(v / <f64>n + <f64>eps)));
    }
  }
  for (let r = 0; r < n; r++) {
    const xr = x + (<usize>r * dd << 2);
    const or = out + (<usize>r * dd << 2);
    let c: usize = 0;
    if (ASC_FEATURE_SIMD) {
      for (; c + 4 <= dd; c += 4) {
        const o = c << 2;
        v128.store(or + o, f32x4.mul(f32x4.sub(v128.load(xr + o), v128.load(mean + o)), v128.load(invStd + o)));
      }
    }
    for (; c < dd; c++) {
      const o = c << 2;
      store<f32>(or + o, (load<f32>(xr + o) - load<f32>(mean + o)) * load<f32>(invStd + o));
    }
  }
}

/**
 * Backward of training-mode batchNormForward: with xhat its output and g = dL/dxhat,
 * dL/dx = invStd * (g - mean(g) - xhat * mean(g * xhat)) per column. `sums` is float32 [2 d] scratch.
 */
export function batchNormBackward(xhat: usize, gradOut: usize, n: i32, d: i32, invStd: usize, sums: usize, gradIn: usize): void {
  const dd = <usize>d;
  const sg = sums;
  const sgx = sums + (dd << 2);
  for (let c: usize = 0; c < dd; c++) {
    store<f32>(sg + (c << 2), 0);
    store<f32>(sgx + (c << 2), 0);
  }
  for (let r = 0; r < n; r++) {
    const base = <usize>r * dd << 2;
    let c: usize = 0;
    if (ASC_FEATURE_SIMD) {
      for (; c + 4 <= dd; c += 4) {
        const o = c << 2;
        const g = v128.load(gradOut + base + o);
        v128.store(sg + o, f32x4.add(v128.load(sg + o), g));
        v128.store(sgx + o, vmaddF32(g, v128.load(xhat + base + o), v128.load(sgx + o)));
      }
    }
    for (; c < dd; c++) {
      const g = load<f32>(gradOut + base + (c << 2));
      store<f32>(sg + (c << 2), load<f32>(sg + (c << 2)) + g);
      store<f32>(sgx + (c << 2), load<f32>(sgx + (c << 2)) + g * load<f32>(xhat + base + (c << 2)));
    }
  }
  const inv = <f32>1 / <f32>n;
  for (let c: usize = 0; c < dd; c++) {
    store<f32>(sg + (c << 2), load<f32>(sg + (c << 2)) * inv);
    store<f32>(sgx + (c << 2), load<f32>(sgx + (c << 2)) * inv);
  }
  for (let r = 0; r < n; r++) {
    const base = <usize>r * dd << 2;
    let c: usize = 0;
    if (ASC_FEATURE_SIMD) {
      for (; c + 4 <= dd; c += 4) {
        const o = c << 2;
        const centred = f32x4.sub(v128.load(gradOut + base + o), v128.load(sg + o));
        const g = f32x4.sub(centred, f32x4.mul(v128.load(xhat + base + o), v128.load(sgx + o)));
        v128.store(gradIn + base + o, f32x4.mul(g, v128.load(invStd + o)));
      }
    }
    for (; c < dd; c++) {
      const o = base + (c << 2);
      const g = load<f32>(gradOut + o) - load<f32>(sg + (c << 2)) - load<f32>(xhat + o) * load<f32>(sgx + (c << 2));
      store<f32>(gradIn + o, g * load<f32>(invStd + (c << 2)));
    }
  }
}

/**
 * One Adam step on `len` parameters: m, v are the moment estimates, bc1 = 1 - beta1^t and
 * bc2 = 1 - beta2^t the bias corrections of step t.
 */
export function adamStep(param: usize, grad: usize, m: usize, v: usize, len: i32, lr: f32, beta1: f32, beta2: f32, eps: f32, bc1: f32, bc2: f32): void {
  const step = lr / bc1;
  const invBc2 = <f32>1 / bc2;
  let i = 0;
  if (ASC_FEATURE_SIMD) {
    const b1 = f32x4.splat(beta1), c1 = f32x4.splat(<f32>1 - beta1);
    const b2 = f32x4.splat(beta2), c2 = f32x4.splat(<f32>1 - beta2);
    const vstep = f32x4.splat(step), vinv = f32x4.splat(invBc2), veps = f32x4.splat(eps);
    for (; i + 4 <= len; i += 4) {
      const o = <usize>i << 2;
      const g = v128.load(grad + o);
      const mi = f32x4.add(f32x4.mul(b1, v128.load(m + o)), f32x4.mul(c1, g));
      const vi = f32x4.add(f32x4.mul(b2, v128.load(v + o)), f32x4.mul(c2, f32x4.mul(g, g)));
      v128.store(m + o, mi);
      v128.store(v + o, vi);
      const denom = f32x4.add(f32x4.sqrt(f32x4.mul(vi, vinv)), veps);
      v128.store(param + o, f32x4.sub(v128.load(param + o), f32x4.div(f32x4.mul(vstep, mi), denom)));
    }
  }
  for (; i < len; i++) {
    const o = <usize>i << 2;
    const g = load<f32>(grad + o);
    const mi = beta1 * load<f32>(m + o) + (<f32>1 - beta1) * g;
    const vi = beta2 * load<f32>(v + o) + (<f32>1 - beta2) * (g * g);
    store<f32>(m + o, mi);
    store<f32>(v + o, vi);
    store<f32>(param + o, load<f32>(param + o) - (step * mi) / (<f32>Math.sqrt(<f64>(vi * invBc2)) + eps));
  }
}

/**
 * Proximal step of sum_r tau_r ||w_r||_2 over the rows of w [rows, cols]: each row is scaled by
 * max(0, 1 - tau_r / ||w_r||), so a row whose norm is below its threshold becomes exactly zero.
 * norms [rows] receives the norms after the step.
 */
export function groupSoftThreshold(w: usize, rows: i32, cols: i32, taus: usize, norms: usize): void {
  for (let r = 0; r < rows; r++) {
    const row = w + (<usize>r * <usize>cols << 2);
    let c = 0;
    let s: f32 = 0;
    if (ASC_FEATURE_SIMD) {
      let acc = f32x4.splat(0);
      for (; c + 4 <= cols; c += 4) {
        const v = v128.load(row + (<usize>c << 2));
        acc = vmaddF32(v, v, acc);
      }
      s = hsumF32(acc);
    }
    for (; c < cols; c++) {
      const v = load<f32>(row + (<usize>c << 2));
      s += v * v;
    }
    const norm = <f32>Math.sqrt(<f64>s);
    const tau = load<f32>(taus + (<usize>r << 2));
    const scale: f32 = norm > tau ? <f32>1 - tau / norm : 0;
    c = 0;
    if (ASC_FEATURE_SIMD) {
      const vs = f32x4.splat(scale);
      for (; c + 4 <= cols; c += 4) {
        const o = row + (<usize>c << 2);
        v128.store(o, f32x4.mul(v128.load(o), vs));
      }
    }
    for (; c < cols; c++) {
      const o = row + (<usize>c << 2);
      store<f32>(o, load<f32>(o) * scale);
    }
    store<f32>(norms + (<usize>r << 2), norm * scale);
  }
}

/**
 * One layer of the chain rule for per-sample input Jacobians. The layer maps h_prev -> h_next with
 * W [hPrev, hNext]; jPrev [n, hPrev, din] is d h_prev / d input (0 means the identity, the first
 * layer, with hPrev = din). jOut [n, hNext, din] = diag(act'(pre_s)) W^T jPrev_s for every sample.
 */
export function jacobianLayer(jPrev: usize, n: i32, hPrev: i32, din: i32, w: usize, hNext: i32, pre: usize, out: usize, act: i32, slope: f32, jOut: usize): void {
  const block = <usize>hNext * <usize>din;
  for (let s = 0; s < n; s++) {
    const js = jOut + (<usize>s * block << 2);
    if (jPrev == 0) {
      for (let o = 0; o < hNext; o++) {
        for (let i = 0; i < din; i++) store<f32>(js + ((<usize>o * <usize>din + <usize>i) << 2), load<f32>(w + ((<usize>i * <usize>hNext + <usize>o) << 2)));
      }
    } else {
      gemm(1, 0, hNext, din, hPrev, 1, w, jPrev + (<usize>s * <usize>hPrev * <usize>din << 2), 0, js);
    }
    if (act == ACT_IDENTITY) continue;
    const rowBase = <usize>s * <usize>hNext;
    for (let o = 0; o < hNext; o++) {
      const q = (rowBase + <usize>o) << 2;
      const dv = derivative(load<f32>(pre + q), load<f32>(out + q), act, slope);
      const jr = js + (<usize>o * <usize>din << 2);
      let i = 0;
      if (ASC_FEATURE_SIMD) {
        const vd = f32x4.splat(dv);
        for (; i + 4 <= din; i += 4) v128.store(jr + (<usize>i << 2), f32x4.mul(v128.load(jr + (<usize>i << 2)), vd));
      }
      for (; i < din; i++) store<f32>(jr + (<usize>i << 2), load<f32>(jr + (<usize>i << 2)) * dv);
    }
  }
}

/** out [len] = mean over the n samples of |j[s, q]|, for per-sample blocks j [n, len]. */
export function meanAbsRows(j: usize, n: i32, len: i32, out: usize): void {
  for (let q = 0; q < len; q++) store<f32>(out + (<usize>q << 2), 0);
  for (let s = 0; s < n; s++) {
    const js = j + (<usize>s * <usize>len << 2);
    let q = 0;
    if (ASC_FEATURE_SIMD) {
      for (; q + 4 <= len; q += 4) {
        const o = <usize>q << 2;
        v128.store(out + o, f32x4.add(v128.load(out + o), f32x4.abs(v128.load(js + o))));
      }
    }
    for (; q < len; q++) {
      const o = <usize>q << 2;
      store<f32>(out + o, load<f32>(out + o) + Mathf.abs(load<f32>(js + o)));
    }
  }
  const inv = <f32>1 / <f32>n;
  for (let q = 0; q < len; q++) store<f32>(out + (<usize>q << 2), load<f32>(out + (<usize>q << 2)) * inv);
}

/**
 * Gradient of P = weight / n * sum_s sum_{o,i} |J_s[o, i]| for a one-hidden-layer head
 * y = act(x W1 + b1) W2 + b2 with a piecewise-linear act (leaky ReLU, whose second derivative is
 * zero almost everywhere), where J_s = W2^T diag(act'(pre_s)) W1^T. Adds into gw1 [din, h] and
 * gw2 [h, dy]. j [n, dy, din] holds the Jacobians; pre [n, h] the hidden pre-activations.
 * scratch: float32 [h (1 + 2 dy)].
 */
export function jacobianL1Backward(j: usize, pre: usize, n: i32, din: i32, h: i32, dy: i32, w1: usize, w2: usize, act: i32, slope: f32, weight: f32,
  gw1: usize, gw2: usize, scratch: usize): void {
  const scale = weight / <f32>n;
  const blk = <usize>dy * <usize>din;
  const hh = <usize>h;
  // scratch: dk [h] | dk * w2 per output, [dy, h] | gradient of w2 transposed, [dy, h]; the two
  // [dy, h] blocks make every inner loop contiguous (w2 is [h, dy], so its columns are strided).
  const dk = scratch;
  const dkw2 = scratch + (hh << 2);
  const gw2t = dkw2 + (<usize>dy * hh << 2);
  memory.fill(gw2t, 0, <usize>dy * hh << 2);
  for (let s = 0; s < n; s++) {
    const js = j + (<usize>s * blk << 2);
    const ps = pre + (<usize>s * hh << 2);
    for (let k: usize = 0; k < hh; k++) store<f32>(dk + (k << 2), derivative(load<f32>(ps + (k << 2)), 0, act, slope) * scale);
    for (let o: usize = 0; o < <usize>dy; o++) {
      for (let k: usize = 0; k < hh; k++) {
        store<f32>(dkw2 + ((o * hh + k) << 2), load<f32>(dk + (k << 2)) * load<f32>(w2 + ((k * <usize>dy + o) << 2)));
      }
    }
    for (let o: usize = 0; o < <usize>dy; o++) {
      const jr = js + (o * <usize>din << 2);
      const dkw2o = dkw2 + (o * hh << 2);
      const gw2o = gw2t + (o * hh << 2);
      for (let i = 0; i < din; i++) {
        const jv = load<f32>(jr + (<usize>i << 2));
        if (jv == 0) continue;
        const sg: f32 = jv > 0 ? 1 : -1;
        const w1row = w1 + (<usize>i * hh << 2);
        const g1row = gw1 + (<usize>i * hh << 2);
        let k: usize = 0;
        if (ASC_FEATURE_SIMD) {
          const vs = f32x4.splat(sg);
          for (; k + 4 <= hh; k += 4) {
            const q = k << 2;
            v128.store(g1row + q, vmaddF32(vs, v128.load(dkw2o + q), v128.load(g1row + q)));
            v128.store(gw2o + q, vmaddF32(f32x4.mul(vs, v128.load(dk + q)), v128.load(w1row + q), v128.load(gw2o + q)));
          }
        }
        for (; k < hh; k++) {
          const q = k << 2;
          store<f32>(g1row + q, load<f32>(g1row + q) + sg * load<f32>(dkw2o + q));
          store<f32>(gw2o + q, load<f32>(gw2o + q) + sg * load<f32>(dk + q) * load<f32>(w1row + q));
        }
      }
    }
  }
  for (let o: usize = 0; o < <usize>dy; o++) {
    for (let k: usize = 0; k < hh; k++) {
      const p = w2p(k, o, dy);
      store<f32>(gw2 + p, load<f32>(gw2 + p) + load<f32>(gw2t + ((o * hh + k) << 2)));
    }
  }
}

@inline function w2p(k: usize, o: usize, dy: i32): usize {
  return (k * <usize>dy + o) << 2;
}
