// Small SVG charts for the self-contained HTML report: heatmaps and horizontal bars. No
// dependencies, no scripts: the report opens anywhere, offline.

const esc = (s: string) => s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

/** Colour for v in [0, 1]: white to deep blue (sequential), or grey for missing values. */
function shade(v: number | null): string {
  if (v === null || Number.isNaN(v)) return '#e5e5e5';
  const t = Math.max(0, Math.min(1, v));
  const mix = (a: number, b: number) => Math.round(a + (b - a) * t);
  return `rgb(${mix(247, 8)},${mix(251, 48)},${mix(255, 107)})`;
}

export interface HeatmapOptions {
  title: string;
  rowLabels: string[];
  colLabels: string[];
  /** Row-major values in [0, 1] (null: not tested / missing). */
  values: (number | null)[];
  /** Text drawn in each cell (default none). */
  cellText?: (value: number | null, row: number, col: number) => string;
  /** Cells to outline (e.g. the truth), row-major 0/1. */
  outline?: ArrayLike<number>;
  cell?: number;
}

export function heatmap(o: HeatmapOptions): string {
  const cell = o.cell ?? 26;
  const left = 12 + 7 * Math.max(...o.rowLabels.map((l) => l.length), 1);
  const top = 40;
  const width = Math.max(left + cell * o.colLabels.length + 10, 7 * o.title.length + 10);
  const height = top + cell * o.rowLabels.length + 10;
  const parts: string[] = [`<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" role="img" aria-label="${esc(o.title)}">`];
  parts.push(`<text x="0" y="14" font-size="13" font-weight="600">${esc(o.title)}</text>`);
  o.colLabels.forEach((label, c) => parts.push(`<text x="${left + c * cell + cell / 2}" y="${top - 6}" font-size="10" text-anchor="middle">${esc(label)}</text>`));
  o.rowLabels.forEach((label, r) => {
    parts.push(`<text x="${left - 4}" y="${top + r * cell + cell / 2 + 4}" font-size="10" text-anchor="end">${esc(label)}</text>`);
    o.colLabels.forEach((_, c) => {
      const i = r * o.colLabels.length + c;
      const v = o.values[i];
      const x = left + c * cell;
      const y = top + r * cell;
      const stroke = o.outline?.[i] ? ' stroke="#d62728" stroke-width="2.5"' : ' stroke="#fff"';
      parts.push(`<rect x="${x}" y="${y}" width="${cell}" height="${cell}" fill="${shade(v)}"${stroke}><title>${esc(`${o.rowLabels[r]}, ${o.colLabels[c]}: ${v === null ? 'n/a' : v.toPrecision(3)}`)}</title></rect>`);
      const text = o.cellText?.(v, r, c);
      if (text) parts.push(`<text x="${x + cell / 2}" y="${y + cell / 2 + 3}" font-size="8" text-anchor="middle" fill="${v !== null && v > 0.55 ? '#fff' : '#333'}">${esc(text)}</text>`);
    });
  });
  parts.push('</svg>');
  return parts.join('');
}

export interface BarGroup {
  label: string;
  bars: { name: string; value: number; colour: string }[];
}

/** Grouped horizontal bars on a 0..1 axis (R^2 values), with a legend. */
export function bars(title: string, groups: BarGroup[], max = 1): string {
  const barHeight = 12;
  const left = 12 + 7 * Math.max(...groups.map((g) => g.label.length), 1);
  const plot = 300;
  const names = [...new Set(groups.flatMap((g) => g.bars.map((b) => b.name)))];
  const groupHeight = names.length * barHeight + 10;
  const height = 44 + groups.length * groupHeight + 20;
  const width = Math.max(left + plot + 60, 7 * title.length + 10);
  const parts: string[] = [`<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" role="img" aria-label="${esc(title)}">`];
  parts.push(`<text x="0" y="14" font-size="13" font-weight="600">${esc(title)}</text>`);
  let lx = left;
  for (const g of groups[0]?.bars ?? []) {
    parts.push(`<rect x="${lx}" y="22" width="10" height="10" fill="${g.colour}"/><text x="${lx + 14}" y="31" font-size="10">${esc(g.name)}</text>`);
    lx += 20 + 7 * g.name.length;
  }
  groups.forEach((group, gi) => {
    const y0 = 44 + gi * groupHeight;
    parts.push(`<text x="${left - 4}" y="${y0 + (names.length * barHeight) / 2 + 4}" font-size="10" text-anchor="end">${esc(group.label)}</text>`);
    group.bars.forEach((b, bi) => {
      const w = Math.max(0, Math.min(1, b.value / max)) * plot;
      const y = y0 + bi * barHeight;
      parts.push(`<rect x="${left}" y="${y}" width="${w.toFixed(1)}" height="${barHeight - 2}" fill="${b.colour}"><title>${esc(`${group.label} ${b.name}: ${b.value.toFixed(3)}`)}</title></rect>`);
      parts.push(`<text x="${left + w + 4}" y="${y + barHeight - 3}" font-size="9">${b.value.toFixed(2)}</text>`);
    });
  });
  parts.push(`<line x1="${left}" x2="${left}" y1="40" y2="${height - 16}" stroke="#888"/>`);
  parts.push('</svg>');
  return parts.join('');
}

export { esc as escapeHtml };
