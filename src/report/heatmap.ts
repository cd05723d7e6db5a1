// A heatmap of values in [0, 1] with row and column labels, an optional axis title above the
// columns, per-cell text, outlined cells (e.g. the truth) and a legend below. Cells shrink to fit
// a 960 px grid (256 latent coordinates: 4 px columns), rows never below 22 px so their labels stay
// apart, and column labels thin out to every 2nd, 5th, 10th... when they would collide.
import { escapeHtml as esc, inkOn, LABEL_PX, legend, type LegendEntry, OUTLINE, PAD, round, shade, SMALL_PX, svgRoot, text, textWidth } from './svg.ts';

export interface HeatmapOptions {
  /** Accessible name of the figure (its visible title is the caption around it). */
  label: string;
  rowLabels: string[];
  colLabels: string[];
  /** Axis title above the column labels (e.g. 'segment k'). */
  colTitle?: string;
  /** Row-major values in [0, 1] (null: not tested / missing, drawn grey). */
  values: (number | null)[];
  /** Text drawn in a cell, when it fits. */
  cellText?: (row: number, col: number) => string;
  /** Hover text of a cell. Default: its labels and value. */
  tooltip?: (row: number, col: number) => string;
  /** Cells to outline, row-major 0/1. */
  outline?: ArrayLike<number>;
  legend?: LegendEntry[];
  /** Largest cell side in px. Default 40. */
  cell?: number;
}

const MAX_GRID = 960;
const MIN_COL = 4;
const MIN_ROW = 22;
const LABEL_STEPS = [1, 2, 5, 10, 20, 50, 100, 200, 500];

export function heatmap(o: HeatmapOptions): string {
  const rows = o.rowLabels.length;
  const cols = o.colLabels.length;
  const cellW = Math.max(MIN_COL, Math.min(o.cell ?? 40, Math.floor(MAX_GRID / Math.max(cols, 1))));
  const cellH = Math.max(cellW, MIN_ROW);
  const left = PAD + Math.max(0, ...o.rowLabels.map((l) => textWidth(l, LABEL_PX))) + 8;
  const labelW = Math.max(0, ...o.colLabels.map((l) => textWidth(l, LABEL_PX)));
  const step = LABEL_STEPS.find((s) => s * cellW >= labelW + 6) ?? cols;
  const line = Math.round(LABEL_PX * 1.35);

  const parts: string[] = [];
  let y = PAD;
  let right = left + cols * cellW;
  if (o.colTitle) {
    parts.push(text(left, y + LABEL_PX, o.colTitle, { weight: 600 }));
    right = Math.max(right, left + textWidth(o.colTitle, LABEL_PX));
    y += line;
  }
  o.colLabels.forEach((l, c) => {
    if (c % step === 0) parts.push(text(left + c * cellW + cellW / 2, y + LABEL_PX, l, { anchor: 'middle' }));
  });
  // A centred label may stick out half its width past the last column.
  right = Math.max(right, left + (Math.floor((cols - 1) / step) * step + 0.5) * cellW + labelW / 2);
  y += line + 2;

  const top = y;
  const outlines: string[] = [];
  const stroke = cellW >= 8 ? ' stroke="#fff"' : '';
  for (let r = 0; r < rows; r++) {
    parts.push(text(left - 8, top + r * cellH + cellH / 2 + LABEL_PX * 0.35, o.rowLabels[r], { anchor: 'end' }));
    for (let c = 0; c < cols; c++) {
      const i = r * cols + c;
      const v = o.values[i] ?? null;
      const x = left + c * cellW;
      const cy = top + r * cellH;
      const tip = o.tooltip?.(r, c) ?? `${o.rowLabels[r]}, ${o.colLabels[c]}: ${v === null ? 'n/a' : v.toPrecision(3)}`;
      parts.push(`<rect x="${round(x)}" y="${round(cy)}" width="${cellW}" height="${cellH}" fill="${shade(v)}"${stroke}><title>${esc(tip)}</title></rect>`);
      const label = o.cellText?.(r, c);
      if (label && textWidth(label, SMALL_PX) <= cellW - 4) parts.push(text(x + cellW / 2, cy + cellH / 2 + SMALL_PX * 0.35, label, { px: SMALL_PX, anchor: 'middle', fill: inkOn(v) }));
      if (o.outline?.[i]) {
        const w = cellW >= 10 ? 2.5 : 1.5;
        outlines.push(`<rect x="${round(x + w / 2)}" y="${round(cy + w / 2)}" width="${round(cellW - w)}" height="${round(cellH - w)}" fill="none" stroke="${OUTLINE}" stroke-width="${w}"/>`);
      }
    }
  }
  // Outlines after every cell, so that no neighbour paints over them.
  parts.push(...outlines);
  y = top + rows * cellH;

  if (o.legend?.length) {
    const l = legend(o.legend, PAD, y + 14, Math.max(right - PAD, 420));
    parts.push(l.svg);
    right = Math.max(right, PAD + l.width);
    y += 14 + l.height;
  }
  return svgRoot(right + PAD, y + PAD, o.label, parts);
}
