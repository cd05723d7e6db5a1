// The self-contained HTML report of a pipeline run: summary and warnings; Layer 1's segment-task
// relation against the truth and its p-values; each head's Jacobian over s_hat with its support,
// and R^2 of relevant and irrelevant blocks; with a dense baseline, the two heads side by side.
// Titles are HTML captions (they wrap; nothing clips), each with one line on how to read the
// figure; figures scale down to narrow screens.
import { bars } from './bars.ts';
import { comparisonSection, type ReportComparison } from './comparison.ts';
import { heatmap } from './heatmap.ts';
import { escapeHtml as esc, figure, type LegendEntry, shade } from './svg.ts';

export interface ReportTask {
  task: number;
  support: number[];
  /** Mean |d prediction / d s_hat_j| per coordinate. */
  importance: number[];
  trueBlock?: number[];
  r2Relevant?: number;
  r2Irrelevant?: number;
}

export interface ReportData {
  title: string;
  generatedAt: string;
  summary: [string, string][];
  segments: number;
  segmentLength: number;
  tasks: number;
  /** N x M, 1 where segment k serves task i. */
  relation: number[][];
  /** The true N x M relation, when known. */
  truth?: number[][];
  method: string;
  /** Conditioning set of the direct tests ('neighbours' or 'all-states'), when known. */
  conditioning?: string;
  /** 'pairwise': per task N x N p-values; 'direct': per task N p-values. */
  pValues: (number | null)[][][] | null;
  directPValues: (number | null)[][] | null;
  latentDims: number;
  heads: ReportTask[];
  warnings: string[];
  /** Each task's specialist head beside a dense head (PipelineResult.comparison), when fitted. */
  comparison?: ReportComparison[] | null;
}

/** -log10(p) scaled to [0, 1] at p = 1e-6, so darker means stronger evidence of dependence. */
const evidence = (p: number | null) => (p === null ? null : Math.min(1, -Math.log10(Math.max(p, 1e-300)) / 6));
const P_SCALE: LegendEntry = { kind: 'scale', low: 'p = 1', high: 'p ≤ 1e-6' };
const UNTESTED: LegendEntry = { kind: 'swatch', fill: shade(null), label: 'not tested' };

function formatP(p: number | null): string {
  if (p === null) return '';
  if (p === 0) return '0';
  return p < 0.001 ? p.toExponential(0) : p.toFixed(3);
}


function structureFigures(r: ReportData): string[] {
  const { segments: N, tasks: M } = r;
  const segs = Array.from({ length: N }, (_, k) => String(k));
  const taskLabels = Array.from({ length: M }, (_, i) => `task ${i}`);
  const cell = (grid: number[][] | undefined, i: number, k: number) => grid?.[k]?.[i] ?? 0;
  const out = [
    figure(
      'Segments serving each task: found by Layer 1' + (r.truth ? ', against the truth' : ''),
      heatmap({
        label: 'segments serving each task',
        rowLabels: taskLabels,
        colLabels: segs,
        colTitle: 'segment k',
        values: taskLabels.flatMap((_, i) => segs.map((_, k) => cell(r.relation, i, k))),
        outline: r.truth ? taskLabels.flatMap((_, i) => segs.map((_, k) => cell(r.truth, i, k))) : undefined,
        tooltip: (i, k) => `task ${i}, segment ${k}: ${cell(r.relation, i, k) ? 'found' : 'not found'}${r.truth ? `; truth ${cell(r.truth, i, k) ? 'serves' : 'does not serve'}` : ''}`,
        legend: [{ kind: 'swatch', fill: shade(1), label: 'found' }, { kind: 'swatch', fill: shade(0), label: 'not found' }, ...(r.truth ? [{ kind: 'outline', label: 'true relation' } as const] : [])],
      }),
      r.truth
        ? 'A dark cell without a red outline is a false positive; an outlined light cell is a miss.'
        : 'Each dark cell: Layer 1 found that segment k serves task i.',
    ),
  ];
  if (r.method === 'direct' && r.directPValues) {
    const p = r.directPValues;
    const given = r.conditioning === 'all-states' ? 'every other state' : r.conditioning === 'neighbours' ? 'its two neighbours' : 'the conditioning set';
    out.push(
      figure(
        `p-values of the direct tests: the state at segment k's last step against task i, given ${given}`,
        heatmap({
          label: 'p-values of the direct tests',
          rowLabels: taskLabels,
          colLabels: segs,
          colTitle: 'segment k',
          values: p.flat().map(evidence),
          cellText: (i, k) => formatP(p[i][k]),
          tooltip: (i, k) => `task ${i}, segment ${k}: p = ${p[i][k] ?? 'not tested'}`,
          cell: 48,
          legend: [P_SCALE, ...(p.flat().includes(null) ? [UNTESTED] : [])],
        }),
        'Raw p-values; the decisions above use them after the multiple-testing correction. Darker: stronger evidence that the segment serves the task.',
      ),
    );
  } else if (r.pValues) {
    r.pValues.forEach((matrix, i) =>
      out.push(
        figure(
          `Task ${i}: p-values of segment pairs given the band and the task variable g_${i}`,
          heatmap({
            label: `task ${i}: p-values of segment pairs`,
            rowLabels: segs.map((k) => `seg ${k}`),
            colLabels: segs,
            colTitle: 'segment v',
            values: matrix.flat().map(evidence),
            cellText: (k, v) => (k === v ? '' : formatP(matrix[k][v])),
            tooltip: (k, v) => (k === v ? `segment ${k}` : `segments ${k} and ${v}: p = ${matrix[k][v] ?? 'not tested'}`),
            cell: 48,
            legend: [P_SCALE, UNTESTED],
          }),
          'Raw p-values; a dark pair means both segments serve the task (decided after the correction).',
        ),
      ),
    );
  }
  return out;
}

function specialistFigures(r: ReportData): string[] {
  if (!r.heads.length) return [];
  const coords = Array.from({ length: r.latentDims }, (_, j) => String(j));
  const out = [
    figure(
      'How strongly each head reads each coordinate of s_hat, and its support',
      heatmap({
        label: 'mean absolute Jacobian of each head',
        rowLabels: r.heads.map((h) => `task ${h.task}`),
        colLabels: coords,
        colTitle: 'coordinate j of s_hat',
        values: r.heads.flatMap((h) => {
          const max = Math.max(...h.importance, 1e-12);
          return h.importance.map((v) => v / max);
        }),
        outline: r.heads.flatMap((h) => coords.map((_, j) => Number(h.support.includes(j)))),
        tooltip: (row, j) => `task ${r.heads[row].task}, coordinate ${j}: mean |d prediction / d s_hat_j| = ${r.heads[row].importance[j]?.toPrecision(3)}${r.heads[row].support.includes(j) ? ' (in the support)' : ''}`,
        legend: [{ kind: 'scale', low: '0', high: "task's largest" }, { kind: 'outline', label: 'support (coordinates the head keeps)' }],
      }),
      'Mean |d prediction / d s_hat_j| over the rows of the task, scaled to its largest. The specialist representation of a task is s_hat on its support.',
    ),
  ];
  const scored = r.heads.filter((h) => h.r2Relevant !== undefined);
  if (scored.length) {
    out.push(
      figure(
        'R² from each specialist block to the true coordinates',
        bars({
          label: 'R squared of each specialist block',
          axisTitle: 'R² (kernel ridge, held-out rows)',
          groups: scored.map((h) => ({
            label: `task ${h.task}`,
            bars: [
              { name: 'true block (want high)', value: h.r2Relevant!, colour: '#2ca02c' },
              { name: 'other coordinates (want low)', value: Math.max(0, h.r2Irrelevant ?? 0), colour: '#d62728' },
            ],
          })),
        }),
        "Green: how much of the task's true block the specialist block explains. Red: how much of every other true coordinate it still carries.",
      ),
    );
  }
  return out;
}

export function renderReport(r: ReportData): string {
  const rows = r.summary.map(([k, v]) => `<tr><th>${esc(k)}</th><td>${esc(v)}</td></tr>`).join('');
  const warnings = r.warnings.length ? `<h2>Warnings</h2><ul class="warn">${r.warnings.map((w) => `<li>${esc(w)}</li>`).join('')}</ul>` : '';
  const section = (title: string, figures: string[]) => (figures.length ? `<h2>${esc(title)}</h2>\n<div class="figs">\n${figures.join('\n')}\n</div>` : '');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${esc(r.title)}</title>
<style>
body{font:15px/1.5 system-ui,sans-serif;margin:2em auto;max-width:1240px;color:#222;padding:0 1em}
h1{font-size:1.6em;overflow-wrap:anywhere}h2{font-size:1.2em;margin-top:1.6em}
table{border-collapse:collapse;margin:1em 0}th,td{border-bottom:1px solid #ddd;padding:.3em .8em;text-align:left;vertical-align:top;overflow-wrap:anywhere}
th{font-weight:600;white-space:nowrap}.warn{color:#8a4b00}
.figs{display:flex;flex-wrap:wrap;gap:1.5em 3em;align-items:flex-start}
.fig{margin:0;max-width:100%}.scroll{overflow-x:auto;max-width:100%}td.num{white-space:nowrap}.fig svg{display:block;max-width:100%;height:auto}
figcaption{font-weight:600;margin-bottom:.4em}.note{color:#555;font-size:.9em;margin:.4em 0 0}
</style></head><body>
<h1>${esc(r.title)}</h1>
<p>Generated ${esc(r.generatedAt)} by specialist. Segments of ${r.segmentLength} steps; method ${esc(r.method)}${r.conditioning && r.method === 'direct' ? `, conditioning ${esc(r.conditioning)}` : ''}.</p>
<table>${rows}</table>${warnings}
${section('Layer 1: which segments serve which task', structureFigures(r))}
${section("Layer 2: each task's block of coordinates", specialistFigures(r))}
${r.comparison?.length ? comparisonSection(r.comparison) : ''}
</body></html>
`;
}
