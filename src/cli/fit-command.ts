// `specialist-sdk fit`: Layer 2 from files: latents and task targets in, a .specialist model out.
import { SpecialistError } from '../core/errors.ts';
import { readNpyFile } from '../node/npy-file.ts';
import { fitSpecialists } from '../specialist/fit.ts';
import { saveSpecialists } from '../node/specialist-files.ts';
import { SEED, parseNumber } from './args.ts';
import type { Command } from './commands.ts';
import { refuseCollidingPaths } from './paths.ts';
import { asMembership, readFloatNpy, readMatrixNpy } from './files.ts';
import { ProgressBar } from './progress.ts';

export const fitCommand: Command = {
  name: 'fit',
  summary: 'Layer 2: learn each task\'s block of latent coordinates; save the heads to a .specialist file',
  usage:
    'specialist-sdk fit --latents Z.npy --targets Y.npy [--membership W.npy] [--lambda auto|X] [--penalty group|jacobian|none]\n' +
    '      [--latent-dims D] [--epochs E] [--seed N] --out model.specialist [--json]\n' +
    '  Z [N, d]; Y [N, K] or [N, K, dy]; W [N, K] of 0/1 (rows that count for each task).',
  options: { latents: 'string', targets: 'string', membership: 'string', lambda: 'string', penalty: 'string', 'latent-dims': 'string', epochs: 'string', seed: 'string', out: 'string' },
  conditions: { lambda: { penalty: ['group', 'jacobian'] } },
  async run(options, io) {
    const latentsPath = options.requireString('latents');
    const targetsPath = options.requireString('targets');
    const membershipPath = options.string('membership');
    const lambdaText = options.string('lambda', 'auto')!;
    const penalty = options.choice('penalty', ['group', 'jacobian', 'none'] as const, 'group');
    const latentDims = options.optionalNumber('latent-dims', { integer: true, min: 1, max: 1024 });
    const epochs = options.optionalNumber('epochs', { integer: true, min: 1, max: 100000 });
    const seed = options.number('seed', 0, SEED);
    const out = options.requireString('out');
    const json = options.flag('json');
    const lambda = lambdaText === 'auto' ? 'auto' : parseNumber(lambdaText);
    if (lambda === undefined || (lambda !== 'auto' && !(Number.isFinite(lambda) && lambda >= 0))) {
      throw new SpecialistError('INVALID_ARGUMENT', `--lambda must be auto or a non-negative number, got ${lambdaText}`, { option: 'lambda' });
    }
    options.rejectUnknown();
    refuseCollidingPaths({ out }, { latents: latentsPath, targets: targetsPath, membership: membershipPath });
    const latents = await readMatrixNpy(latentsPath, 'latents');
    const targets = await readFloatNpy(targetsPath);
    const membership = membershipPath ? asMembership(await readNpyFile(membershipPath), membershipPath) : undefined;
    const bar = new ProgressBar(json ? undefined : process.stderr);
    const t0 = performance.now();
    const model = await fitSpecialists(latents, targets, { lambda, penalty, latentDims, epochs, seed }, {
      membership,
      onProgress: (p) => bar.update(`fit ${p.phase}`, p.done, p.total),
    });
    bar.done();
    await saveSpecialists(out, model);
    const report = { supports: model.supports, lambda: model.lambda, latentDims: model.latentDims, converged: model.converged, elapsedMs: Math.round(performance.now() - t0), out };
    if (json) io.out(JSON.stringify(report));
    else {
      io.out(`fitted ${model.tasks} task heads on ${model.latentDims} coordinates${model.converged ? '' : ' (not converged)'}; saved ${out}`);
      model.supports.forEach((s, k) => io.out(`  task ${k}: coordinates ${s.join(', ') || '(none)'}  (lambda ${model.lambda[k]})`));
    }
    return 0;
  },
};
