// The activations of the SDK's dense layers: one union for the kernels, the heads in memory and in
// their file, and the ONNX export.

/** A dense layer's activation: 'leakyRelu' with the layer's slope. */
export type Activation = 'identity' | 'leakyRelu' | 'tanh';

/** Every activation, for checks of values read from outside (a file). */
export const ACTIVATIONS: readonly Activation[] = ['identity', 'leakyRelu', 'tanh'];
