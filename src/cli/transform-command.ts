// `specialist-sdk transform`: a saved model maps latents to s_hat, or to one task's block.
import { writeNpyFile } from '../node/npy-file.ts';
import { loadSpecialists } from '../node/specialist-files.ts';
import type { Command } from './commands.ts';
import { refuseCollidingPaths } from './paths.ts';
import { readMatrixNpy } from './files.ts';

export const transformCommand: Command = {
  name: 'transform',
  summary: 'Map latents through a saved model: s_hat [N, d_hat], or one task\'s block [N, |I_k|]',
  usage: 'specialist-sdk transform --model model.specialist --latents Z.npy [--task k] --out S.npy [--json]',
  options: { model: 'string', latents: 'string', task: 'string', out: 'string' },
  async run(options, io) {
    const modelPath = options.requireString('model');
    const latentsPath = options.requireString('latents');
    const task = options.optionalNumber('task', { integer: true, min: 0, max: 1_000_000 });
    const out = options.requireString('out');
    const json = options.flag('json');
    options.rejectUnknown();
    refuseCollidingPaths({ out }, { model: modelPath, latents: latentsPath });
    const model = await loadSpecialists(modelPath);
    const s = model.transform(await readMatrixNpy(latentsPath, 'latents'), task);
    await writeNpyFile(out, s);
    const warnings = s.shape[1] === 0 ? [`task ${task}'s head reads no coordinate: its block is empty (see the fit's warning)`] : [];
    if (json) io.out(JSON.stringify({ out, shape: s.shape, task: task ?? null, warnings }));
    else {
      io.out(`wrote ${out} [${s.shape.join(', ')}]`);
      for (const w of warnings) io.out(`  warning: ${w}`);
    }
    return 0;
  },
};
