// A Service Worker that runs the heads offline. At install it stores the page and the asset bytes
// in Cache Storage; afterwards it serves the page from there and answers 'run' messages from the
// bytes it stored, with or without a network.
import { loadRuntime, runHeads } from './run-heads.js';

// A new name for new files: the old cache then goes with the old Service Worker.
const CACHE = 'specialist-edge-v1';
const SHELL = ['./', './index.html', './main.js', './worker.js'];
const ASSETS = {
  encoder: './assets/encoder.onnx',
  heads: './assets/heads.specialist',
  ortWasm: './assets/ort-wasm-simd-threaded.wasm',
  observations: './assets/observations.npy',
};

self.addEventListener('install', (event) => {
  event.waitUntil(caches.open(CACHE).then((cache) => cache.addAll([...SHELL, ...Object.values(ASSETS)])).then(() => self.skipWaiting()));
});
self.addEventListener('activate', (event) => {
  const stale = caches.keys().then((names) => Promise.all(names.filter((name) => name !== CACHE).map((name) => caches.delete(name))));
  event.waitUntil(stale.then(() => self.clients.claim()));
});

// Cache first: what was stored at install answers, the network only for anything else.
self.addEventListener('fetch', (event) => {
  event.respondWith(caches.match(event.request, { ignoreSearch: true }).then((hit) => hit ?? fetch(event.request)));
});

let loading = null;
async function cachedBytes() {
  const cache = await caches.open(CACHE);
  const entries = await Promise.all(
    Object.entries(ASSETS).map(async ([name, url]) => {
      const response = await cache.match(url);
      if (!response) throw Object.assign(new Error(`${url} is not in the cache`), { code: 'NOT_CACHED' });
      return [name, await response.arrayBuffer()];
    }),
  );
  return Object.fromEntries(entries);
}

self.addEventListener('message', (event) => {
  if (event.data?.type !== 'run') return;
  const reply = (message) => event.ports[0].postMessage(message);
  event.waitUntil(
    (async () => {
      try {
        loading ??= cachedBytes().then(async (assets) => ({ runtime: await loadRuntime(assets), observations: assets.observations }));
        const { runtime, observations } = await loading;
        reply({ type: 'result', result: await runHeads(runtime, observations) });
      } catch (error) {
        loading = null;
        reply({ type: 'error', error: `[${error?.code ?? error?.name}] ${error?.message}` });
      }
    })(),
  );
});
