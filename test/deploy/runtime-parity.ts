// The same misuse, given to both deployment runtimes (SpecialistRuntime in this thread,
// WorkerSpecialistRuntime in a worker), must give the same result. Each case runs against both;
// what they did is rendered as the table of docs/reliability.md ("The two runtimes", rewritten by
// npm run docs:reliability), so the table is what the runtimes did.
import { pathToFileURL } from 'node:url';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SpecialistError, type ErrorCode } from '../../src/core/errors.ts';
import { SpecialistRuntime, type ModelSource, type RunOutput, type SpecialistRuntimeOptions } from '../../src/deploy/specialist-runtime.ts';
import { WorkerSpecialistRuntime } from '../../src/deploy/worker-runtime.ts';
import { sealOnnx } from '../../src/io/onnx-seal.ts';
import type { Tensor } from '../../src/core/tensor.ts';
import { generalistWorld } from '../../src/synthetic/generalist-world.ts';
import type { WorkerPool } from '../../src/worker/pool.ts';
import type { HeadsFixture } from './heads-fixture.ts';

/** What both runtimes offer. */
export interface AnyRuntime {
  run(observations: Tensor<Float32Array>, task: number, options?: { signal?: AbortSignal }): Promise<RunOutput>;
  dispose(): Promise<void>;
}

export interface RuntimeKind {
  name: 'SpecialistRuntime' | 'WorkerSpecialistRuntime';
  load(encoder: ModelSource, heads: ModelSource, options?: SpecialistRuntimeOptions): Promise<AnyRuntime>;
}

export function runtimeKinds(pool: WorkerPool): RuntimeKind[] {
  return [
    { name: 'SpecialistRuntime', load: (encoder, heads, options) => SpecialistRuntime.load(encoder, heads, options) },
    { name: 'WorkerSpecialistRuntime', load: (encoder, heads, options) => WorkerSpecialistRuntime.load(encoder, heads, options, { pool }) },
  ];
}

export interface ParityCase {
  misuse: string;
  expect: ErrorCode | 'ok';
  /** For 'ok': what happens. */
  note?: string;
  run(kind: RuntimeKind, f: HeadsFixture): Promise<unknown>;
}

/** A runtime for one case, disposed afterwards. */
async function withRuntime<T>(kind: RuntimeKind, f: HeadsFixture, use: (runtime: AnyRuntime) => Promise<T>): Promise<T> {
  const runtime = await kind.load(f.encoder, f.heads);
  try {
    return await use(runtime);
  } finally {
    await runtime.dispose();
  }
}

const big = (f: HeadsFixture) => {
  const D = f.observations.shape[1];
  return { data: Float32Array.from({ length: 20000 * D }, (_, i) => Math.sin(i)), shape: [20000, D] };
};
const width = (f: HeadsFixture) => f.observations.shape[1];

export const PARITY_CASES: ParityCase[] = [
  {
    misuse: 'dispose() twice',
    expect: 'ok',
    note: 'the second call does nothing (it resolves when the first is done)',
    run: async (kind, f) => {
      const runtime = await kind.load(f.encoder, f.heads);
      await Promise.all([runtime.dispose(), runtime.dispose()]);
      await runtime.dispose();
    },
  },
  {
    misuse: 'run() after dispose()',
    expect: 'ABORTED',
    run: async (kind, f) => {
      const runtime = await kind.load(f.encoder, f.heads);
      await runtime.dispose();
      return runtime.run(f.observations, 0);
    },
  },
  {
    misuse: 'dispose() while a run is going',
    expect: 'ABORTED',
    run: async (kind, f) => {
      const runtime = await kind.load(f.encoder, f.heads);
      const running = runtime.run(big(f), 0);
      running.catch(() => {}); // it rejects while dispose() is awaited; the case returns it below
      await runtime.dispose();
      return running;
    },
  },
  { misuse: 'a signal aborted before the run', expect: 'ABORTED', run: (kind, f) => withRuntime(kind, f, (r) => r.run(f.observations, 0, { signal: AbortSignal.abort('late') })) },
  {
    misuse: 'a signal aborted while the run is going',
    expect: 'ABORTED',
    run: (kind, f) =>
      withRuntime(kind, f, async (r) => {
        const controller = new AbortController();
        const running = r.run(big(f), 0, { signal: controller.signal });
        setTimeout(() => controller.abort('user moved on'), 5);
        return await running;
      }),
  },
  { misuse: 'observations null', expect: 'INVALID_ARGUMENT', run: (kind, f) => withRuntime(kind, f, (r) => r.run(null as never, 0)) },
  { misuse: 'observations.data a plain array', expect: 'INVALID_ARGUMENT', run: (kind, f) => withRuntime(kind, f, (r) => r.run({ data: [1, 2] as never, shape: [2] }, 0)) },
  { misuse: 'task index out of range', expect: 'INVALID_ARGUMENT', run: (kind, f) => withRuntime(kind, f, (r) => r.run(f.observations, 2)) },
  { misuse: 'task index 0.5', expect: 'INVALID_ARGUMENT', run: (kind, f) => withRuntime(kind, f, (r) => r.run(f.observations, 0.5)) },
  { misuse: 'run options null', expect: 'INVALID_ARGUMENT', run: (kind, f) => withRuntime(kind, f, (r) => r.run(f.observations, 0, null as never)) },
  { misuse: 'an unknown run option (typo signl)', expect: 'INVALID_ARGUMENT', run: (kind, f) => withRuntime(kind, f, (r) => r.run(f.observations, 0, { signl: 1 } as never)) },
  { misuse: 'observations of another width', expect: 'SHAPE_MISMATCH', run: (kind, f) => withRuntime(kind, f, (r) => r.run({ data: new Float32Array(3 * (width(f) + 1)), shape: [3, width(f) + 1] }, 0)) },
  { misuse: 'data shorter than its shape', expect: 'SHAPE_MISMATCH', run: (kind, f) => withRuntime(kind, f, (r) => r.run({ data: new Float32Array(2 * width(f)), shape: [3, width(f)] }, 0)) },
  { misuse: 'zero observations', expect: 'INVALID_ARGUMENT', run: (kind, f) => withRuntime(kind, f, (r) => r.run({ data: new Float32Array(0), shape: [0, width(f)] }, 0)) },
  {
    misuse: 'NaN in the observations',
    expect: 'NON_FINITE',
    run: (kind, f) => withRuntime(kind, f, (r) => r.run({ data: Float32Array.from(f.observations.data, (v, i) => (i === 7 ? NaN : v)), shape: f.observations.shape }, 0)),
  },
  { misuse: 'load options null', expect: 'INVALID_ARGUMENT', run: (kind, f) => kind.load(f.encoder, f.heads, null as never) },
  { misuse: 'an unknown load option (typo generalst)', expect: 'INVALID_ARGUMENT', run: (kind, f) => kind.load(f.encoder, f.heads, { generalst: {} } as never) },
  { misuse: 'an encoder that is neither bytes nor a URL (42)', expect: 'INVALID_ARGUMENT', run: (kind, f) => kind.load(42 as never, f.heads) },
  { misuse: "device 'tpu'", expect: 'INVALID_ARGUMENT', run: (kind, f) => kind.load(f.encoder, f.heads, { generalist: { device: 'tpu' as never } }) },
  { misuse: 'a truncated encoder', expect: 'INVALID_FILE', run: (kind, f) => kind.load(f.encoder.subarray(0, 100), f.heads) },
  { misuse: 'an encoder file that does not exist', expect: 'INVALID_FILE', run: (kind, f) => kind.load(pathToFileURL(join(tmpdir(), 'no-such-encoder.onnx')), f.heads) },
  {
    misuse: 'a checksummed encoder with one flipped byte',
    expect: 'INVALID_FILE',
    run: (kind, f) => {
      const sealed = sealOnnx(f.encoder);
      sealed[sealed.length >> 1] ^= 1;
      return kind.load(sealed, f.heads, { allowEncoderMismatch: true });
    },
  },
  { misuse: 'damaged heads', expect: 'INVALID_FILE', run: (kind, f) => kind.load(f.encoder, f.heads.subarray(0, 50)) },
  { misuse: 'heads fitted on another encoder', expect: 'ENCODER_MISMATCH', run: (kind, f) => kind.load(generalistWorld({ episodes: 4, steps: 4, seed: 6 }).encoderOnnx, f.heads) },
];

export interface ParityOutcome {
  case: ParityCase;
  /** Per runtime: the code it failed with, 'ok', or 'untyped ...'. */
  got: Record<RuntimeKind['name'], string>;
}

async function outcomeOf(run: () => Promise<unknown>): Promise<string> {
  try {
    await run();
    return 'ok';
  } catch (error) {
    return error instanceof SpecialistError ? error.code : `untyped ${(error as Error)?.name}: ${(error as Error)?.message}`;
  }
}

export async function runParityCases(f: HeadsFixture, pool: WorkerPool): Promise<ParityOutcome[]> {
  const outcomes: ParityOutcome[] = [];
  for (const c of PARITY_CASES) {
    const got = {} as ParityOutcome['got'];
    for (const kind of runtimeKinds(pool)) got[kind.name] = await outcomeOf(() => c.run(kind, f));
    outcomes.push({ case: c, got });
  }
  return outcomes;
}

export const PARITY_START = '<!-- runtimes:start (generated by npm run docs:reliability from test/deploy/runtime-parity.ts) -->';
export const PARITY_END = '<!-- runtimes:end -->';

export function renderParityTable(outcomes: ParityOutcome[]): string {
  const cell = (got: string, c: ParityCase) => (got === 'ok' ? `ok: ${c.note ?? ''}` : `\`${got}\``);
  const lines = [PARITY_START, '', '| Misuse | SpecialistRuntime | WorkerSpecialistRuntime |', '| --- | --- | --- |'];
  for (const o of outcomes) lines.push(`| ${o.case.misuse} | ${cell(o.got.SpecialistRuntime, o.case)} | ${cell(o.got.WorkerSpecialistRuntime, o.case)} |`);
  lines.push('', PARITY_END);
  return lines.join('\n');
}
