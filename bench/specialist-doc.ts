// Writes the results table of bench/results/specialist-latest.json into docs/specialist.md,
// between its markers (run by bench/specialist.ts; also runnable alone).
import { readFileSync, writeFileSync } from 'node:fs';

export function writeDocTable(): void {
  const r = JSON.parse(readFileSync('bench/results/specialist-latest.json', 'utf8'));
  const [withPenalty] = r.ablation;
  const { seeds, n, epochs, architecture } = r;
  const ours = r.throughput.wasm;
  const torch = r.throughput.torch;
  const relaxed = r.machine.execArgv.includes('--experimental-wasm-relaxed-simd');
  const f2 = (v: number) => v.toFixed(2);
  const table = [
    `Measured ${new Date().toISOString().slice(0, 10)} on ${r.machine.cpu} (${r.machine.cores} cores), ${seeds} seeds, N = ${n}, epochs ${epochs}.`,
    '',
    '| fit | seeds | mean R^2 relevant | mean R^2 irrelevant | \\|I_hat\\| = \\|I\\| (all pairs) | same, overlapping tasks 0-1 | mean \\|I_hat\\| (true 2.67) | converged | median fit s |',
    '|---|---|---|---|---|---|---|---|---|',
    ...r.ablation.map((a: any) => `| ${a.label} | ${a.seeds ?? seeds} | ${f2(a.summary.meanR2Relevant)} | ${f2(a.summary.meanR2Irrelevant)} | ${(a.summary.exactSizeFraction * 100).toFixed(0)}% | ${(a.summary.exactSizeFractionOverlapping * 100).toFixed(0)}% | ${f2(a.summary.meanEstimatedSize)} | ${a.summary.convergedFraction === undefined ? '' : `${(a.summary.convergedFraction * 100).toFixed(0)}%`} | ${a.summary.medianFitSeconds.toFixed(1)} |`),
    '',
    'Per (seed, task): |I_hat| / |I| and R^2 relevant / irrelevant, and the lambda chosen per task:',
    '',
    '| fit | seed | task 0 {0,1,2} | task 1 {2,3} | task 2 {4,5,6} | lambda |',
    '|---|---|---|---|---|---|',
    ...r.ablation.filter((a: any) => a !== r.ablation[1]).flatMap((a: any) =>
      a.runs.map((run: any) => `| ${a === withPenalty ? 'group' : 'Jacobian'} | ${run.seed} | ${a.tasks.filter((t: any) => t.seed === run.seed).map((t: any) => `${t.estimatedSize}/${t.trueSize}, ${f2(t.r2Relevant)} / ${f2(t.r2Irrelevant)}`).join(' | ')} | ${run.lambda.map((l: number) => +l.toFixed(2)).join(', ')} |`),
    ),
    '',
    `Training throughput, one epoch (median of 5), ${architecture}:`,
    '',
    '| implementation | samples/s | ms per epoch |',
    '|---|---|---|',
    `| wasm kernels (this SDK, ${relaxed ? 'relaxed-simd' : 'simd'} build, 1 thread) | ${ours.samplesPerSecond.toFixed(0)} | ${ours.epochMs.toFixed(0)} |`,
    torch.samplesPerSecond ? `| PyTorch ${(torch as { torch?: string }).torch ?? ''} CPU (1 thread) | ${torch.samplesPerSecond.toFixed(0)} | ${torch.epochMs!.toFixed(0)} |` : `| PyTorch CPU | ${torch.note} | |`,
  ].join('\n');
  const doc = readFileSync('docs/specialist.md', 'utf8');
  writeFileSync('docs/specialist.md', doc.replace(/<!-- results: written by bench\/specialist.ts -->[\s\S]*<!-- \/results -->/, `<!-- results: written by bench/specialist.ts -->\n${table}\n<!-- /results -->`));
}

if (process.argv[1]?.endsWith('specialist-doc.ts')) writeDocTable();
