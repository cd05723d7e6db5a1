// What inference needs of a trained network, and nothing of training: the layer weights, the
// leaky-ReLU slope, and the activation. model.ts (and so the deployment runtime) imports only this.
import type { Activation } from '../core/activation.ts';

export const SLOPE = 0.1;

/** A plain copy of one layer's parameters (for snapshots, the model file and TS inference). */
export interface LayerWeights {
  din: number;
  dout: number;
  activation: Activation;
  w: Float32Array;
  b: Float32Array;
}

export function activate(v: number, activation: Activation, slope = SLOPE): number {
  if (activation === 'leakyRelu') return v >= 0 ? v : slope * v;
  if (activation === 'tanh') return Math.tanh(v);
  return v;
}
