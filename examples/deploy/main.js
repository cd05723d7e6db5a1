// Deployment: WorkerSpecialistRuntime (from 'specialist-sdk/deploy', no training code) loads an
// encoder and its heads in a worker, so the page never stalls while a large encoder loads, then runs
// each incoming observation through the encoder and every head.
import { WorkerSpecialistRuntime, configureOnnxRuntime } from 'specialist-sdk/deploy';
// Only for the stand-in stream: observations of the synthetic world the heads were fitted on.
import { generalistWorld } from 'specialist-sdk/lab';
import { scatterSvg } from './scatter.js';

configureOnnxRuntime({ moduleUrl: import.meta.resolve('onnxruntime-web') });

// The stream replays episodes from this one on: past what a training run on the first 2000 (the
// browser example's default) has seen.
const STREAM_FROM = 4000;
const STREAM_EPISODES = 100;
const EVERY_MS = 100;
const KEEP = 200; // points per scatter plot

const $ = (id) => document.getElementById(id);
let runtime = null;
let timer = 0;
let pending = Promise.resolve(); // the observation in flight

function say(message, isError = false) {
  $('status').textContent = message;
  $('status').classList.toggle('error', isError);
}

const bytesOf = async (input) => new Uint8Array(await input.files[0].arrayBuffer());
const hex = (buffer) => [...new Uint8Array(buffer)].map((b) => b.toString(16).padStart(2, '0')).join('');

function drawObservation(values) {
  const canvas = $('observation');
  const context = canvas.getContext('2d');
  const width = canvas.width / values.length;
  values.forEach((v, i) => {
    const shade = Math.round(127.5 + 127.5 * Math.tanh(v / 2));
    context.fillStyle = `rgb(${shade}, ${shade}, ${255 - shade})`;
    context.fillRect(i * width, 0, width, canvas.height);
  });
}

async function start() {
  const seed = Number($('seed').value);
  const steps = Number($('steps').value);
  $('start').disabled = true;
  try {
    say('Loading the encoder and the heads...');
    // The bytes are handed to the worker, not copied (the page does not need them afterwards).
    runtime = await WorkerSpecialistRuntime.load(await bytesOf($('encoder')), await bytesOf($('heads')), {}, { transfer: true });
    const world = generalistWorld({ episodes: STREAM_FROM + STREAM_EPISODES, steps, seed });
    // A stream from another world would give the heads latents they were not fitted on.
    if (hex(await crypto.subtle.digest('SHA-256', world.encoderOnnx)) !== runtime.encoderSha256) {
      throw Object.assign(new Error(`the synthetic world of seed ${seed} and ${steps} steps has another encoder than the one loaded: give the seed and steps the heads were fitted with`), { code: 'STREAM_MISMATCH' });
    }
    stream(world);
    $('stop').disabled = false;
    say(`Running ${runtime.tasks} heads on the encoder (${runtime.device.device}: ${runtime.device.reason}).`);
  } catch (error) {
    await fail(error);
  }
}

function stream(world) {
  const [, T, D] = world.shapes.observations;
  const [N, M] = world.shapes.relation;
  const L = T / N;
  const dg = world.shapes.tasks[2];
  const points = Array.from({ length: runtime.tasks }, () => []);
  const times = [];
  let index = STREAM_FROM * T;
  $('live').hidden = false;

  const tick = async () => {
    const loaded = runtime;
    if (!loaded) return;
    if (index >= world.observations.length / D) return say(`The stream ended after ${times.length} observations.`);
    const episode = Math.floor(index / T);
    const step = index % T;
    const observation = world.observations.subarray(index * D, (index + 1) * D);
    const started = performance.now();
    for (let task = 0; task < loaded.tasks; task++) {
      const { prediction } = await loaded.run({ data: observation, shape: [D] }, task);
      // Head j learnt task j's per-step contribution, defined where the step's segment serves the task.
      if (task < M && world.truth.relation[Math.floor(step / L) * M + task]) {
        const truth = world.contributions[(index * M + task) * dg];
        points[task] = [...points[task], { episode, step, truth, prediction: prediction.data[0] }].slice(-KEEP);
      }
    }
    times.push(performance.now() - started);
    index++;
    drawObservation(observation);
    const median = [...times].sort((a, b) => a - b)[times.length >> 1];
    $('counter').textContent = `${times.length} observations (episode ${episode}, step ${step}); encoder + ${loaded.tasks} heads: ${times.at(-1).toFixed(1)} ms, median ${median.toFixed(1)} ms`;
    $('scatters').innerHTML = points.map((p, task) => scatterSvg(p, `head ${task}: ${p.length} points`)).join('');
    if (runtime === loaded) timer = setTimeout(next, EVERY_MS);
  };
  const next = () => {
    pending = tick();
    pending.catch(fail);
  };
  next();
}

async function fail(error) {
  await stop();
  say(`Failed: [${error?.code ?? error?.name}] ${error?.message}`, true);
}

async function stop() {
  clearTimeout(timer);
  const loaded = runtime;
  runtime = null;
  await pending.catch(() => {}); // let the observation in flight finish before the session goes
  await loaded?.dispose();
  $('stop').disabled = true;
  $('start').disabled = !($('encoder').files.length && $('heads').files.length);
}

for (const id of ['encoder', 'heads']) $(id).addEventListener('change', () => ($('start').disabled = !($('encoder').files.length && $('heads').files.length) || runtime !== null));
$('start').addEventListener('click', start);
$('stop').addEventListener('click', async () => {
  await stop();
  say('Stopped.');
});
