// The self-contained HTML report of a pipeline run: summary, segment-task heatmap against the
// truth, p-values per task, each head's Jacobian support, and R^2 of relevant and irrelevant blocks.
import { bars, escapeHtml as esc, heatmap } from './svg.ts';

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
  relation: number[][];
  truth?: number[][];
  method: string;
  /** 'pairwise': per task N x N p-values; 'direct': per task N p-values. */
  pValues: (number | null)[][][] | null;
  directPValues: (number | null)[][] | null;
  latentDims: number;
  heads: ReportTask[];
  warnings: string[];
}

/** -log10(p) scaled to [0, 1] at p = 1e-6, so darker means stronger evidence of dependence. */
const evidence = (p: number | null) => (p === null ? null : Math.min(1, -Math.log10(Math.max(p, 1e-300)) / 6));

export function renderReport(r: ReportData): string {
  const segLabels = Array.from({ length: r.segments }, (_, k) => `seg ${k}`);
  const taskLabels = Array.from({ length: r.tasks }, (_, i) => `task ${i}`);
  const taskColumns = Array.from({ length: r.tasks }, (_, i) => `T${i}`);
  const figures: string[] = [];
  figures.push(
    heatmap({
      title: 'Segments serving each task T (dark: found; red outline: truth)',
      rowLabels: segLabels,
      colLabels: taskColumns,
      values: r.relation.flat(),
      outline: r.truth?.flat(),
    }),
  );
  if (r.method === 'direct' && r.directPValues) {
    figures.push(
      heatmap({
        title: 'p-values of s[r_k] vs g_i given its neighbours (darker: smaller p)',
        rowLabels: taskLabels,
        colLabels: segLabels,
        values: r.directPValues.flat().map(evidence),
        cellText: (_v, row, col) => formatP(r.directPValues![row][col]),
        cell: 34,
      }),
    );
  } else if (r.pValues) {
    r.pValues.forEach((matrix, i) =>
      figures.push(
        heatmap({
          title: `task ${i}: p-values of segment pairs given the band and g_${i}`,
          rowLabels: segLabels,
          colLabels: segLabels,
          values: matrix.flat().map(evidence),
          cellText: (v, row, col) => (row === col ? '' : formatP(matrix[row][col])),
          cell: 34,
        }),
      ),
    );
  }
  if (r.heads.length) {
    const coords = Array.from({ length: r.latentDims }, (_, j) => `s${j}`);
    figures.push(
      heatmap({
        title: 'Mean |Jacobian| of each head over s_hat (scaled per task; outline: support)',
        rowLabels: r.heads.map((h) => `task ${h.task}`),
        colLabels: coords,
        values: r.heads.flatMap((h) => {
          const max = Math.max(...h.importance, 1e-12);
          return h.importance.map((v) => v / max);
        }),
        outline: r.heads.flatMap((h) => coords.map((_, j) => Number(h.support.includes(j)))),
      }),
    );
    const scored = r.heads.filter((h) => h.r2Relevant !== undefined);
    if (scored.length) {
      figures.push(
        bars(
          'R² from each specialist block (kernel ridge, held-out rows)',
          scored.map((h) => ({
            label: `task ${h.task}`,
            bars: [
              { name: 'true block (want high)', value: h.r2Relevant!, colour: '#2ca02c' },
              { name: 'other coordinates (want low)', value: Math.max(0, h.r2Irrelevant ?? 0), colour: '#d62728' },
            ],
          })),
        ),
      );
    }
  }
  const rows = r.summary.map(([k, v]) => `<tr><th>${esc(k)}</th><td>${esc(v)}</td></tr>`).join('');
  const warnings = r.warnings.length ? `<ul class="warn">${r.warnings.map((w) => `<li>${esc(w)}</li>`).join('')}</ul>` : '';
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${esc(r.title)}</title>
<style>
body{font:14px/1.45 system-ui,sans-serif;margin:2em auto;max-width:1100px;color:#222;padding:0 1em}
table{border-collapse:collapse;margin:1em 0}th,td{border-bottom:1px solid #ddd;padding:.3em .8em;text-align:left;vertical-align:top}
th{font-weight:600;white-space:nowrap}.fig{display:inline-block;margin:1em 2em 1em 0;vertical-align:top}.warn{color:#8a4b00}
</style></head><body>
<h1>${esc(r.title)}</h1>
<p>Generated ${esc(r.generatedAt)} by specialist. Segments of ${r.segmentLength} steps; method ${esc(r.method)}.</p>
<table>${rows}</table>${warnings}
${figures.map((f) => `<div class="fig">${f}</div>`).join('\n')}
</body></html>
`;
}

function formatP(p: number | null): string {
  if (p === null) return '';
  if (p === 0) return '0';
  return p < 0.001 ? p.toExponential(0) : p.toFixed(3);
}
