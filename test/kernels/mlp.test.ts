// The MLP training kernels, in every wasm build this host runs: against their float64 TypeScript
// references on odd shapes, and every gradient and Jacobian against central finite differences
// of the same build's forward pass.
import assert from 'node:assert/strict';
import { describe, it, before } from 'node:test';
import { supportedBuilds, type KernelBuild } from '../../src/kernels/builds.ts';
import { KernelRuntime } from '../../src/kernels/runtime.ts';
import { kernelNames, runKernel, runReference } from '../../src/kernels/registry.ts';
import type { Activation } from '../../src/core/activation.ts';
import type { DenseLayer } from '../../src/kernels/mlp/layer.ts';
import type { Matrix } from '../../src/core/tensor.ts';
import { assertClose, createRng, expectCode, randomMatrix } from '../helpers.ts';
import type { Rng } from '../../src/core/random.ts';

const SHAPES: [n: number, din: number, dout: number][] = [[1, 1, 1], [3, 5, 7], [17, 4, 16], [33, 7, 3], [20, 13, 21], [64, 10, 32]];
const ACTS: Activation[] = ['identity', 'leakyRelu', 'tanh'];

function layer(rng: Rng, din: number, dout: number, activation: Activation, scale = 1): DenseLayer {
  const w = randomMatrix(rng, din, dout);
  w.data.forEach((v, i) => (w.data[i] = (v * scale) / Math.sqrt(din)));
  return { w, b: Float32Array.from({ length: dout }, () => rng.normal() * 0.3), activation, slope: 0.1 };
}

function close(rt: KernelRuntime, got: ArrayLike<number>, want: ArrayLike<number>, what: string, k = 1): void {
  // Summation order differs (4 lanes, fused multiply-add in relaxed SIMD): float32 rounding only.
  assertClose(got, want, { abs: 2e-5 * k, rel: 2e-5 * k }, `${rt.build} ${what}`);
}

/** Central differences of f at the listed indices of `param` (mutated and restored). */
function finiteDifference(param: Float32Array, indices: number[], f: () => number, h = 1e-2): number[] {
  return indices.map((i) => {
    const keep = param[i];
    param[i] = keep + h;
    const up = f();
    param[i] = keep - h;
    const down = f();
    param[i] = keep;
    return (up - down) / (2 * h);
  });
}

function pick(rng: Rng, length: number, count: number): number[] {
  return Array.from({ length: Math.min(count, length) }, () => rng.int(length));
}

function fdClose(got: number[], want: number[], what: string): void {
  // float32 forward passes: differences of sums around 1e1 carry about 1e-6 / h of noise.
  assertClose(got, want, { abs: 3e-3, rel: 2e-2 }, what);
}

const builds = supportedBuilds();
for (const build of builds) {
  describe(`MLP kernels, ${build} build`, () => {
    let rt: KernelRuntime;
    before(async () => {
      rt = await KernelRuntime.create({ build: build as KernelBuild });
    });

    it('registers the MLP kernels', () => {
      for (const name of ['denseForward', 'denseBackward', 'batchNormForward', 'batchNormBackward', 'adamStep', 'groupSoftThreshold', 'mlpJacobian', 'jacobianL1Grad']) {
        assert.ok(kernelNames().includes(name as never), name);
      }
    });

    it('denseForward and denseBackward match the references on odd shapes, every activation', () => {
      const rng = createRng(21);
      for (const [n, din, dout] of SHAPES) {
        for (const activation of ACTS) {
          const l = layer(rng, din, dout, activation);
          const x = randomMatrix(rng, n, din);
          const fw = runKernel('denseForward', { x, ...l }, { kernels: rt });
          const ref = runReference('denseForward', { x, ...l });
          close(rt, fw.pre.data, ref.pre.data, `pre [${n},${din},${dout}] ${activation}`);
          close(rt, fw.out.data, ref.out.data, `out [${n},${din},${dout}] ${activation}`);
          const gradOut = randomMatrix(rng, n, dout);
          const input = { x, ...l, pre: ref.pre, out: ref.out, gradOut };
          const bw = runKernel('denseBackward', input, { kernels: rt });
          const rb = runReference('denseBackward', input);
          close(rt, bw.gradW.data, rb.gradW.data, `gradW [${n},${din},${dout}] ${activation}`, n);
          close(rt, bw.gradB, rb.gradB, `gradB ${activation}`, n);
          close(rt, bw.gradX.data, rb.gradX.data, `gradX ${activation}`, dout);
        }
      }
    });

    it('batch norm forward/backward, Adam and the group threshold match the references', () => {
      const rng = createRng(22);
      for (const [n, d] of [[2, 1], [3, 5], [17, 4], [33, 7], [64, 13]]) {
        const x = randomMatrix(rng, n, d);
        x.data.forEach((v, i) => (x.data[i] = v * 3 + 5)); // off-centre, so the mean matters
        const fw = runKernel('batchNormForward', { x }, { kernels: rt });
        const ref = runReference('batchNormForward', { x });
        close(rt, fw.out.data, ref.out.data, `bn out [${n},${d}]`, 10);
        close(rt, fw.invStd, ref.invStd, 'bn invStd', 10);
        const given = { x, mean: ref.mean, invStd: ref.invStd };
        close(rt, runKernel('batchNormForward', given, { kernels: rt }).out.data, runReference('batchNormForward', given).out.data, 'bn inference');
        const back = { xhat: ref.out, gradOut: randomMatrix(rng, n, d), invStd: ref.invStd };
        close(rt, runKernel('batchNormBackward', back, { kernels: rt }).data, runReference('batchNormBackward', back).data, `bn backward [${n},${d}]`, 10);

        const len = n * d;
        const vec = () => Float32Array.from({ length: len }, () => rng.normal());
        const adam = { param: vec(), grad: vec(), m: vec(), v: vec().map(Math.abs), step: 1 + rng.int(50), lr: 1e-2 };
        const got = runKernel('adamStep', adam, { kernels: rt });
        const want = runReference('adamStep', adam);
        for (const key of ['param', 'm', 'v'] as const) close(rt, got[key], want[key], `adam ${key}`, 5);

        const taus = Float32Array.from({ length: n }, () => Math.abs(rng.normal()) * Math.sqrt(d));
        const gt = runKernel('groupSoftThreshold', { w: x, taus }, { kernels: rt });
        const rt2 = runReference('groupSoftThreshold', { w: x, taus });
        close(rt, gt.w.data, rt2.w.data, 'group threshold w', 10);
        close(rt, gt.norms, rt2.norms, 'group threshold norms', 10);
      }
      // A row below its threshold becomes exactly zero; one above keeps its direction.
      const w = { data: Float32Array.from([3, 4, 0.3, 0.4]), rows: 2, cols: 2 };
      const { w: out, norms } = runKernel('groupSoftThreshold', { w, taus: Float32Array.from([1, 1]) }, { kernels: rt });
      assertClose(out.data, [2.4, 3.2, 0, 0], { abs: 1e-6 }, 'exact zero');
      assertClose(norms, [4, 0], { abs: 1e-6 }, 'norms');
    });

    it('mlpJacobian matches the reference on odd shapes', () => {
      const rng = createRng(23);
      for (const [n, din, h] of SHAPES) {
        const layers = [layer(rng, din, h, 'leakyRelu'), layer(rng, h, 5, 'tanh'), layer(rng, 5, 3, 'identity')];
        const x = randomMatrix(rng, n, din);
        const got = runKernel('mlpJacobian', { x, layers }, { kernels: rt });
        const want = runReference('mlpJacobian', { x, layers });
        close(rt, got.jacobian, want.jacobian, `jacobian [${n},${din},${h}]`, h);
        close(rt, got.meanAbs.data, want.meanAbs.data, 'mean |J|', h);
      }
    });

    it('jacobianL1Grad matches its reference', () => {
      const rng = createRng(24);
      for (const [n, din, h] of SHAPES) {
        const input = { x: randomMatrix(rng, n, din), layers: [layer(rng, din, h, 'leakyRelu'), layer(rng, h, 3, 'identity')] as [DenseLayer, DenseLayer], weight: 0.7 };
        const got = runKernel('jacobianL1Grad', input, { kernels: rt });
        const want = runReference('jacobianL1Grad', input);
        assertClose([got.penalty], [want.penalty], { rel: 1e-4 }, 'penalty');
        close(rt, got.gradW1.data, want.gradW1.data, 'gradW1', n);
        close(rt, got.gradW2.data, want.gradW2.data, 'gradW2', n);
      }
    });

    it('gradients of a dense -> batch norm -> dense chain pass finite differences', () => {
      const rng = createRng(25);
      for (const activation of ACTS) {
        const n = 9, din = 5, h = 6, dout = 3;
        const l1 = layer(rng, din, h, activation);
        const l2 = layer(rng, h, dout, activation === 'identity' ? 'tanh' : activation);
        const x = randomMatrix(rng, n, din);
        const r = randomMatrix(rng, n, dout);
        const forward = () => {
          const a = runKernel('denseForward', { x, ...l1 }, { kernels: rt });
          const bn = runKernel('batchNormForward', { x: a.out }, { kernels: rt });
          const b = runKernel('denseForward', { x: bn.out, ...l2 }, { kernels: rt });
          return { a, bn, b };
        };
        const loss = () => {
          const { b } = forward();
          let s = 0;
          for (let q = 0; q < b.out.data.length; q++) s += b.out.data[q] * r.data[q];
          return s;
        };
        const { a, bn, b } = forward();
        const g2 = runKernel('denseBackward', { x: bn.out, ...l2, pre: b.pre, out: b.out, gradOut: r }, { kernels: rt });
        const gbn = runKernel('batchNormBackward', { xhat: bn.out, gradOut: g2.gradX, invStd: bn.invStd }, { kernels: rt });
        const g1 = runKernel('denseBackward', { x, ...l1, pre: a.pre, out: a.out, gradOut: gbn }, { kernels: rt });
        const checks: [string, Float32Array, Float32Array][] = [
          ['W2', l2.w.data, g2.gradW.data], ['b2', l2.b, g2.gradB], ['W1', l1.w.data, g1.gradW.data], ['b1', l1.b, g1.gradB], ['x', x.data, g1.gradX.data],
        ];
        for (const [name, param, grad] of checks) {
          const idx = pick(rng, param.length, 6);
          fdClose(idx.map((i) => grad[i]), finiteDifference(param, idx, loss, activation === 'leakyRelu' ? 2e-3 : 1e-2), `${build} ${activation} d loss / d ${name}`);
        }
      }
    });

    it('per-sample Jacobians and the Jacobian-l1 gradient pass finite differences', () => {
      const rng = createRng(26);
      const n = 4, din = 5, h = 7, dy = 3;
      const layers = [layer(rng, din, h, 'tanh'), layer(rng, h, h, 'leakyRelu'), layer(rng, h, dy, 'identity')];
      const x = randomMatrix(rng, n, din);
      const { jacobian } = runKernel('mlpJacobian', { x, layers }, { kernels: rt });
      const output = (o: number, s: number) => () => {
        let y: Matrix = x;
        for (const l of layers) y = runKernel('denseForward', { x: y, ...l }, { kernels: rt }).out;
        return y.data[s * dy + o];
      };
      for (let s = 0; s < n; s++) {
        for (let o = 0; o < dy; o++) {
          const idx = Array.from({ length: din }, (_, i) => s * din + i);
          fdClose(idx.map((_, i) => jacobian[(s * dy + o) * din + i]), finiteDifference(x.data, idx, output(o, s), 2e-3), `${build} J[${s}, ${o}]`);
        }
      }
      const head = { x, layers: [layer(rng, din, h, 'leakyRelu'), layer(rng, h, dy, 'identity')] as [DenseLayer, DenseLayer], weight: 0.5 };
      const g = runKernel('jacobianL1Grad', head, { kernels: rt });
      const penalty = () => runKernel('jacobianL1Grad', head, { kernels: rt }).penalty;
      for (const [name, param, grad] of [['W1', head.layers[0].w.data, g.gradW1.data], ['W2', head.layers[1].w.data, g.gradW2.data]] as const) {
        const idx = pick(rng, param.length, 8);
        fdClose(idx.map((i) => grad[i]), finiteDifference(param, idx, penalty, 1e-3), `${build} d |J|_1 / d ${name}`);
      }
    });

    it('bad input is a typed error before any wasm call', async () => {
      const rng = createRng(27);
      const l = layer(rng, 3, 2, 'leakyRelu');
      await expectCode(() => runKernel('denseForward', { x: randomMatrix(rng, 4, 5), ...l }, { kernels: rt }), 'SHAPE_MISMATCH', 'input rows');
      const nan = randomMatrix(rng, 4, 3);
      nan.data[5] = NaN;
      await expectCode(() => runKernel('denseForward', { x: nan, ...l }, { kernels: rt }), 'NON_FINITE', 'row 1, column 2');
      await expectCode(() => runKernel('denseForward', { x: randomMatrix(rng, 4, 3), ...l, slope: 2 }, { kernels: rt }), 'INVALID_ARGUMENT', 'slope');
      await expectCode(() => runKernel('batchNormForward', { x: randomMatrix(rng, 1, 3) }, { kernels: rt }), 'SHAPE_MISMATCH', 'at least 2 rows');
      const v = new Float32Array(3);
      await expectCode(() => runKernel('adamStep', { param: v, grad: v, m: v, v: new Float32Array(2), step: 1, lr: 1e-3 }, { kernels: rt }), 'SHAPE_MISMATCH', 'v must');
      await expectCode(() => runKernel('groupSoftThreshold', { w: randomMatrix(rng, 2, 2), taus: Float32Array.from([1, -1]) }, { kernels: rt }), 'INVALID_ARGUMENT', 'non-negative');
      await expectCode(() => runKernel('jacobianL1Grad', { x: randomMatrix(rng, 2, 3), layers: [{ ...l, activation: 'tanh' }, layer(rng, 2, 1, 'identity')] }, { kernels: rt }), 'INVALID_ARGUMENT', 'piecewise-linear');
    });
  });
}
