// The laboratory entry for Node (`specialist-sdk/lab` under the node condition): the same tools,
// with Node's services (loadOcrModel reads file: URLs; runKernelInWorker starts worker threads).
import { useNodeServices } from './node/services.ts';

useNodeServices();

export * from './lab.ts';
