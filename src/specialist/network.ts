// Dense layers whose parameters, gradients, Adam moments and batch activations live in kernel
// memory for the whole fit, so a training step is a sequence of kernel calls with no copying.
import type { Activation } from '../core/activation.ts';
import { ACTIVATION_CODES } from '../kernels/mlp/layer.ts';
import type { ResidentScope } from '../kernels/resident.ts';
import type { Rng } from '../core/random.ts';

import { SLOPE, type LayerWeights } from './layers.ts';

export { SLOPE, type LayerWeights };

export class ResidentDense {
  readonly w: number;
  readonly b: number;
  readonly gw: number;
  readonly gb: number;
  private readonly moments: number[];
  /** Batch buffers [maxRows, dout]. */
  readonly pre: number;
  readonly out: number;
  readonly gradPre: number;
  readonly act: number;

  constructor(
    private readonly scope: ResidentScope,
    readonly din: number,
    readonly dout: number,
    readonly activation: Activation,
    maxRows: number,
  ) {
    const size = din * dout;
    this.w = scope.f32(size);
    this.b = scope.f32(dout);
    this.gw = scope.f32(size);
    this.gb = scope.f32(dout);
    this.moments = [scope.f32(size), scope.f32(size), scope.f32(dout), scope.f32(dout)];
    this.pre = scope.f32(maxRows * dout);
    this.out = activation === 'identity' ? this.pre : scope.f32(maxRows * dout);
    this.gradPre = scope.f32(maxRows * dout);
    this.act = ACTIVATION_CODES[activation];
  }

  /** He-style initialisation from the seeded generator; biases zero; Adam moments zero. */
  init(rng: Rng): void {
    const gain = this.activation === 'tanh' ? 1 : Math.sqrt(2);
    const std = gain / Math.sqrt(this.din);
    const w = this.scope.view(this.w, this.din * this.dout);
    for (let i = 0; i < w.length; i++) w[i] = rng.normal() * std;
    this.scope.view(this.b, this.dout).fill(0);
    this.resetMoments();
  }

  resetMoments(): void {
    const [mw, vw, mb, vb] = this.moments;
    this.scope.view(mw, this.din * this.dout).fill(0);
    this.scope.view(vw, this.din * this.dout).fill(0);
    this.scope.view(mb, this.dout).fill(0);
    this.scope.view(vb, this.dout).fill(0);
  }

  forward(x: number, rows: number): number {
    this.scope.exports.denseForward(x, rows, this.din, this.w, this.dout, this.b, this.act, SLOPE, this.pre, this.out);
    return this.out;
  }

  /** gradOut [rows, dout] -> parameter gradients, and gradX (added into when accumulate). */
  backward(x: number, rows: number, gradOut: number, gradX: number, accumulate: boolean): void {
    this.scope.exports.denseBackward(x, rows, this.din, this.w, this.dout, this.pre, this.out, gradOut, this.act, SLOPE, this.gradPre, this.gw, this.gb, gradX, accumulate ? 1 : 0);
  }

  adam(lr: number, step: number): void {
    const [mw, vw, mb, vb] = this.moments;
    const bc1 = 1 - 0.9 ** step, bc2 = 1 - 0.999 ** step;
    const k = this.scope.exports;
    k.adamStep(this.w, this.gw, mw, vw, this.din * this.dout, lr, 0.9, 0.999, 1e-8, bc1, bc2);
    k.adamStep(this.b, this.gb, mb, vb, this.dout, lr, 0.9, 0.999, 1e-8, bc1, bc2);
  }

  /** Copies of the Adam moments (mw, vw, mb, vb). */
  readMoments(): Float32Array[] {
    const [mw, vw, mb, vb] = this.moments;
    const size = this.din * this.dout;
    return [this.scope.view(mw, size).slice(), this.scope.view(vw, size).slice(), this.scope.view(mb, this.dout).slice(), this.scope.view(vb, this.dout).slice()];
  }

  writeMoments(m: Float32Array[]): void {
    this.moments.forEach((ptr, i) => this.scope.view(ptr, m[i].length).set(m[i]));
  }

  read(): LayerWeights {
    return {
      din: this.din,
      dout: this.dout,
      activation: this.activation,
      w: this.scope.view(this.w, this.din * this.dout).slice(),
      b: this.scope.view(this.b, this.dout).slice(),
    };
  }

  write(weights: LayerWeights): void {
    this.scope.view(this.w, this.din * this.dout).set(weights.w);
    this.scope.view(this.b, this.dout).set(weights.b);
  }
}

/** A chain of resident layers: hidden layers with `hidden` activation, the last one linear. */
export class ResidentMlp {
  readonly layers: ResidentDense[];
  constructor(scope: ResidentScope, widths: number[], hidden: Activation, maxRows: number) {
    this.layers = widths.slice(1).map((dout, i) => new ResidentDense(scope, widths[i], dout, i === widths.length - 2 ? 'identity' : hidden, maxRows));
  }

  get output(): number {
    return this.layers[this.layers.length - 1].out;
  }

  init(rng: Rng): void {
    for (const l of this.layers) l.init(rng);
  }

  forward(x: number, rows: number): number {
    let h = x;
    for (const l of this.layers) h = l.forward(h, rows);
    return h;
  }

  /** Backward from dL/d output; gradX (0 for none) receives or accumulates dL/d x. */
  backward(x: number, rows: number, gradOut: number, gradX: number, accumulate: boolean, scratch: [number, number]): void {
    let g = gradOut;
    for (let i = this.layers.length - 1; i >= 0; i--) {
      const l = this.layers[i];
      const input = i === 0 ? x : this.layers[i - 1].out;
      const target = i === 0 ? gradX : scratch[i % 2];
      l.backward(input, rows, g, target, i === 0 ? accumulate : false);
      g = target;
    }
  }

  adam(lr: number, step: number): void {
    for (const l of this.layers) l.adam(lr, step);
  }

  read(): LayerWeights[] {
    return this.layers.map((l) => l.read());
  }

  write(weights: LayerWeights[]): void {
    this.layers.forEach((l, i) => l.write(weights[i]));
  }

  resetMoments(): void {
    for (const l of this.layers) l.resetMoments();
  }

  readMoments(): Float32Array[][] {
    return this.layers.map((l) => l.readMoments());
  }

  writeMoments(m: Float32Array[][]): void {
    this.layers.forEach((l, i) => l.writeMoments(m[i]));
  }
}
