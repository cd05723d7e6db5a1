// Node entry: the shared API plus what needs the file system.
export * from './index.ts';
export { readNpyFile, writeNpyFile, writeFileAtomic } from './io/npy-file.ts';
export { loadSpecialists, saveSpecialists } from './specialist/node.ts';
