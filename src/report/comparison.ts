// The report's section on what a deployer gains: each task's specialist head beside a dense head
// (the same network without the penalty, on the same rows). A table with every fact, and bars of
// each evaluation set's accuracy (or R² where the targets are not class codes).
import { bars } from './bars.ts';
import { escapeHtml as esc, figure } from './svg.ts';

/** What the report reads of one head (pipeline/compare.ts's HeadFacts has it all). */
export interface ReportHead {
  architecture: 'linear' | 'nonlinear';
  inputWidth: number;
  validationLoss: number;
  parameters: number;
  onnxBytes: number;
  latencyMs: number;
  sets: { name: string; rows: number; r2: number; accuracy: number | null; leakage: Record<string, number> }[];
}

export interface ReportComparison {
  task: number;
  specialist: ReportHead;
  dense: ReportHead | null;
}

const f2 = (v: number) => (Number.isFinite(v) ? v.toFixed(2) : '–');

function setCell(s: ReportHead['sets'][number]): string {
  const score = s.accuracy !== null ? `accuracy ${f2(s.accuracy)}, R² ${f2(s.r2)}` : `R² ${f2(s.r2)}`;
  const leaks = Object.entries(s.leakage).map(([name, v]) => `${name} ${f2(Math.max(0, v))}`);
  return `${esc(score)}${leaks.length ? `<br>leaks ${esc(leaks.join(', '))}` : ''}`;
}

function table(rows: ReportComparison[]): string {
  const sets = rows[0].specialist.sets.map((s) => s.name);
  const head = ['task', 'head', 'reads', 'validation loss', ...sets, 'to deploy'];
  const line = (first: string, name: string, h: ReportHead) =>
    `<tr>${first}<td class="num">${name}<br><small>${h.architecture}</small></td><td class="num">${h.inputWidth}</td><td class="num">${f2(h.validationLoss)}</td>${h.sets.map((s) => `<td>${setCell(s)}</td>`).join('')}<td>${h.parameters.toLocaleString('en')} numbers<br>ONNX ${(h.onnxBytes / 1024).toFixed(0)} KB<br>${h.latencyMs.toFixed(2)} ms a row</td></tr>`;
  const body = rows
    .flatMap((r) => {
      const first = `<td rowspan="${r.dense ? 2 : 1}">${r.task}</td>`;
      return [line(first, 'specialist', r.specialist), ...(r.dense ? [line('', 'dense', r.dense)] : [])];
    })
    .join('');
  return `<div class="scroll"><table><tr>${head.map((h) => `<th>${esc(h)}</th>`).join('')}</tr>${body}</table></div>`;
}

export function comparisonSection(rows: ReportComparison[]): string {
  const figures: string[] = [];
  const withSets = rows.filter((r) => r.specialist.sets.length > 0);
  if (withSets.length) {
    const score = (s: ReportHead['sets'][number]) => s.accuracy ?? s.r2;
    const usesAccuracy = withSets.every((r) => r.specialist.sets.every((s) => s.accuracy !== null));
    figures.push(
      figure(
        `${usesAccuracy ? 'Accuracy' : 'R²'} of each head on each evaluation set`,
        bars({
          label: 'specialist and dense heads on each evaluation set',
          axisTitle: usesAccuracy ? 'accuracy (read by class, or the class code nearest the prediction)' : 'R² of the predictions',
          groups: withSets.flatMap((r) =>
            r.specialist.sets.map((s, k) => ({
              label: `task ${r.task}, ${s.name}`,
              bars: [
                { name: 'specialist head', value: score(s), colour: '#1f77b4' },
                ...(r.dense ? [{ name: 'dense head', value: score(r.dense.sets[k]), colour: '#ff7f0e' }] : []),
              ],
            })),
          ),
        }),
        'The specialist head reads only its block; the dense head reads every coordinate. Where a nuisance was tied to the content in training and is not here, the dense head is the one that can have learnt the shortcut.',
      ),
    );
  }
  return `<h2>Specialist head or dense head</h2>
<p class="note">The dense head is the same network fitted on the same rows without the sparsity penalty. Reads: coordinates of ŝ the head reads. Validation loss: on the fit's own validation rows (whitened targets, 1 = the variance). Leaks: held-out R² of a kernel ridge probe from the head's input to each nuisance (0: none recovered). To deploy: the numbers a task's prediction reads (the ONNX file carries all of ŝ) and the time of one prediction in this thread.</p>
${table(rows)}
${figures.length ? `<div class="figs">\n${figures.join('\n')}\n</div>` : ''}`;
}
