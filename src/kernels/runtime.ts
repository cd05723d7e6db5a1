import { SpecialistError, toSpecialistError } from '../core/errors.ts';
import { compileEmbedded, compileSource, selectBuild, type KernelBuild, type WasmSource } from './builds.ts';
import { KernelMemory, type MemoryOptions } from './memory.ts';

export interface KernelOptions {
  /** Which compilation to run. Default 'auto': relaxed SIMD, else SIMD, else scalar, whichever the host validates. */
  build?: KernelBuild | 'auto';
  /**
   * Your own copy of the kernel module (bytes, a compiled module, or a URL to fetch) for runtimes
   * that forbid embedded code or want a CDN copy. Default: the copies embedded in the package.
   */
  wasm?: WasmSource;
  /** Kernel memory sizing; see MemoryOptions. */
  memory?: MemoryOptions;
}

/** The raw exports of assembly/index.ts. Pointers are byte offsets into the kernel memory. */
export interface KernelExports {
  pairwiseMaxNorm(a: number, b: number, na: number, nb: number, d: number, i0: number, i1: number, out: number): void;
  pairwiseSqEuclidean(a: number, b: number, na: number, nb: number, d: number, i0: number, i1: number, out: number): void;
  knnDistance(data: number, n: number, cols: number, ncols: number, k: number, i0: number, i1: number, scratch: number, out: number): void;
  countWithinRadius(data: number, n: number, cols: number, ncols: number, radius: number, i0: number, i1: number, scratch: number, out: number): void;
  gemm(transA: number, transB: number, m: number, n: number, k: number, alpha: number, a: number, b: number, beta: number, c: number): void;
  columnMeans(x: number, n: number, d: number, means: number): void;
  covariance(x: number, n: number, d: number, ddof: number, means: number, centered: number, cov: number): void;
  denseForward(x: number, n: number, din: number, w: number, dout: number, b: number, act: number, slope: number, pre: number, out: number): void;
  denseBackward(x: number, n: number, din: number, w: number, dout: number, pre: number, out: number, gradOut: number, act: number, slope: number,
    gradPre: number, gradW: number, gradB: number, gradX: number, accumulateX: number): void;
  batchNormForward(x: number, n: number, d: number, eps: number, training: number, mean: number, invStd: number, out: number): void;
  batchNormBackward(xhat: number, gradOut: number, n: number, d: number, invStd: number, sums: number, gradIn: number): void;
  adamStep(param: number, grad: number, m: number, v: number, len: number, lr: number, beta1: number, beta2: number, eps: number, bc1: number, bc2: number): void;
  groupSoftThreshold(w: number, rows: number, cols: number, taus: number, norms: number): void;
  jacobianLayer(jPrev: number, n: number, hPrev: number, din: number, w: number, hNext: number, pre: number, out: number, act: number, slope: number, jOut: number): void;
  meanAbsRows(j: number, n: number, len: number, out: number): void;
  jacobianL1Backward(j: number, pre: number, n: number, din: number, h: number, dy: number, w1: number, w2: number, act: number, slope: number, weight: number,
    gw1: number, gw2: number, scratch: number): void;
  blockDistances(data: number, n: number, cols: number, ncols: number, init: number, out: number, i0: number, i1: number): void;
  nearestIndices(d: number, n: number, s: number, i0: number, i1: number, vals: number, out: number): void;
  cmiCounts(xs: number, dx: number, n: number, nperm: number, dyz: number, dz: number, k: number, guess: number, i0: number, i1: number, scratch: number, eps: number, counts: number): void;
}

const EXPORT_NAMES: (keyof KernelExports)[] = [
  'pairwiseMaxNorm', 'pairwiseSqEuclidean', 'knnDistance', 'countWithinRadius', 'gemm', 'columnMeans', 'covariance',
  'denseForward', 'denseBackward', 'batchNormForward', 'batchNormBackward', 'adamStep', 'groupSoftThreshold', 'jacobianLayer', 'meanAbsRows', 'jacobianL1Backward',
  'blockDistances', 'nearestIndices', 'cmiCounts',
];

/** One instance of the kernel module with its own memory. Not shared between threads. */
export class KernelRuntime {
  private constructor(
    /** The build in use, or 'custom' for a module the user supplied. */
    readonly build: KernelBuild | 'custom',
    readonly memory: KernelMemory,
    private readonly exports: KernelExports,
  ) {}

  static async create(options: KernelOptions = {}): Promise<KernelRuntime> {
    const memory = new KernelMemory(options.memory);
    let build: KernelBuild | 'custom';
    let module: WebAssembly.Module;
    if (options.wasm !== undefined) {
      build = 'custom';
      module = await compileSource(options.wasm);
    } else {
      build = selectBuild(options.build);
      module = await compileEmbedded(build);
    }
    let instance: WebAssembly.Instance;
    try {
      instance = await WebAssembly.instantiate(module, { env: { memory: memory.memory } });
    } catch (error) {
      throw new SpecialistError('INVALID_WASM', `The kernel module could not be instantiated: ${(error as Error).message}`, { build });
    }
    const missing = EXPORT_NAMES.filter((name) => typeof instance.exports[name] !== 'function');
    if (missing.length > 0) {
      throw new SpecialistError('INVALID_WASM', `The kernel module lacks exports: ${missing.join(', ')}`, { missing, build });
    }
    return new KernelRuntime(build, memory, instance.exports as unknown as KernelExports);
  }

  /**
   * Runs `body` with the kernel exports; every allocation made inside is released afterwards,
   * whether it returns, throws or is aborted. A wasm trap becomes a KERNEL_TRAP error.
   */
  scoped<T>(body: (kernels: KernelExports, memory: KernelMemory) => T): T {
    const mark = this.memory.mark();
    try {
      return body(this.exports, this.memory);
    } catch (error) {
      throw toSpecialistError(error);
    } finally {
      this.memory.release(mark);
    }
  }
}
