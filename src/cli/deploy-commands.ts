// Deployment from the command line: `encode` (generalist latents), `export-onnx` (a head as
// standalone ONNX), `run` (encoder + head on observations).
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { SpecialistError } from '../core/errors.ts';
import { Generalist } from '../generalist/generalist.ts';
import { writeFileAtomic, writeNpyFile } from '../node/npy-file.ts';
import { SpecialistRuntime } from '../deploy/specialist-runtime.ts';
import { exportSpecialistOnnx } from '../specialist/export-onnx.ts';
import { loadSpecialists } from '../node/specialist-files.ts';
import type { Command } from './commands.ts';
import { refuseCollidingPaths } from './paths.ts';
import { readFloatNpy } from './files.ts';
import { ProgressBar } from './progress.ts';

export const encodeCommand: Command = {
  name: 'encode',
  summary: 'Run a generalist ONNX encoder over observations [n, T, ...obs] or [N, ...obs]; write the latents',
  usage: 'specialist-sdk encode --model M.onnx --input X.npy --out Z.npy [--device auto|wasm|webgpu] [--output TENSOR] [--batch-size B] [--json]',
  options: { model: 'string', input: 'string', out: 'string', device: 'string', output: 'string', 'batch-size': 'string' },
  async run(options, io) {
    const modelPath = options.requireString('model');
    const inputPath = options.requireString('input');
    const out = options.requireString('out');
    const device = options.choice('device', ['auto', 'wasm', 'webgpu'] as const, 'auto');
    const output = options.string('output');
    const batchSize = options.optionalNumber('batch-size', { integer: true, min: 1, max: 1 << 20 });
    const json = options.flag('json');
    options.rejectUnknown();
    refuseCollidingPaths({ out }, { model: modelPath, input: inputPath });
    const generalist = await Generalist.load(pathToFileURL(resolve(modelPath)), { device, output, batchSize });
    const bar = new ProgressBar(json ? undefined : process.stderr);
    try {
      const observations = await readFloatNpy(inputPath);
      const started = performance.now();
      const latents = await generalist.encode(observations, { onProgress: ({ done, total }) => bar.update('encode', done, total) });
      bar.done();
      await writeNpyFile(out, { shape: latents.shape, data: latents.data });
      const report = { out, shape: latents.shape, device: generalist.device, encoderSha256: generalist.modelSha256, elapsedMs: Math.round(performance.now() - started) };
      if (json) io.out(JSON.stringify(report));
      else io.out(`wrote ${out} [${latents.shape.join(', ')}] (${generalist.device.device} via ${generalist.device.backend})`);
      return 0;
    } finally {
      await generalist.dispose();
    }
  },
};

export const exportOnnxCommand: Command = {
  name: 'export-onnx',
  summary: 'Write one task head of a .specialist model as a standalone ONNX model (latents in; block, prediction and, for class-coded targets, class scores out)',
  usage: 'specialist-sdk export-onnx --model model.specialist --task k --out head.onnx [--json]',
  options: { model: 'string', task: 'string', out: 'string' },
  async run(options, io) {
    const modelPath = options.requireString('model');
    const task = options.requireNumber('task', { integer: true, min: 0, max: 1_000_000 });
    const out = options.requireString('out');
    const json = options.flag('json');
    options.rejectUnknown();
    refuseCollidingPaths({ out }, { model: modelPath });
    const model = await loadSpecialists(modelPath);
    const bytes = exportSpecialistOnnx(model, task, { encoderSha256: model.encoderSha256 });
    await writeFileAtomic(out, bytes);
    // An empty block still exports (the file is valid), but its prediction is a constant: say so.
    const warnings = model.supports[task]?.length === 0 ? [`task ${task}'s head reads no coordinate: the exported block is [N, 0] and its prediction a constant (see the fit's warning)`] : [];
    const report = { out, task, support: model.supports[task], bytes: bytes.length, warnings };
    if (json) io.out(JSON.stringify(report));
    else {
      io.out(`wrote ${out}: task ${task}, block of coordinates ${JSON.stringify(report.support)}`);
      for (const w of warnings) io.out(`  warning: ${w}`);
    }
    return 0;
  },
};

export const runCommand: Command = {
  name: 'run',
  summary: 'Encoder and head on observations: write the task block, the prediction and, for class-coded targets, each row\'s class',
  usage:
    'specialist-sdk run --encoder M.onnx --head model.specialist --input X.npy --out Y.npy [--task k] [--block-out B.npy]\n' +
    '      [--class-out C.npy] [--device auto|wasm|webgpu] [--allow-encoder-mismatch] [--json]\n' +
    '  X [N, ...obs]; Y gets the prediction [N, dy], B the specialist block [N, |I_k|], C the code of the\n' +
    '  class each row is read as [N, dy] (the largest class score; only for a task with class-coded targets).',
  options: { encoder: 'string', head: 'string', input: 'string', out: 'string', 'block-out': 'string', 'class-out': 'string', task: 'string', device: 'string', 'allow-encoder-mismatch': 'boolean' },
  async run(options, io) {
    const encoderPath = options.requireString('encoder');
    const headPath = options.requireString('head');
    const inputPath = options.requireString('input');
    const out = options.requireString('out');
    const blockOut = options.string('block-out');
    const classOut = options.string('class-out');
    const task = options.number('task', 0, { integer: true, min: 0, max: 1_000_000 });
    const device = options.choice('device', ['auto', 'wasm', 'webgpu'] as const, 'auto');
    const allowEncoderMismatch = options.flag('allow-encoder-mismatch');
    const json = options.flag('json');
    options.rejectUnknown();
    refuseCollidingPaths({ out, 'block-out': blockOut, 'class-out': classOut }, { encoder: encoderPath, head: headPath, input: inputPath });
    const runtime = await SpecialistRuntime.load(pathToFileURL(resolve(encoderPath)), pathToFileURL(resolve(headPath)), { generalist: { device }, allowEncoderMismatch });
    try {
      // Refused before any encoding: a task without a class map has no class to write.
      if (classOut && runtime.heads.classCodes(task) === null) {
        throw new SpecialistError('INVALID_ARGUMENT', `--class-out: task ${task} has no class map (its targets were not class codes, or the heads file predates format 4); leave --class-out out`, { option: 'class-out', reason: 'not-classes' });
      }
      const started = performance.now();
      const { block, prediction, classes } = await runtime.run(await readFloatNpy(inputPath), task);
      await writeNpyFile(out, prediction);
      if (blockOut) await writeNpyFile(blockOut, block);
      if (classOut && classes) await writeNpyFile(classOut, classes.codes);
      const report = { out, blockOut: blockOut ?? null, classOut: classOut ?? null, task, prediction: prediction.shape, block: block.shape, elapsedMs: Math.round(performance.now() - started) };
      if (json) io.out(JSON.stringify(report));
      else io.out(`wrote ${out} [${prediction.shape.join(', ')}]${blockOut ? ` and ${blockOut} [${block.shape.join(', ')}]` : ''}${classOut && classes ? ` and ${classOut} [${classes.codes.shape.join(', ')}]` : ''}`);
      return 0;
    } finally {
      await runtime.dispose();
    }
  },
};
