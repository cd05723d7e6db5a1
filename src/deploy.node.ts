// Deployment entry for Node (`specialist-sdk/deploy` under the node condition): the same API, with
// Node's services (file: URLs, onnxruntime-node when installed).
import { useNodeServices } from './node/services.ts';

useNodeServices();

export * from './deploy.ts';
