// Layer 2: specialist representations by sparse Jacobian masking (method.md section 3).
export { fitSpecialists, LAMBDA_GRID, type FitCallOptions, type FitProgress } from './fit.ts';
export { Specialists, type LossCurves, type ValidationPoint, type SpecialistsState } from './model.ts';
export { resolveOptions, type Penalty, type SpecialistOptions } from './options.ts';
export type { ShapedArray, TargetsInput } from './data.ts';
export { FORMAT as SPECIALIST_FORMAT, FORMAT_VERSION as SPECIALIST_FORMAT_VERSION } from './format.ts';
