// Build selection, user-supplied wasm, explicit memory limits, typed errors for bad input, abort.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { pathToFileURL } from 'node:url';
import { describe, it } from 'node:test';
import { embeddedKernelBytes, selectBuild, supportedBuilds } from '../../src/kernels/builds.ts';
import { KernelRuntime, scoped } from '../../src/kernels/runtime.ts';
import { runKernel, runReference, getKernel } from '../../src/kernels/registry.ts';
import { SpecialistError } from '../../src/core/errors.ts';
import { assertExact, createRng, expectCode, randomMatrix } from '../helpers.ts';

describe('build selection', () => {
  it("'auto' picks the best build the host validates", async () => {
    assert.equal(selectBuild('auto'), supportedBuilds()[0]);
    const rt = await KernelRuntime.create();
    assert.equal(rt.build, supportedBuilds()[0]);
  });

  it('a build the host cannot run is UNSUPPORTED_BUILD, and auto falls back to simd (Node 20 without the flag)', () => {
    const script = `
      import { selectBuild } from './src/kernels/builds.ts';
      let code = 'none';
      try { selectBuild('relaxed-simd'); } catch (e) { code = e.code; }
      console.log(JSON.stringify({ auto: selectBuild('auto'), code }));`;
    const out = execFileSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { encoding: 'utf8' });
    const major = Number(process.versions.node.split('.')[0]);
    const result = JSON.parse(out);
    if (major < 22) assert.deepEqual(result, { auto: 'simd', code: 'UNSUPPORTED_BUILD' });
    else assert.ok(['relaxed-simd', 'simd'].includes(result.auto));
  });

  it('an unknown build name is INVALID_ARGUMENT', async () => {
    await expectCode(() => KernelRuntime.create({ build: 'avx' as never }), 'INVALID_ARGUMENT', 'Unknown kernel build');
  });
});

describe('user-supplied kernel module', () => {
  const points = randomMatrix(createRng(3), 50, 4);
  const expected = runReference('knnDistance', { points, k: 3 });

  it('runs from bytes, from a file URL and from a compiled module', async () => {
    const bytes = embeddedKernelBytes('simd');
    const url = pathToFileURL('build/kernels.scalar.wasm');
    for (const wasm of [bytes, url, url.href, await WebAssembly.compile(bytes)]) {
      const rt = await KernelRuntime.create({ wasm });
      assert.equal(rt.build, 'custom');
      assertExact(runKernel('knnDistance', { points, k: 3 }, { kernels: rt }), expected, 'custom module');
    }
  });

  it('bytes that are not wasm are INVALID_WASM', async () => {
    await expectCode(() => KernelRuntime.create({ wasm: new TextEncoder().encode('<html>not wasm</html>') }), 'INVALID_WASM', 'does not compile');
  });

  it('a valid module without our exports is INVALID_WASM naming what is missing', async () => {
    const empty = new Uint8Array([0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00]);
    const error = await expectCode(() => KernelRuntime.create({ wasm: empty }), 'INVALID_WASM', 'lacks exports');
    assert.ok((error.details.missing as string[]).includes('gemm'));
  });

  it('a missing file is a typed error, not a crash', async () => {
    await expectCode(() => KernelRuntime.create({ wasm: pathToFileURL('build/nope.wasm') }), 'INVALID_WASM', 'nope.wasm');
  });
});

describe('kernel memory', () => {
  it('running past the explicit maximum is OUT_OF_MEMORY with sizes, and frees what the call took', async () => {
    const rt = await KernelRuntime.create({ memory: { maximumBytes: 1024 * 1024 } });
    const a = randomMatrix(createRng(4), 1000, 8);
    const error = await expectCode(() => runKernel('pairwiseDistances', { a, metric: 'max' }, { kernels: rt }), 'OUT_OF_MEMORY', 'maximum');
    assert.equal(error.details.maximum, 1024 * 1024);
    assert.equal(rt.memory.bytesInUse, 0);
    // The runtime stays usable for work that fits.
    const small = randomMatrix(createRng(5), 100, 8);
    assertExact(runKernel('pairwiseDistances', { a: small, metric: 'max' }, { kernels: rt }).data, runReference('pairwiseDistances', { a: small, metric: 'max' }).data, 'after OOM');
  });

  it('grows on demand and reuses memory call after call', async () => {
    const rt = await KernelRuntime.create({ memory: { initialBytes: 65536 } });
    const a = randomMatrix(createRng(6), 300, 16);
    runKernel('pairwiseDistances', { a, metric: 'max' }, { kernels: rt });
    const reserved = rt.memory.bytesReserved;
    assert.ok(reserved >= 300 * 300 * 4);
    for (let i = 0; i < 5; i++) runKernel('pairwiseDistances', { a, metric: 'max' }, { kernels: rt });
    assert.equal(rt.memory.bytesReserved, reserved);
    assert.equal(rt.memory.bytesInUse, 0);
  });

  it('rejects a maximum outside 64 KiB..4 GiB', async () => {
    await expectCode(() => KernelRuntime.create({ memory: { maximumBytes: 10 } }), 'INVALID_ARGUMENT', 'maximumBytes');
  });
});

describe('bad input gets typed errors that name the problem', () => {
  const rng = createRng(7);
  const good = randomMatrix(rng, 10, 3);

  it('NaN and infinity: NON_FINITE with row and column', async () => {
    const rt = await KernelRuntime.create();
    const data = good.data.slice();
    data[2 * 3 + 1] = NaN;
    const e = await expectCode(() => runKernel('knnDistance', { points: { ...good, data }, k: 2 }, { kernels: rt }), 'NON_FINITE', 'row 2, column 1');
    assert.equal(e.details.argument, 'points');
    data[2 * 3 + 1] = -Infinity;
    await expectCode(() => runKernel('covariance', { x: { ...good, data } }, { kernels: rt }), 'NON_FINITE', '-Infinity');
  });

  it('shapes: SHAPE_MISMATCH naming the argument', async () => {
    const rt = await KernelRuntime.create();
    await expectCode(() => runKernel('pairwiseDistances', { a: { data: new Float32Array(7), rows: 2, cols: 3 }, metric: 'max' }, { kernels: rt }), 'SHAPE_MISMATCH', 'a declares [2, 3]');
    await expectCode(() => runKernel('pairwiseDistances', { a: good, b: randomMatrix(rng, 4, 2), metric: 'max' }, { kernels: rt }), 'SHAPE_MISMATCH', 'columns');
    await expectCode(() => runKernel('gemm', { a: good, b: good }, { kernels: rt }), 'SHAPE_MISMATCH', 'inner sizes differ');
    await expectCode(() => runKernel('countWithinRadius', { points: good, radius: new Float32Array(3) }, { kernels: rt }), 'SHAPE_MISMATCH', 'radius');
  });

  it('arguments out of range: INVALID_ARGUMENT', async () => {
    const rt = await KernelRuntime.create();
    await expectCode(() => runKernel('knnDistance', { points: good, k: 10 }, { kernels: rt }), 'INVALID_ARGUMENT', 'k must be an integer in [1, 9]');
    await expectCode(() => runKernel('knnDistance', { points: good, k: 1, columns: [0, 3] }, { kernels: rt }), 'INVALID_ARGUMENT', 'columns[1] = 3');
    await expectCode(() => runKernel('pairwiseDistances', { a: good, metric: 'cosine' as never }, { kernels: rt }), 'INVALID_ARGUMENT', 'metric');
    await expectCode(() => runKernel('gemm', { a: good, b: good, transB: true, beta: 1 }, { kernels: rt }), 'INVALID_ARGUMENT', 'beta != 0 needs c');
    await expectCode(() => getKernel('fft' as never), 'UNKNOWN_KERNEL', 'fft');
  });

  it('a raw wasm trap never escapes: it becomes KERNEL_TRAP', async () => {
    const rt = await KernelRuntime.create({ memory: { maximumBytes: 65536 } });
    // Bypass validation on purpose to provoke an out-of-bounds access inside the kernel.
    const error = await expectCode(() => scoped(rt, (k) => k.columnMeans(0, 1_000_000, 4, 0)), 'KERNEL_TRAP');
    assert.ok(error instanceof SpecialistError);
  });
});

describe('progress and abort in this thread', () => {
  it('reports monotone progress ending at the total', async () => {
    const rt = await KernelRuntime.create();
    const points = randomMatrix(createRng(8), 3000, 8);
    const seen: [number, number][] = [];
    runKernel('knnDistance', { points, k: 5 }, { kernels: rt, onProgress: ({ done: d, total: t }) => seen.push([d, t]) });
    assert.ok(seen.length > 2);
    assert.deepEqual(seen.at(-1), [3000, 3000]);
    for (let i = 1; i < seen.length; i++) assert.ok(seen[i][0] >= seen[i - 1][0]);
  });

  it('an abort rejects with ABORTED and frees the memory of the call', async () => {
    const rt = await KernelRuntime.create();
    const points = randomMatrix(createRng(9), 3000, 8);
    const controller = new AbortController();
    let calls = 0;
    const error = await expectCode(
      () => runKernel('knnDistance', { points, k: 5 }, { kernels: rt, signal: controller.signal, onProgress: () => ++calls === 3 && controller.abort('enough') }),
      'ABORTED',
      'enough',
    );
    assert.equal(error.details.reason, 'enough');
    assert.equal(calls, 3);
    assert.equal(rt.memory.bytesInUse, 0);
  });

  it('an already-aborted signal stops before any work', async () => {
    const rt = await KernelRuntime.create();
    let calls = 0;
    await expectCode(() => runKernel('covariance', { x: randomMatrix(createRng(10), 5, 2) }, { kernels: rt, signal: AbortSignal.abort(), onProgress: () => calls++ }), 'ABORTED');
    assert.equal(calls, 0);
  });
});
