import { SpecialistError } from '../core/errors.ts';
import * as binaries from './binaries.generated.ts';
import { readBytes } from '../core/read-bytes.ts';
import type { WasmModule } from '../core/lib-types.ts';

/** The three compilations of assembly/, best first. */
export type KernelBuild = 'relaxed-simd' | 'simd' | 'scalar';
/** Every kernel build, best first. */
export const KERNEL_BUILDS: readonly KernelBuild[] = ['relaxed-simd', 'simd', 'scalar'];

/** Where the kernel module comes from when the embedded copies will not do. */
export type WasmSource = ArrayBuffer | ArrayBufferView<ArrayBuffer> | WasmModule | URL | string;

function decodeBase64(text: string): Uint8Array<ArrayBuffer> {
  if (typeof Buffer !== 'undefined') {
    const buf = Buffer.from(text, 'base64');
    return new Uint8Array(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength));
  }
  const raw = atob(text);
  const out = new Uint8Array(raw.length);
  for (let i = 0; i < raw.length; i++) out[i] = raw.charCodeAt(i);
  return out;
}

const embedded: Record<KernelBuild, string> = {
  'relaxed-simd': binaries.relaxedSimd,
  simd: binaries.simd,
  scalar: binaries.scalar,
};

const bytesCache = new Map<KernelBuild, Uint8Array<ArrayBuffer>>();

/** The embedded bytes of one build. */
export function embeddedKernelBytes(build: KernelBuild): Uint8Array<ArrayBuffer> {
  let bytes = bytesCache.get(build);
  if (!bytes) {
    bytes = decodeBase64(embedded[build]);
    bytesCache.set(build, bytes);
  }
  return bytes;
}

/** The builds this host can run, best first (relaxed SIMD needs a flag in Node 20). */
export function supportedBuilds(): KernelBuild[] {
  return KERNEL_BUILDS.filter((build) => WebAssembly.validate(embeddedKernelBytes(build)));
}

/** 'auto' picks the best supported build; a named build the host cannot run is an error. */
export function selectBuild(preference: KernelBuild | 'auto' = 'auto'): KernelBuild {
  const supported = supportedBuilds();
  if (preference === 'auto') {
    if (supported.length === 0) throw new SpecialistError('UNSUPPORTED_BUILD', 'This host validates none of the kernel builds (no WebAssembly?)');
    return supported[0];
  }
  if (!KERNEL_BUILDS.includes(preference)) {
    throw new SpecialistError('INVALID_ARGUMENT', `Unknown kernel build "${preference}"; expected auto, ${KERNEL_BUILDS.join(', ')}`, { build: preference });
  }
  if (!supported.includes(preference)) {
    throw new SpecialistError('UNSUPPORTED_BUILD', `This host cannot run the ${preference} kernel build; it supports ${supported.join(', ') || 'none'}`, {
      build: preference,
      supported,
    });
  }
  return preference;
}

/** Compiles user-provided kernel bytes, a URL or a precompiled module, with a typed error on failure. */
export async function compileSource(source: WasmSource): Promise<WasmModule> {
  if (source instanceof WebAssembly.Module) return source;
  const bytes = source instanceof URL || typeof source === 'string' ? await readBytes(source, 'kernel module', 'INVALID_WASM') : source;
  try {
    return await WebAssembly.compile(bytes);
  } catch (error) {
    throw new SpecialistError('INVALID_WASM', `The kernel module does not compile on this host: ${(error as Error).message}`, {
      cause: (error as Error).message,
    });
  }
}

const moduleCache = new Map<KernelBuild, Promise<WebAssembly.Module>>();

export function compileEmbedded(build: KernelBuild): Promise<WasmModule> {
  let module = moduleCache.get(build);
  if (!module) {
    module = WebAssembly.compile(embeddedKernelBytes(build));
    moduleCache.set(build, module);
  }
  return module;
}
