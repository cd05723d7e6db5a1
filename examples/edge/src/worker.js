// A Web Worker: the page posts the asset bytes once (transferred, not copied), then asks for runs;
// each message brings the port to answer on.
import { loadRuntime, runHeads } from './run-heads.js';

let runtime = null;
let observations = null;

self.onmessage = async ({ data: message, ports: [reply] }) => {
  try {
    if (message.type === 'load') {
      await runtime?.dispose();
      runtime = await loadRuntime(message.assets);
      observations = message.assets.observations;
      reply.postMessage({ type: 'loaded' });
    } else if (message.type === 'run') {
      reply.postMessage({ type: 'result', result: await runHeads(runtime, observations) });
    }
  } catch (error) {
    reply.postMessage({ type: 'error', error: `[${error?.code ?? error?.name}] ${error?.message}` });
  }
};
