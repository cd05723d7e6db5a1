// Writes the results table of bench/results/specialist-latest.json into docs/specialist.md,
// between its markers (run by bench/specialist.ts; also runnable alone).
import { readFileSync, writeFileSync } from 'node:fs';

interface Score {
  size: number;
  trueSize: number;
  r2Relevant: number;
  r2Other: number;
}
interface Run {
  seconds: number;
  scores: Score[];
  scores3000?: Score[];
  note?: string;
  atLeast?: number;
}

const f2 = (v: number) => v.toFixed(2);
const exact = (s: Score[]) => `${s.filter((t) => t.size === t.trueSize).length}/${s.length}`;
const mean = (s: Score[], f: (t: Score) => number) => s.reduce((a, t) => a + f(t), 0) / Math.max(1, s.length);
const r2 = (s: Score[]) => (s.length ? `${f2(mean(s, (t) => t.r2Relevant))} / ${f2(mean(s, (t) => t.r2Other))}` : '');
const seconds = (run: Run | undefined) => (!run ? 'skipped' : Number.isFinite(run.seconds) ? run.seconds.toFixed(1) : run.atLeast ? `> ${run.atLeast}` : (run.note ?? ''));

/** The scaling and wide-world tables (issue 12) from the results file. */
function scalingTables(r: any): string {
  const lines: string[] = [];
  if (r.scaling) {
    lines.push(
      `Scaling (\`npm run bench:specialist\`, ${r.machine.cpu}, ${r.machine.cores} cores, load average ${r.machine.loadAverage1m.toFixed(1)} at the start): fitSpecialists with defaults on a pool of two workers, beside the same algorithm in PyTorch ${r.scaling.torchThreads ? `(CPU, ${r.scaling.torchThreads} threads)` : '(skipped)'} on the same rows; generalistWorld, seed 0, true step-task relation as membership; exact = tasks with |I_hat| = |I|; R^2 (kernel ridge, 1000 fitting rows) relevant / other coordinates, mean over tasks.`,
      '',
      '| case | d | rows | ours s | PyTorch s | PyTorch / ours | exact (ours) | exact (PyTorch) | R^2 (ours) | R^2 (PyTorch) |',
      '|---|---|---|---|---|---|---|---|---|---|',
      ...r.scaling.cases.map((c: any) => {
        const ratio = c.torch && Number.isFinite(c.torch.seconds) ? `x${(c.torch.seconds / c.ours.seconds).toFixed(1)}` : c.torch?.atLeast ? `> x${(c.torch.atLeast / c.ours.seconds).toFixed(0)}` : '';
        return `| ${c.label} | ${c.d} | ${c.rows} | ${seconds(c.ours)} | ${seconds(c.torch)} | ${ratio} | ${exact(c.ours.scores)} | ${c.torch?.scores?.length ? exact(c.torch.scores) : ''} | ${r2(c.ours.scores)} | ${c.torch ? r2(c.torch.scores) : ''} |`;
      }),
      '',
    );
  }
  if (r.wide) {
    const all = r.wide.flatMap((c: any) => c.ours.scores);
    const with3000 = r.wide.some((c: any) => c.ours.scores3000);
    lines.push(
      `Unseen generalist worlds (seeds ${[...new Set(r.wide.map((c: any) => c.seed))].join(', ')}; four tasks, blocks of d / 8, as many irrelevant coordinates as relevant; 20,000 rows; defaults, two workers): ${all.filter((t: Score) => t.size === t.trueSize).length} of ${all.length} tasks with the exact support size.`,
      '',
      `| d | seed | exact | R^2 relevant (1000${with3000 ? ' / 3000' : ''} fitting rows) | R^2 other | fit s | load average at its start |`,
      '|---|---|---|---|---|---|---|',
      ...r.wide.map((c: any) => `| ${c.d} | ${c.seed} | ${exact(c.ours.scores)} | ${f2(mean(c.ours.scores, (t) => t.r2Relevant))}${with3000 ? ` / ${c.ours.scores3000 ? f2(mean(c.ours.scores3000, (t) => t.r2Relevant)) : ''}` : ''} (min ${f2(Math.min(...c.ours.scores.map((t: Score) => t.r2Relevant)))}) | ${f2(Math.max(...c.ours.scores.map((t: Score) => t.r2Other)))} (max) | ${c.ours.seconds.toFixed(1)} | ${c.loadAtStart?.toFixed(1) ?? ''} |`),
    );
  }
  return lines.join('\n');
}

/** The lifted-width scaling table and issue 18's unseen worlds, from the results file. */
function liftedTables(r: any): string {
  const lines: string[] = [];
  const load = (c: any) => `${c.loadAtStart?.toFixed(1) ?? ''}${c.loadAtEnd === undefined ? '' : ` -> ${c.loadAtEnd.toFixed(1)}`}`;
  const cpu = (run: any) => (run.cpuSeconds === undefined ? '' : run.cpuSeconds.toFixed(1));
  if (r.lifted) {
    lines.push(
      `Lifted widths (\`BENCH_PARTS=lifted\`, ${r.lifted.machine.cpu}, ${r.lifted.machine.cores} cores): generalistWorld with an intrinsic 32 (blocks 4, 4, 4, 4 and 16 irrelevant) lifted to W numbers, seed 0, per-step targets, true membership; fitSpecialists with defaults on two workers (median of the row's fits; CPU = seconds of CPU of all threads, peak = resident memory of the process) beside PyTorch (CPU, ${r.lifted.torchThreads} threads, the same front end and algorithm; '> t': stopped after t s). Rows may come from different runs: each gives its own date and load.`,
      '',
      '| case | W | rows | components | fits | ours s | CPU s | peak MiB | PyTorch s | PyTorch / ours | exact (ours) | exact (PyTorch) | R^2 (ours) | R^2 (PyTorch) | load average (start -> end) | run |',
      '|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|',
      ...r.lifted.cases.map((c: any) => {
        // A PyTorch run stopped before ours ended bounds nothing.
        const bound = (limit: number) => (limit >= c.ours.seconds ? `> x${(limit / c.ours.seconds).toFixed(0)}` : 'none (stopped first)');
        const ratio = c.torch && Number.isFinite(c.torch.seconds) ? `x${(c.torch.seconds / c.ours.seconds).toFixed(1)}` : c.torch?.atLeast ? bound(c.torch.atLeast) : '';
        return `| ${c.label} | ${c.width} | ${c.rows} | ${c.ours.latentDims ?? ''} | ${c.repeats ?? c.ours.samples?.length ?? 1} | ${seconds(c.ours)} | ${cpu(c.ours)} | ${c.ours.peakRssMiB ?? ''} | ${seconds(c.torch)} | ${ratio} | ${exact(c.ours.scores)} | ${c.torch?.scores?.length ? exact(c.torch.scores) : ''} | ${r2(c.ours.scores)} | ${c.torch ? r2(c.torch.scores) : ''} | ${load(c)} | ${c.date?.slice(0, 16) ?? '2026-12-07'} |`;
      }),
      '',
    );
  }
  if (r.unseen) {
    const all = r.unseen.cases.flatMap((c: any) => c.ours.scores);
    lines.push(
      `Issue 18's unseen worlds (\`BENCH_PARTS=unseen\`, ${r.unseen.machine.cpu}, ${r.unseen.machine.cores} cores): ${[...new Set(r.unseen.cases.map((c: any) => (c.width > c.d ? `lifted W = ${c.width} (intrinsic 32, every served step of 2000 episodes)` : `full-rank d = ${c.d} (blocks of ${c.d / 8}, ${c.d / 2} irrelevant, ${c.rows} rows)`)))].join(', ')}; defaults, two workers (the CLI's defaults): ${all.filter((t: Score) => t.size === t.trueSize).length} of ${all.length} tasks with the exact support size.`,
      '',
      '| case | seed | rows | components | exact | R^2 relevant (min) | R^2 other (max) | fit s | CPU s | peak MiB | load average (start -> end) | run |',
      '|---|---|---|---|---|---|---|---|---|---|---|---|',
      ...r.unseen.cases.map((c: any) => `| ${c.label} | ${c.seed} | ${c.rows} | ${c.ours.latentDims ?? ''} | ${exact(c.ours.scores)} | ${f2(Math.min(...c.ours.scores.map((t: Score) => t.r2Relevant)))} | ${f2(Math.max(...c.ours.scores.map((t: Score) => t.r2Other)))} | ${c.ours.seconds.toFixed(1)} | ${cpu(c.ours)} | ${c.ours.peakRssMiB ?? ''} | ${load(c)} | ${c.date?.slice(0, 16) ?? '2026-12-07'} |`),
      '',
    );
  }
  return lines.join('\n');
}

export function writeDocTable(): void {
  const r = JSON.parse(readFileSync('bench/results/specialist-latest.json', 'utf8'));
  let doc = readFileSync('docs/specialist.md', 'utf8');
  if (r.scaling || r.wide) doc = doc.replace(/<!-- scaling: written by bench\/specialist.ts -->[\s\S]*<!-- \/scaling -->/, `<!-- scaling: written by bench/specialist.ts -->\n${scalingTables(r)}\n<!-- /scaling -->`);
  for (const part of ['lifted', 'unseen'] as const) {
    if (!r[part]) continue;
    const marker = new RegExp(`<!-- ${part}: written by bench/specialist.ts -->[\\s\\S]*<!-- /${part} -->`);
    doc = doc.replace(marker, `<!-- ${part}: written by bench/specialist.ts -->\n${liftedTables({ [part]: r[part] })}\n<!-- /${part} -->`);
  }
  if (r.ablation && r.throughput) doc = doc.replace(/<!-- results: written by bench\/specialist.ts -->[\s\S]*<!-- \/results -->/, `<!-- results: written by bench/specialist.ts -->\n${blocksTables(r)}\n<!-- /results -->`);
  writeFileSync('docs/specialist.md', doc);
}

/** The blocks-world ablation and the throughput row (issue 4). */
function blocksTables(r: any): string {
  const [withPenalty] = r.ablation;
  const { seeds, n, epochs, architecture } = r;
  const ours = r.throughput.wasm;
  const torch = r.throughput.torch;
  const relaxed = r.machine.execArgv.includes('--experimental-wasm-relaxed-simd');
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
  return table;
}

if (process.argv[1]?.endsWith('specialist-doc.ts')) writeDocTable();
