// Imports by package name; Vite finds the SDK's worker and onnxruntime-web's .wasm by itself
// (new URL(..., import.meta.url)), in `vite` (dev) and in `vite build`.
import { PIPELINE_STAGES, WorkerPool, isSpecialistError, runPipelineInWorker } from 'specialist-sdk';
import { generalistWorld } from 'specialist-sdk/lab';

const WORLD = { episodes: 600, steps: 8, seed: 1 };
const OPTIONS = { structure: { segmentLength: 2 }, specialists: { epochs: 40, seed: 1 } };

const $ = (id) => document.getElementById(id);
let controller = null;

function showRelation(found, truth) {
  const cell = (k, i) => {
    const [f, t] = [found[k][i], truth[k][i]];
    const kind = f && t ? 'found' : f ? 'found extra' : t ? 'missed' : '';
    return `<td class="${kind}" title="${kind || 'not served'}">${f}</td>`;
  };
  const header = `<tr><th></th>${found[0].map((_, i) => `<th>task ${i}</th>`).join('')}</tr>`;
  const caption = '<caption>Layer 1: blue, the segment serves the task; red outline, not what the world says</caption>';
  $('relation').innerHTML = caption + header + found.map((row, k) => `<tr><th>segment ${k}</th>${row.map((_, i) => cell(k, i)).join('')}</tr>`).join('');
  $('relation').hidden = false;
}

async function run(pool) {
  controller = new AbortController();
  $('run').disabled = true;
  $('cancel').disabled = false;
  $('status').textContent = 'Running...';
  try {
    const world = generalistWorld(WORLD);
    const [n, T] = world.shapes.observations;
    const [N, M, dg] = [world.shapes.relation[0], ...world.shapes.tasks.slice(1)];
    const result = await runPipelineInWorker(
      {
        encoder: world.encoderOnnx,
        observations: { data: world.observations, shape: world.shapes.observations },
        tasks: { data: world.tasks, shape: world.shapes.tasks },
        stepTargets: { data: world.contributions, shape: [n, T, M, dg] },
      },
      OPTIONS,
      {
        pool,
        signal: controller.signal,
        onProgress: ({ stage, done, total }) => {
          $('progress').value = (PIPELINE_STAGES.indexOf(stage) + done / total) / PIPELINE_STAGES.length;
          $('stage').textContent = `${stage}: ${done} / ${total}`;
        },
      },
    );
    $('progress').value = 1;
    $('stage').textContent = 'done';
    const truth = Array.from({ length: N }, (_, k) => Array.from(world.truth.relation.subarray(k * M, k * M + M)));
    showRelation(result.structure.relation, truth);
    $('supports').innerHTML = (result.specialists?.supports ?? []).map((s, j) => `<li>task ${result.fittedTasks[j]} reads latent coordinates ${s.join(', ')}</li>`).join('');
    $('status').textContent = `Done in ${(result.timings.totalMs / 1000).toFixed(1)} s (encoder on ${result.device.device}).`;
  } catch (error) {
    $('status').textContent = isSpecialistError(error, 'ABORTED') ? 'Cancelled.' : `Failed: [${error?.code ?? error?.name}] ${error?.message}`;
  } finally {
    $('run').disabled = false;
    $('cancel').disabled = true;
  }
}

const pool = await WorkerPool.create({ size: 1 });
$('run').addEventListener('click', () => run(pool));
$('cancel').addEventListener('click', () => controller?.abort());
$('run').disabled = false;
