// What a fitted model is made of: the plain state that Specialists wraps and the heads file stores.
import type { LayerWeights } from './layers.ts';
import type { Penalty } from './options.ts';

/**
 * One validation measurement of a fit: its phase, epoch, lambda per task, and the losses and
 * supports at that point.
 */
export interface ValidationPoint {
  phase: 'dense' | 'path' | 'refit';
  epoch: number;
  /** Each task's lambda. */
  lambda: number[];
  reconstruction: number;
  tasks: number[];
  /** s_hat coordinates each head still reads (non-zero input rows). */
  nonzeros: number[];
}

/** The training and validation losses of a fit, for plotting and for choosing lambda. */
export interface LossCurves {
  /** Mean training loss per epoch, in order, across every phase. */
  train: number[];
  /** Validation losses after each phase or path stage. */
  validation: ValidationPoint[];
}

/**
 * Everything a fitted Specialists holds, as plain data: sizes, supports, weights, normalisations,
 * the loss curves and the settings.
 */
export interface SpecialistsState {
  d: number;
  latentDims: number;
  encoderWidths: number[];
  headWidth: number;
  taskDims: number[];
  penalty: Penalty;
  zMean: Float32Array;
  zStd: Float32Array;
  yMean: Float32Array[];
  yStd: Float32Array[];
  encoder: LayerWeights[];
  decoder: LayerWeights[];
  heads: LayerWeights[][];
  bnMean: Float32Array;
  bnInvStd: Float32Array;
  /** Per task: mean |d y / d s_hat_j| over the training rows, summed over outputs. */
  importance: Float32Array[];
  supports: number[][];
  /** The lambda chosen for each task. */
  lambda: number[];
  threshold: number;
  converged: boolean;
  curves: LossCurves;
  /** SHA-256 of the generalist encoder the heads were fitted on, when known. */
  encoderSha256?: string;
  /**
   * Per task, its class read-out when its targets were class codes (Specialists.classify), else
   * null. Absent in models read from files of format 3, which kept none.
   */
  classes?: ({
    /** The class codes [classes, dy], in the targets' own units. */
    codes: Float32Array;
    classes: number;
    /** Replaces the head's last layer: hidden units -> class scores [classes] (identity activation). */
    scores: LayerWeights;
  } | null)[];
}
