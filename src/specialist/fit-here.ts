// fitSpecialists on this thread: data preparation, the trainer on resident kernel buffers, the
// schedule, and the model. `exchange` makes it one rank of a fit split over two workers.
import { throwIfAborted, toSpecialistError } from '../core/errors.ts';
import type { Tensor } from '../core/tensor.ts';
import { exclusive, kernelsFor, residentScope } from '../kernels/runtime.ts';
import { createRng } from '../core/random.ts';
import { prepareData, splitRows, type TargetsInput } from './data.ts';
import type { GradientExchange } from './exchange.ts';
import type { FitCallOptions } from './fit-call.ts';
import { Specialists } from './model.ts';
import { defaultHeadWidth, resolveOptions, type ResolvedOptions, type SpecialistOptions } from './options.ts';
import { chooseForm, LINEAR_STREAM, ProgressOffsets, trainerConfig, type Form } from './architecture.ts';
import { Schedule } from './schedule.ts';
import { Trainer } from './trainer.ts';
import type { ResidentScope } from '../kernels/resident.ts';
import type { Rng } from '../core/random.ts';
import { classMapOf, whitenClasses, type ClassReadout } from './class-targets.ts';
import { unwhitenHead, whiten, type Whitening } from './whiten.ts';

/** fitSpecialists (fit.ts) on this thread; with `exchange`, as one rank of a fit on two workers. */
export async function fitHere(latents: Tensor, targets: TargetsInput, options: SpecialistOptions, call: FitCallOptions, exchange?: GradientExchange): Promise<Specialists> {
  throwIfAborted(call.signal);
  const data = prepareData(latents, targets, call.membership);
  const { opts, whitened, trainData } = fitSetup(data, options);
  const kernels = await kernelsFor(call);
  const rng = createRng(opts.seed);
  const { train, validation } = splitRows(data.n, opts.validationSplit, rng.fork());
  // The trainer's buffers live for the whole (asynchronous) fit: a resident scope, held exclusively.
  return exclusive(kernels, async () => {
    const scope = residentScope(kernels);
    // The linear candidate of architecture 'auto' lives above the first one: released alone when it loses.
    let linearScope: ResidentScope | undefined;
    try {
      const classes = trainData.tasks.map((_, k) => whitened?.[k].classes ?? null);
      const progress = new ProgressOffsets(call);
      const scheduleOf = (mem: ResidentScope, form: Form, r: Rng) =>
        new Schedule(new Trainer(mem, trainData, train, trainerConfig(opts, form, classes), exchange), opts, r, validation, train, progress.call(form), mem, trainData);
      let form: Form = opts.architecture === 'linear' ? 'linear' : 'nonlinear';
      let schedule = scheduleOf(scope, form, rng);
      if (opts.architecture === 'auto') {
        // The linear candidate draws from its own stream, so the network's fit is the same, bit for
        // bit, as without the comparison.
        let linear: Schedule | undefined;
        const trainLinear = () => {
          progress.shift('linear', schedule.epochs);
          linearScope = residentScope(kernels);
          linear = scheduleOf(linearScope, 'linear', createRng(opts.seed + LINEAR_STREAM));
          return linear.dense();
        };
        if ((await chooseForm(await schedule.dense(), trainLinear)) === 'linear') {
          [form, schedule] = ['linear', linear!];
        } else if (linear) {
          linearScope!.release();
          linearScope = undefined;
          progress.shift('nonlinear', linear.epochs);
        }
      }
      const state = await schedule.run();
      const heads = whitened ? state.heads.map((h, k) => unwhitenHead(h, whitened[k].unwhiten, data.tasks[k].dy)) : state.heads;
      // Class-coded tasks keep their class read-out (Specialists.classify), from the same whitened head.
      const classMaps = state.heads.map((h, k) => (classes[k] ? classMapOf(h, classes[k]) : null));
      return new Specialists({ ...state, heads, classes: classMaps, ...modelParts(data, opts, form) });
    } catch (error) {
      throw toSpecialistError(error);
    } finally {
      linearScope?.release();
      scope.release();
    }
  });
}

/** The resolved options and the targets the trainer fits; the heads' width defaults to what those targets need (defaultHeadWidth). */
export function fitSetup(data: ReturnType<typeof prepareData>, options: SpecialistOptions) {
  const resolved = resolveOptions(options, data.d);
  const { whitened, trainData } = trainingTargets(data, resolved);
  const opts = options?.headWidth === undefined ? { ...resolved, headWidth: defaultHeadWidth(trainData.tasks.map((t) => t.dy)) } : resolved;
  return { opts, whitened, trainData };
}

/**
 * The targets the trainer fits: whitened per task, class codes (few distinct target vectors) as their
 * classes (class-targets.ts), so a head's output can be wider than its targets (up to K classes).
 */
export function trainingTargets(data: ReturnType<typeof prepareData>, opts: ResolvedOptions) {
  const whitened: (Whitening & { classes?: ClassReadout })[] | undefined = opts.whitenTargets ? data.tasks.map((t) => whitenClasses(t.y, t.dy, t.member, t.raw) ?? whiten(t.y, t.dy, t.member)) : undefined;
  const trainData = whitened ? { ...data, tasks: data.tasks.map((t, k) => ({ ...t, y: whitened[k].y, dy: whitened[k].kept })) } : data;
  return { whitened, trainData };
}

function modelParts(data: ReturnType<typeof prepareData>, opts: ResolvedOptions, form: Form) {
  return {
    d: data.d,
    latentDims: opts.latentDims,
    encoderWidths: trainerConfig(opts, form, []).encoderWidths,
    headWidth: opts.headWidth,
    taskDims: data.tasks.map((t) => t.dy),
    penalty: opts.penalty,
    zMean: data.zMean,
    zStd: data.zStd,
    yMean: data.tasks.map((t) => t.mean),
    yStd: data.tasks.map((t) => t.std),
    threshold: opts.threshold,
  };
}

