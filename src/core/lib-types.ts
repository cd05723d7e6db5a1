// Host types spelled so that consumers need no extra libs: a Node project compiling with lib ES2022
// and @types/node has no DOM lib, hence no WebAssembly namespace and no MessagePort type. Each alias
// is the real type where the consumer's libs declare it, and `never` where they do not (then the
// option that takes it is simply unavailable to that project's types).
type Globals = typeof globalThis;

export type WasmModule = Globals extends { WebAssembly: { Module: { prototype: infer M } } } ? M : never;
export type WasmMemory = Globals extends { WebAssembly: { Memory: { prototype: infer M } } } ? M : never;
export type MessagePortLike = Globals extends { MessagePort: { prototype: infer P } } ? P : never;
