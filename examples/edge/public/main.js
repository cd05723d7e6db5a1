// The page: no SDK code here. It registers the Service Worker (which stores everything for offline
// use), and runs the heads either in a Web Worker (handing it the bytes) or in the Service Worker.
const ASSETS = {
  encoder: 'assets/encoder.onnx',
  heads: 'assets/heads.specialist',
  ortWasm: 'assets/ort-wasm-simd-threaded.wasm',
  observations: 'assets/observations.npy',
};
const SHOWN = 8; // observations shown in the table

const $ = (id) => document.getElementById(id);
const say = (id, message, isError = false) => {
  $(id).textContent = message;
  $(id).classList.toggle('error', isError);
};

function show(where, result) {
  const { predictions, milliseconds, device } = result;
  $('result-title').textContent = `${where}: ${predictions.length} heads on ${predictions[0].shape[0]} observations in ${milliseconds.toFixed(1)} ms (${device.device})`;
  const header = `<tr><th>observation</th>${predictions.map((_, j) => `<th>head ${j}</th>`).join('')}</tr>`;
  const rows = Array.from({ length: Math.min(SHOWN, predictions[0].shape[0]) }, (_, k) => {
    const cells = predictions.map(({ shape, data }) => `<td>${data.slice(k * shape[1], k * shape[1] + 2).map((v) => v.toFixed(4)).join(', ')}, ...</td>`);
    return `<tr><td>${k}</td>${cells.join('')}</tr>`;
  });
  $('predictions').innerHTML = header + rows.join('');
  $('predictions').dataset.where = where;
  $('predictions').dataset.predictions = JSON.stringify(predictions);
  $('result').hidden = false;
}

// One request, one answer, over a fresh MessageChannel (Service Worker) or the worker's own port.
function ask(target, message, transfer = []) {
  return new Promise((resolve, reject) => {
    const channel = new MessageChannel();
    channel.port1.onmessage = ({ data }) => (data.type === 'error' ? reject(new Error(data.error)) : resolve(data));
    target.postMessage(message, [channel.port2, ...transfer]);
  });
}

let worker = null;
async function runInWorker() {
  say('status', 'Fetching the assets and starting the Web Worker...');
  if (!worker) {
    const started = new Worker('worker.js', { type: 'module' });
    try {
      const entries = await Promise.all(Object.entries(ASSETS).map(async ([name, url]) => [name, await (await fetch(url)).arrayBuffer()]));
      const assets = Object.fromEntries(entries);
      await ask(started, { type: 'load', assets }, Object.values(assets));
    } catch (error) {
      started.terminate();
      throw error;
    }
    worker = started;
  }
  return (await ask(worker, { type: 'run' })).result;
}

async function runInServiceWorker() {
  const registration = await navigator.serviceWorker.ready;
  return (await ask(registration.active, { type: 'run' })).result;
}

for (const [button, where, run] of [
  ['run-worker', 'Web Worker', runInWorker],
  ['run-sw', 'Service Worker', runInServiceWorker],
]) {
  $(button).addEventListener('click', async () => {
    $(button).disabled = true;
    try {
      say('status', `Running in the ${where}...`);
      show(where, await run());
      say('status', `Done in the ${where}${navigator.onLine ? '' : ', offline'}.`);
    } catch (error) {
      say('status', `Failed in the ${where}: ${error.message}`, true);
    } finally {
      $(button).disabled = false;
    }
  });
}

if ('serviceWorker' in navigator) {
  navigator.serviceWorker.register('sw.js', { type: 'module' }).catch((error) => say('sw-status', `Service Worker: ${error.message}`, true));
  navigator.serviceWorker.ready.then(() => {
    say('sw-status', 'Service Worker: ready; the page and the assets are stored for offline use.');
    $('run-sw').disabled = false;
  });
} else {
  say('sw-status', 'Service Worker: not available on this page (it needs https or localhost).', true);
}
