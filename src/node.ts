// Node entry: the shared API with Node's services (worker threads, files, onnxruntime-node), plus
// what needs the file system.
import { useNodeServices } from './node/services.ts';
useNodeServices();

export * from './index.ts';
export { readNpyFile, writeNpyFile, writeFileAtomic } from './node/npy-file.ts';
export { loadSpecialists, saveSpecialists } from './node/specialist-files.ts';
