// Host types spelled so that consumers need no extra libs: a Node project compiling with lib ES2022
// and @types/node has no DOM lib, hence no WebAssembly namespace and no MessagePort type. Each alias
// is the real type where the consumer's libs declare it, and `never` where they do not (then the
// option that takes it is simply unavailable to that project's types).

/** `WebAssembly.Module` where the consumer's libs declare it (the DOM lib or @types/node), else `never`. */
export type WasmModule = typeof globalThis extends { WebAssembly: { Module: { prototype: infer M } } } ? M : never;
export type WasmMemory = typeof globalThis extends { WebAssembly: { Memory: { prototype: infer M } } } ? M : never;
export type MessagePortLike = typeof globalThis extends { MessagePort: { prototype: infer P } } ? P : never;
