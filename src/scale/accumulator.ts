// Layer 1's statistics gathered where the episodes are: episodes go in as they arrive (batches of
// latents [n, T, d] and task variables [n, M, dg]); what is kept is a few moment blocks whose size
// depends on the settings, never on n. Each batch is summed on the covariance kernel (float64) and
// folded in with the pairwise update (stats/moments.ts), so a shard of a million episodes costs
// the memory of one batch.
import { SpecialistError } from '../core/errors.ts';
import { checkTensor, type Matrix, type Tensor } from '../core/tensor.ts';
import { toFloat32Checked } from '../core/validate.ts';
import { KernelRuntime } from '../kernels/runtime.ts';
import { mergeMoments, emptyMoments, type Moments } from '../stats/moments.ts';
import { calibratedColumns, givenBandwidths } from '../structure/ci/rcot/calibration.ts';
import { groupFeatures, groupResiduals, momentsOfRows, targetProducts } from '../structure/ci/rcot/moments.ts';
import type { RcotOptions } from '../structure/ci/rcot/index.ts';
import type { RoundBroadcast, Statistics } from './statistics.ts';
import { rcotGroups, resolveShardSettings, type RcotGroups, roundsOf, roundWidths, settingsFingerprint, settingsLayout, type ResolvedShardSettings, type ShardSettings } from './settings.ts';

export interface AccumulatorOptions {
  /** Names this shard: merging two parts that share an id is refused (no episode counts twice). */
  shardId: string;
  /** Round 2 (RCoT): the coordinator's broadcast of round 1's fits. */
  broadcast?: RoundBroadcast;
  /**
   * Kernel runtime. Default: a new one on the 'simd' build (or 'scalar'): RCoT's features must come
   * out bit-identical on every shard, and relaxed SIMD may fuse a multiply-add differently.
   */
  kernels?: KernelRuntime;
}

export function checkShardId(id: unknown): string {
  if (typeof id !== 'string' || !/^[A-Za-z0-9._:-]{1,128}$/.test(id)) {
    throw new SpecialistError('INVALID_ARGUMENT', `shardId must be 1-128 characters of letters, digits and . _ : -, got ${JSON.stringify(id)}`, { argument: 'shardId' });
  }
  return id;
}

/** A deterministic kernel runtime: SIMD without relaxed operations, else scalar (the same bits, docs/scale.md). */
export async function deterministicKernels(): Promise<KernelRuntime> {
  try {
    return await KernelRuntime.create({ build: 'simd' });
  } catch {
    return KernelRuntime.create({ build: 'scalar' });
  }
}

export class StatisticsAccumulator {
  private parts: Moments[];
  private episodes = 0;
  /** RCoT's feature groups, planned once. */
  private readonly groups: RcotGroups | null;

  private constructor(
    readonly settings: ResolvedShardSettings,
    readonly fingerprint: string,
    readonly shardId: string,
    readonly round: number,
    private readonly broadcast: RoundBroadcast | null,
    private readonly kernels: KernelRuntime,
  ) {
    this.parts = roundWidths(settings, round).map(emptyMoments);
    this.groups = settings.test.name === 'rcot' ? rcotGroups(settings) : null;
  }

  static async create(settings: ShardSettings, options: AccumulatorOptions): Promise<StatisticsAccumulator> {
    const resolved = resolveShardSettings(settings);
    const fingerprint = settingsFingerprint(resolved);
    const shardId = checkShardId(options?.shardId);
    const broadcast = options.broadcast ?? null;
    const round = broadcast ? broadcast.round : 1;
    if (broadcast && broadcast.fingerprint !== fingerprint) {
      throw new SpecialistError('INVALID_ARGUMENT', 'the broadcast belongs to a run with other settings', { reason: 'settings-mismatch', expected: fingerprint, actual: broadcast.fingerprint });
    }
    if (round > roundsOf(resolved)) throw new SpecialistError('INVALID_ARGUMENT', `${resolved.test.name} has ${roundsOf(resolved)} round(s), not ${round}`, { argument: 'broadcast' });
    if (options.kernels !== undefined && !(options.kernels instanceof KernelRuntime)) throw new SpecialistError('INVALID_ARGUMENT', 'kernels must be a KernelRuntime', { argument: 'kernels' });
    if (options.kernels?.build === 'relaxed-simd' && resolved.test.name === 'rcot') {
      throw new SpecialistError('INVALID_ARGUMENT', "rcot shards need a deterministic kernel build ('simd' or 'scalar'): relaxed SIMD may round a feature differently on another machine", { argument: 'kernels', build: 'relaxed-simd' });
    }
    return new StatisticsAccumulator(resolved, fingerprint, shardId, round, broadcast, options.kernels ?? (await deterministicKernels()));
  }

  get count(): number {
    return this.episodes;
  }

  /** Counts a batch of episodes: `states` [n, T, d] (or [n, T] for d = 1), `tasks` [n, M, dg] (or [n, M]). */
  add(states: Tensor, tasks: Tensor): void {
    const rows = assembleRows(this.settings, states, tasks);
    if (rows.rows === 0) return;
    const batch = this.batchMoments(rows);
    this.parts = this.parts.map((part, j) => mergeMoments(part, batch[j]));
    this.episodes += rows.rows;
  }

  private batchMoments(rows: Matrix): Moments[] {
    const { settings: s, kernels } = this;
    if (s.test.name === 'fisherz') return [momentsOfRows(kernels, rows.data, rows.rows, rows.cols)];
    const options = s.test.options as RcotOptions & { calibration: NonNullable<RcotOptions['calibration']> };
    const { columns } = calibratedColumns(rows, options.calibration);
    const source = { n: rows.rows, columns, bandwidth: givenBandwidths(options.calibration) };
    const g = this.groups as RcotGroups;
    const features = g.groups.map((group) => groupFeatures(kernels, source, s.seed, group, g.specs));
    if (this.round === 1) return features.map((f, j) => momentsOfRows(kernels, f, rows.rows, g.layouts[j].width));
    const fits = (this.broadcast as RoundBroadcast).fits;
    const residuals = features.map((f, j) => groupResiduals(f, rows.rows, g.layouts[j], { n: 0, mean: fits[j].mean, cov: new Float64Array(0), beta: fits[j].beta }));
    return g.queries.map(({ group, ix, iy }) => {
      const lay = g.layouts[group];
      return momentsOfRows(kernels, targetProducts(residuals[group], rows.rows, lay, ix, iy), rows.rows, lay.widths[ix] * lay.widths[iy]);
    });
  }

  statistics(): Statistics {
    return {
      settings: this.settings,
      fingerprint: this.fingerprint,
      round: this.round,
      basis: this.broadcast?.sha256 ?? '',
      shards: [this.shardId],
      episodes: this.episodes,
      parts: this.parts.map((p) => ({ ...p, mean: p.mean.slice(), m2: p.m2.slice() })),
    };
  }
}

/** The episodes as float32 rows of the used steps, then the task variables (the pooled run's matrix). */
export function assembleRows(s: ResolvedShardSettings, states: Tensor, tasks: Tensor): Matrix {
  const layout = settingsLayout(s);
  const shape = checkTensor('states', states, [2, 3], 'n, T[, d]');
  const taskShape = checkTensor('tasks', tasks, [2, 3], 'n, M[, dg]');
  const [n, T, d] = [shape[0], shape[1], shape[2] ?? 1];
  const [nt, M, dg] = [taskShape[0], taskShape[1], taskShape[2] ?? 1];
  if (T !== s.steps || d !== s.dim) throw new SpecialistError('SHAPE_MISMATCH', `states are [${shape.join(', ')}]; these settings take [n, ${s.steps}, ${s.dim}]`, { argument: 'states', shape: [...shape] });
  if (M !== s.tasks || dg !== s.taskDim) throw new SpecialistError('SHAPE_MISMATCH', `tasks are [${taskShape.join(', ')}]; these settings take [n, ${s.tasks}, ${s.taskDim}]`, { argument: 'tasks', shape: [...taskShape] });
  if (nt !== n) throw new SpecialistError('SHAPE_MISMATCH', `states hold ${n} episodes but tasks hold ${nt}`, { states: n, tasks: nt });
  const stateData = toFloat32Checked('states', states.data, n, T * d);
  const taskData = toFloat32Checked('tasks', tasks.data, n, M * dg);
  const { width, usedSteps } = layout;
  const out = new Float32Array(n * width);
  for (let e = 0; e < n; e++) {
    out.set(stateData.subarray(e * T * d, e * T * d + usedSteps * d), e * width);
    out.set(taskData.subarray(e * M * dg, (e + 1) * M * dg), e * width + usedSteps * d);
  }
  const bad = out.findIndex((v) => !Number.isFinite(v));
  if (bad >= 0) {
    const [e, c] = [Math.floor(bad / width), bad % width];
    const where = c < usedSteps * d ? `states at episode ${e}, step ${Math.floor(c / d)}, dim ${c % d}` : `tasks at episode ${e}, task ${Math.floor((c - usedSteps * d) / dg)}, dim ${(c - usedSteps * d) % dg}`;
    throw new SpecialistError('NON_FINITE', `${where} holds ${out[bad]}`, { argument: c < usedSteps * d ? 'states' : 'tasks', episode: e });
  }
  return { data: out, rows: n, cols: width };
}
