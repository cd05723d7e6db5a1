// SpecialistOptions.architecture: the form of the network a fit trains, and 'auto''s choice
// between the two forms on their dense fits.
//
// Why a linear form at all: Theorem 2 needs an encoder that can undo a nonlinear mixing, but a
// generalist trained for a family of tasks often makes their content linearly readable already,
// and there a network encoder and heads overfit what a linear map reads (docs/specialist.md,
// "A linear fit beside the network"). Linear means: an encoder that is one linear map (s_hat is
// an affine change of coordinates of the latents, a block a subspace of them) and heads whose
// hidden layer has the identity as activation (the model file format is unchanged).
import type { FitCallOptions } from './fit-call.ts';
import type { ClassReadout } from './class-targets.ts';
import type { Architecture, ResolvedOptions } from './options.ts';
import type { Losses, TrainerConfig } from './trainer.ts';

/** A form the fit trains ('auto' chooses one of these). */
export type Form = Exclude<Architecture, 'auto'>;

/** Added to the seed for the linear candidate's random stream under 'auto' (any fixed offset: a stream of its own). */
export const LINEAR_STREAM = 0x9e3779b9;

/** A dense fit's validation risk (riskOf) and whether it stopped on a plateau of its validation loss rather than at its cap. */
export interface DenseFit {
  risk: number;
  plateau: boolean;
}

/**
 * A fit's validation risk: the mean over tasks of the class error rate of class-coded tasks and of
 * the (whitened) squared error of the others. Why the error rate for classes: read by the largest
 * class score, linear heads can miss fewer classes than network heads whose squared error on the
 * class indicators is lower (the PP-OCRv4 recogniser, glyph world: 0.29-0.35 against 0.26-0.31,
 * yet more held-out steps read right).
 */
export function riskOf(losses: Losses): number {
  const risks = losses.tasks.map((l, k) => losses.classErrors[k] ?? l);
  return risks.reduce((a, b) => a + b, 0) / Math.max(1, risks.length);
}

/**
 * 'auto''s choice: the linear form only when the network's dense fit stopped on a plateau and the
 * linear dense fit (trained by `linear`, only then) has the lower risk; a tie keeps the network.
 * Why the plateau: a network stopped by its epoch or step cap was still improving, and the path and
 * refit that follow train it further, so its risk at the cap says little of where it ends (the
 * guide's four-quadrant example, 40 epochs on 480 rows: the linear fit's risk was the lower there,
 * and its heads then read 0.87 where the network's read 0.945); and then the linear fit is not
 * trained at all (generalistWorld at d = 256, whose dense fit the 2000-step cap ends, would pay a
 * third more time for it).
 */
export async function chooseForm(network: DenseFit, linear: () => Promise<DenseFit>): Promise<Form> {
  if (!network.plateau) return 'nonlinear';
  return (await linear()).risk < network.risk ? 'linear' : 'nonlinear';
}

/** The trainer of one form: a linear encoder has no hidden layers, linear heads an identity hidden layer. */
export function trainerConfig(opts: ResolvedOptions, form: Form, classes: (ClassReadout | null)[]): TrainerConfig {
  return {
    latentDims: opts.latentDims,
    encoderWidths: form === 'linear' ? [] : opts.encoderWidths,
    headWidth: opts.headWidth,
    headActivation: form === 'linear' ? 'identity' : 'leakyRelu',
    classes,
    batchSize: opts.batchSize,
    learningRate: opts.learningRate,
    reconstructionWeight: opts.reconstructionWeight,
    penalty: opts.penalty,
  };
}

/**
 * One progress count over several fits or candidates (keys): the linear dense fit's epochs follow
 * the network's, the one that goes on continues after both, and a second fit (fit.ts) after the
 * first, so `done` only grows.
 */
export class ProgressOffsets<K extends string = Form> {
  private readonly offsets = new Map<K, number>();
  /** The last `done` reported, offsets included. */
  shown = 0;
  constructor(private readonly base: FitCallOptions) {}

  /** Epochs shown before `key`'s own count. */
  shift(key: K, epochs: number): void {
    this.offsets.set(key, epochs);
  }

  call(key: K): FitCallOptions {
    const onProgress = this.base.onProgress;
    if (!onProgress) return this.base;
    return {
      ...this.base,
      onProgress: (p) => {
        const offset = this.offsets.get(key) ?? 0;
        this.shown = p.done + offset;
        onProgress({ ...p, done: this.shown, total: p.total + offset });
      },
    };
  }
}
