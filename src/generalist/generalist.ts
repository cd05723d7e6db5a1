import type * as Ort from 'onnxruntime-web';
import { SpecialistError, throwIfAborted } from '../core/errors.ts';
import { callBack, makeYielder, type CallOptions } from '../core/call-options.ts';
import type { Tensor } from '../core/tensor.ts';
import { readBytes } from '../core/read-bytes.ts';
import { sha256HexAsync } from '../io/sha256.ts';
import { checkOnnxSeal } from '../io/onnx-seal.ts';
import { exposeTensor, readGraphInfo, type GraphInfo, type GraphValue } from '../onnx/graph.ts';
import { createRng } from '../core/random.ts';
import { checkFinite } from '../core/tensor.ts';
import { checkAllocation, checkCount, checkKeys, checkShape } from '../core/validate.ts';
import { checkBatchOutput, checkObservationInput, probeOutputLayout } from './output-layout.ts';
import { isNode, webGpu } from '../core/platform.ts';
import { loadOrtNode, loadOrtWeb, type OrtModule } from './ort.ts';
import { onnxRuntimeSettings } from '../core/onnxruntime-settings.ts';

/**
 * The device a caller asks for: 'auto' (WebGPU when it agrees with wasm on a canary batch),
 * 'webgpu' or 'wasm'.
 */
export type GeneralistDevice = 'auto' | 'webgpu' | 'wasm';
/** Which onnxruntime ran the session (declared here, not beside the loader, so these types need no onnxruntime types). */
export type OrtBackend = 'onnxruntime-web' | 'onnxruntime-node';

/** A tensor handed to the model once and reused for every batch (masks, fixed state inputs). */
export interface FixedInput {
  data: Float32Array | Int32Array | BigInt64Array | Uint8Array;
  dims: number[];
}

/**
 * How a generalist ONNX model is loaded and run: device, input and output names, pooling, batch
 * size, onnxruntime's files.
 */
export interface GeneralistOptions {
  /**
   * Where the model runs. 'auto' (default): WebGPU when the browser offers an adapter AND a canary
   * batch gives the same embedding as the wasm EP (within `canaryTolerance`), otherwise wasm; the
   * choice and its reason are in `device`. In Node: 'auto' uses onnxruntime-node when installed,
   * else onnxruntime-web's wasm backend; 'wasm' always uses onnxruntime-web's wasm backend (there is
   * no WebGPU in Node).
   */
  device?: GeneralistDevice;
  /** The model input that receives the observations. Default: its first input. */
  input?: string;
  /**
   * The tensor used as the embedding. Default: the model's first output. May name an internal
   * tensor: the graph is edited to expose it before the session is created.
   */
  output?: string;
  /** Mean-pool the embedding over these axes of the output tensor (e.g. [2, 3] for NCHW maps). */
  poolAxes?: number[];
  /** Values for the model's other inputs, given once. Every other input must be listed here. */
  fixedInputs?: Record<string, FixedInput>;
  /** Rows per session run, 1 to 65536. Default 256, or the model's fixed batch size if it has one. */
  batchSize?: number;
  /** Largest accepted |webgpu - wasm| on the canary, relative to the embedding's scale. Default 1e-3. */
  canaryTolerance?: number;
  /** Passed to onnxruntime-web's env.wasm (where to find its .wasm files, or their bytes). Default: configureOnnxRuntime's. */
  wasmPaths?: string | Record<string, string>;
  wasmBinary?: ArrayBuffer | Uint8Array;
  /** onnxruntime-web wasm threads. Default: onnxruntime's own default. */
  numThreads?: number;
  /**
   * Where to import onnxruntime-web from. Default: the bare specifier 'onnxruntime-web' (bundlers,
   * Node, pages with an import map). Module workers do not see a page's import map: give the URL
   * of onnxruntime-web's ES module build (e.g. .../onnxruntime-web/dist/ort.bundle.min.mjs).
   * Default: configureOnnxRuntime's moduleUrl, else the bare specifier.
   */
  onnxruntime?: string | URL;
}

/**
 * Where a generalist runs and why: the device, the onnxruntime that runs it, the reason, and the
 * canary's difference when WebGPU was tried.
 */
export interface DeviceChoice {
  /** 'webgpu' or 'wasm' (onnxruntime-web), or 'cpu': onnxruntime-node's native CPU provider. */
  device: 'webgpu' | 'wasm' | 'cpu';
  backend: OrtBackend;
  reason: string;
  /** max |webgpu - wasm| over the canary batch, when both ran. */
  canaryMaxAbsDiff?: number;
}


const DEFAULT_BATCH = 256;
const GENERALIST_KEYS: Record<keyof GeneralistOptions, true> = {
  device: true, input: true, output: true, poolAxes: true, fixedInputs: true, batchSize: true, canaryTolerance: true, wasmPaths: true, wasmBinary: true, numThreads: true, onnxruntime: true,
};
/** Rows per session run at most: beyond this a batch only costs memory. */
const MAX_BATCH = 65536;

function product(dims: readonly number[]): number {
  return dims.reduce((a, b) => a * b, 1);
}

/** The generalist encoder: an ONNX model that maps observations to latents. */
export class Generalist {
  private constructor(
    private readonly ort: OrtModule,
    private readonly session: Ort.InferenceSession,
    /** SHA-256 of the model bytes as given (before any graph edit): heads record it. */
    readonly modelSha256: string,
    readonly inputName: string,
    readonly outputName: string,
    /** Per-observation dims the model expects (after the batch axis); strings are dynamic axes. */
    readonly observationDims: (number | string)[],
    readonly batchSize: number,
    /** The model's batch axis has a fixed size: the last batch is zero-padded to it. */
    private readonly fixedBatch: boolean,
    readonly device: DeviceChoice,
    private readonly fixed: Record<string, Ort.Tensor>,
  ) {}

  /** Set once the output layout was probed (on the first batch encoded). */
  private layoutChecked = false;
  private disposing?: Promise<void>;

  static async load(model: Uint8Array | ArrayBuffer | URL | string, options: GeneralistOptions = {}): Promise<Generalist> {
    const bytes = model instanceof Uint8Array ? model : model instanceof ArrayBuffer ? new Uint8Array(model) : await readBytes(model, 'ONNX model', 'INVALID_FILE');
    if (!options || typeof options !== 'object') throw new SpecialistError('INVALID_ARGUMENT', 'options must be an object', { argument: 'options' });
    checkKeys('GeneralistOptions', options, GENERALIST_KEYS);
    // A model the SDK wrote (an exported head) carries a checksum: damage anywhere is refused here.
    await checkOnnxSeal(bytes);
    // Hashed off the thread (Web Crypto) while the session is created: 64 MB held it ~3 s in TypeScript.
    const digest = sha256HexAsync(bytes);
    digest.catch(() => {}); // awaited below; a failure before then must not surface as unhandled
    const info = readGraphInfo(bytes);
    const inputValue = pickInput(info, options.input);
    checkObservationInput(inputValue);
    const target = options.output ?? info.outputs[0]?.name;
    if (!target) throw new SpecialistError('INVALID_FILE', 'The ONNX model has no outputs');
    const needsEdit = (options.poolAxes?.length ?? 0) > 0 || !info.outputs.some((o) => o.name === target);
    const exposed = needsEdit ? exposeTensor(bytes, target, { poolAxes: options.poolAxes }) : { model: bytes, output: target };
    const [batchAxis, ...observationDims] = inputValue.shape ?? ['batch'];
    const fixedBatch = typeof batchAxis === 'number';
    if (fixedBatch && options.batchSize !== undefined && options.batchSize !== batchAxis) {
      // The model decides: a batchSize that cannot apply is refused rather than ignored.
      throw new SpecialistError('INVALID_ARGUMENT', `batchSize ${options.batchSize} does not apply: the model's batch axis is fixed at ${batchAxis} (leave batchSize out)`, { argument: 'batchSize', fixed: batchAxis });
    }
    const batchSize = fixedBatch ? batchAxis : (options.batchSize ?? DEFAULT_BATCH);
    checkCount(fixedBatch ? `the model's fixed batch size` : 'batchSize', batchSize, 1, MAX_BATCH);
    if (options.numThreads !== undefined) checkCount('numThreads', options.numThreads, 1, 1024);
    if (options.canaryTolerance !== undefined && !(options.canaryTolerance >= 0 && options.canaryTolerance < Infinity)) {
      throw new SpecialistError('INVALID_ARGUMENT', `canaryTolerance must be a finite number >= 0, got ${options.canaryTolerance}`, { argument: 'canaryTolerance' });
    }

    const ort = await pickRuntime(options);
    const fixed = makeFixedInputs(ort, info, inputValue.name, options.fixedInputs ?? {});
    const canaryRows = fixedBatch ? batchSize : Math.min(batchSize, 4);
    const { session, choice } = await createSession(ort, exposed.model, exposed.output, inputValue.name, observationDims, canaryRows, fixed, options);
    return new Generalist(ort, session, await digest, inputValue.name, exposed.output, observationDims, batchSize, fixedBatch, choice, fixed);
  }

  /**
   * Encodes observations `[n, T, ...obs]` (or `[N, ...obs]`) into latents `[n, T, d]` (or `[N, d]`),
   * where d is the size of one embedding (pooled or flattened). Batched, with progress and abort.
   */
  async encode(observations: Tensor<Float32Array>, options: CallOptions = {}): Promise<Tensor<Float32Array>> {
    if (this.disposing) throw new SpecialistError('ABORTED', 'This encoder was disposed: load it again to encode', { reason: 'disposed' });
    const { data, shape } = observations ?? {};
    const obsRank = this.observationDims.length;
    if (!(data instanceof Float32Array)) throw new SpecialistError('INVALID_ARGUMENT', 'observations.data must be a Float32Array');
    const size = checkShape('observations', shape);
    if (shape.length !== obsRank + 1 && shape.length !== obsRank + 2) {
      throw new SpecialistError('SHAPE_MISMATCH', `observations have shape [${shape.join(', ')}]; the model input "${this.inputName}" takes [batch, ${this.observationDims.join(', ')}], so give [N, ${this.observationDims.join(', ')}] or [n, T, ${this.observationDims.join(', ')}]`, {
        shape,
        expected: this.observationDims,
      });
    }
    const lead = shape.slice(0, shape.length - obsRank);
    const obsShape = shape.slice(shape.length - obsRank);
    this.observationDims.forEach((d, i) => {
      if (typeof d === 'number' && d !== obsShape[i]) {
        throw new SpecialistError('SHAPE_MISMATCH', `observation axis ${i + lead.length} has size ${obsShape[i]}, the model input "${this.inputName}" needs ${d}`, {
          axis: i + lead.length,
          size: obsShape[i],
          expected: d,
        });
      }
    });
    if (data.length !== size) throw new SpecialistError('SHAPE_MISMATCH', `observations declare [${shape.join(', ')}] but hold ${data.length} values`);
    const rows = product(lead);
    const rowSize = product(obsShape);
    if (rows === 0 || rowSize === 0) {
      throw new SpecialistError('INVALID_ARGUMENT', `observations [${shape.join(', ')}] hold no observation to encode`, { shape: [...shape], reason: 'empty' });
    }
    checkFinite('observations', data, rowSize);
    const run = (batch: Float32Array, count: number) => this.runBatch(batch, count, obsShape);
    let out: Float32Array | undefined;
    let width: number | undefined;
    // onnxruntime-web's wasm runs resolve without a macrotask turn: without this, an abort message
    // (a worker's job port) could not arrive before the last batch. At most one yield per 50 ms.
    const yieldNow = options.signal ? makeYielder(50) : undefined;
    for (let start = 0; start < rows; start += this.batchSize) {
      await yieldNow?.();
      throwIfAborted(options.signal);
      const end = Math.min(rows, start + this.batchSize);
      const count = this.fixedBatch ? this.batchSize : end - start;
      const batch = new Float32Array(count * rowSize);
      batch.set(data.subarray(start * rowSize, end * rowSize));
      if (!this.layoutChecked) {
        // Once per encoder, on real observations: does each output row follow its input row?
        const probeRows = this.fixedBatch ? count : Math.min(count, 8);
        await probeOutputLayout(run, this.outputName, batch.subarray(0, probeRows * rowSize), probeRows, this.fixedBatch);
        this.layoutChecked = true;
      }
      const tensor = await run(batch, count);
      const values = checkBatchOutput(tensor, this.outputName, count, width, start);
      if (!out) {
        width = values.length / count;
        checkAllocation(`latents [${rows}, ${width}]`, rows * width);
        out = new Float32Array(rows * width);
      }
      out.set(values.subarray(0, (end - start) * width!), start * width!);
      tensor.dispose?.();
      callBack('onProgress', options.onProgress, { done: end, total: rows });
    }
    return { data: out!, shape: [...lead, width!] };
  }

  /** One session run; onnxruntime's own failures become typed errors that name the batch. */
  private async runBatch(batch: Float32Array, count: number, obsShape: number[]): Promise<Ort.Tensor> {
    const dims = [count, ...obsShape];
    let result: Ort.InferenceSession.OnnxValueMapType;
    try {
      // onnxruntime-web's proxy mode (env.wasm.proxy, set by the app) transfers input buffers to its
      // worker, detaching them; the layout probe reuses its batch, so hand it a copy then.
      const input = this.ort.env.wasm?.proxy ? batch.slice() : batch;
      result = await this.session.run({ ...this.fixed, [this.inputName]: new this.ort.Tensor('float32', input, dims) }, [this.outputName]);
    } catch (error) {
      throw new SpecialistError('INVALID_ARGUMENT', `onnxruntime could not run the encoder on a batch of shape [${dims.join(', ')}]: ${(error as Error)?.message ?? error}`, {
        dims,
        reason: 'session-run',
      });
    }
    return result[this.outputName] as Ort.Tensor;
  }

  /** Frees the onnxruntime session. Calling it again does nothing; encode() afterwards is ABORTED. */
  dispose(): Promise<void> {
    this.disposing ??= releaseSession(this.session);
    return this.disposing;
  }
}

function pickInput(info: GraphInfo, name: string | undefined): GraphValue {
  if (info.inputs.length === 0) throw new SpecialistError('INVALID_FILE', 'The ONNX model has no inputs');
  if (name === undefined) return info.inputs[0];
  const found = info.inputs.find((i) => i.name === name);
  if (!found) throw new SpecialistError('INVALID_ARGUMENT', `The model has no input "${name}"; its inputs are ${info.inputs.map((i) => i.name).join(', ')}`, { input: name });
  return found;
}

const ELEM_TYPES: Record<number, string> = { 1: 'float32', 2: 'uint8', 6: 'int32', 7: 'int64', 9: 'bool' };

function makeFixedInputs(ort: OrtModule, info: GraphInfo, main: string, given: Record<string, FixedInput>): Record<string, Ort.Tensor> {
  const out: Record<string, Ort.Tensor> = {};
  for (const name of Object.keys(given)) {
    if (!info.inputs.some((i) => i.name === name)) throw new SpecialistError('INVALID_ARGUMENT', `fixedInputs names "${name}", which is not a model input`, { input: name });
  }
  for (const input of info.inputs) {
    if (input.name === main) continue;
    const value = given[input.name];
    if (!value) {
      throw new SpecialistError('INVALID_ARGUMENT', `The model input "${input.name}" [${(input.shape ?? []).join(', ')}] needs a value: pass it in fixedInputs`, { input: input.name });
    }
    if (value.data.length !== product(value.dims)) throw new SpecialistError('SHAPE_MISMATCH', `fixedInputs.${input.name}: dims [${value.dims.join(', ')}] hold ${product(value.dims)} values, data has ${value.data.length}`);
    input.shape?.forEach((d, i) => {
      if (typeof d === 'number' && value.dims[i] !== d) {
        throw new SpecialistError('SHAPE_MISMATCH', `fixedInputs.${input.name}: axis ${i} is ${value.dims[i]}, the model needs ${d}`, { input: input.name, axis: i });
      }
    });
    const type = value.data instanceof Float32Array ? 'float32' : value.data instanceof Int32Array ? 'int32' : value.data instanceof BigInt64Array ? 'int64' : ELEM_TYPES[input.elemType] === 'bool' ? 'bool' : 'uint8';
    try {
      out[input.name] = new ort.Tensor(type as 'float32', value.data as Float32Array, value.dims);
    } catch (error) {
      throw new SpecialistError('INVALID_ARGUMENT', `fixedInputs.${input.name}: onnxruntime refused the tensor: ${(error as Error)?.message ?? error}`, { input: input.name });
    }
  }
  return out;
}

/** onnxruntime's own failure to free a session, typed (never expected: dispose() releases once). */
async function releaseSession(session: Ort.InferenceSession): Promise<void> {
  try {
    await session.release();
  } catch (error) {
    throw new SpecialistError('INTERNAL', `onnxruntime could not release the session: ${(error as Error)?.message ?? error}`, { reason: 'session-release' });
  }
}

async function createWith(ort: OrtModule, model: Uint8Array, provider: 'webgpu' | 'wasm' | 'cpu'): Promise<Ort.InferenceSession> {
  try {
    return await ort.InferenceSession.create(model, { executionProviders: [provider], graphOptimizationLevel: 'all' });
  } catch (error) {
    throw new SpecialistError('INVALID_FILE', `onnxruntime could not create a ${provider} session: ${(error as Error).message}`, { provider });
  }
}

/** onnxruntime-node in Node when installed and the device is 'auto', else onnxruntime-web. */
async function pickRuntime(options: GeneralistOptions): Promise<OrtModule> {
  if (isNode && (options.device ?? 'auto') === 'auto') {
    const native = await loadOrtNode();
    if (native) return native;
  }
  const settings = onnxRuntimeSettings();
  const url = options.onnxruntime ?? settings.moduleUrl;
  let ort: OrtModule;
  try {
    ort = await loadOrtWeb(url);
  } catch (error) {
    throw new SpecialistError('INVALID_ARGUMENT', `onnxruntime-web could not be imported${url === undefined ? '' : ` from ${String(url)} (the onnxruntime option or configureOnnxRuntime's moduleUrl)`}: ${(error as Error)?.message ?? error}`, {
      argument: 'onnxruntime',
      reason: 'onnxruntime-import',
    });
  }
  const wasmPaths = options.wasmPaths ?? settings.wasmPaths;
  if (wasmPaths !== undefined) ort.env.wasm.wasmPaths = wasmPaths;
  if (options.wasmBinary !== undefined) ort.env.wasm.wasmBinary = options.wasmBinary;
  if (options.numThreads !== undefined) ort.env.wasm.numThreads = options.numThreads;
  return ort;
}

async function createSession(
  ort: OrtModule,
  model: Uint8Array,
  output: string,
  inputName: string,
  observationDims: (number | string)[],
  canaryRows: number,
  fixed: Record<string, Ort.Tensor>,
  options: GeneralistOptions,
): Promise<{ session: Ort.InferenceSession; choice: DeviceChoice }> {
  const device = options.device ?? 'auto';
  if (!['auto', 'webgpu', 'wasm'].includes(device)) throw new SpecialistError('INVALID_ARGUMENT', `device must be auto, webgpu or wasm, got ${device}`);
  const wasm = async (reason: string): Promise<{ session: Ort.InferenceSession; choice: DeviceChoice }> => {
    const backend: OrtBackend = ort === (await loadOrtNode()) ? 'onnxruntime-node' : 'onnxruntime-web';
    return { session: await createWith(ort, model, backend === 'onnxruntime-node' ? 'cpu' : 'wasm'), choice: { device: backend === 'onnxruntime-node' ? 'cpu' : 'wasm', backend, reason } };
  };
  if (isNode) {
    if (device === 'webgpu') throw new SpecialistError('UNSUPPORTED_BUILD', 'WebGPU is not available in Node; use device "wasm" or "auto"', { device });
    const native = ort === (await loadOrtNode());
    if (native) return wasm('Node: onnxruntime-node is installed (native CPU)');
    return wasm(device === 'wasm' ? 'requested' : 'Node: no WebGPU; onnxruntime-web wasm backend (install onnxruntime-node for native speed)');
  }
  if (device === 'wasm') return wasm('requested');
  const gpu = webGpu();
  const adapter = gpu ? await gpu.requestAdapter().catch(() => null) : null;
  if (!adapter) {
    if (device === 'webgpu') throw new SpecialistError('UNSUPPORTED_BUILD', 'WebGPU was requested but this browser offers no adapter', { device });
    return wasm(gpu ? 'no WebGPU adapter' : 'no navigator.gpu in this browser');
  }
  let gpuSession: Ort.InferenceSession;
  try {
    gpuSession = await createWith(ort, model, 'webgpu');
  } catch (error) {
    if (device === 'webgpu') throw error;
    return wasm(`WebGPU session failed: ${(error as Error).message}`);
  }
  if (device === 'webgpu') return { session: gpuSession, choice: { device: 'webgpu', backend: 'onnxruntime-web', reason: 'requested' } };
  // 'auto': trust WebGPU only if it computes what wasm computes (fp16 drift, driver bugs).
  const cpu = await wasm('');
  const canary = { ...fixed, ...canaryBatch(ort, inputName, observationDims, canaryRows) };
  // One after the other: onnxruntime-web runs both EPs in one wasm instance, which refuses a second
  // run while one is in flight ("Session already started").
  let a: Ort.InferenceSession.OnnxValueMapType, b: Ort.InferenceSession.OnnxValueMapType;
  try {
    a = await gpuSession.run(canary, [output]);
    b = await cpu.session.run(canary, [output]);
  } catch (error) {
    await Promise.allSettled([gpuSession.release(), cpu.session.release()]);
    throw new SpecialistError('INVALID_ARGUMENT', `onnxruntime could not run the encoder on its canary batch: ${(error as Error)?.message ?? error}`, { reason: 'session-run', canary: true });
  }
  const x = a[output].data as Float32Array;
  const y = b[output].data as Float32Array;
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < x.length; i++) {
    diff = Math.max(diff, Math.abs(x[i] - y[i]));
    scale = Math.max(scale, Math.abs(y[i]));
  }
  const tolerance = (options.canaryTolerance ?? 1e-3) * Math.max(1, scale);
  if (diff <= tolerance) {
    await releaseSession(cpu.session);
    return { session: gpuSession, choice: { device: 'webgpu', backend: 'onnxruntime-web', reason: `WebGPU agrees with wasm on the canary (max |diff| ${diff.toExponential(2)})`, canaryMaxAbsDiff: diff } };
  }
  await releaseSession(gpuSession);
  cpu.choice.reason = `WebGPU disagrees with wasm on the canary (max |diff| ${diff.toExponential(2)} > ${tolerance.toExponential(2)})`;
  cpu.choice.canaryMaxAbsDiff = diff;
  return cpu;
}

/** A small seeded input of the declared shape (dynamic axes as 8). */
function canaryBatch(ort: OrtModule, inputName: string, observationDims: (number | string)[], rows: number): Record<string, Ort.Tensor> {
  const rng = createRng(20260);
  const dims = [rows, ...observationDims.map((d) => (typeof d === 'number' ? d : 8))];
  return { [inputName]: new ort.Tensor('float32', Float32Array.from({ length: product(dims) }, () => rng.normal()), dims) };
}
