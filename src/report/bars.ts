// Grouped horizontal bars on a 0..1 axis (the R^2 of each specialist block), with a legend on
// top, grid lines and tick labels at quarters of the axis, and each bar's value at its end.
import { escapeHtml as esc, LABEL_PX, legend, PAD, round, SMALL_PX, svgRoot, text, textWidth } from './svg.ts';

export interface BarGroup {
  label: string;
  bars: { name: string; value: number; colour: string }[];
}

export interface BarsOptions {
  /** Accessible name of the figure (its visible title is the caption around it). */
  label: string;
  groups: BarGroup[];
  /** Title under the axis. */
  axisTitle: string;
}

const PLOT = 360;
const BAR = 16;
const BAR_GAP = 3;
const GROUP_GAP = 14;
const TICKS = [0, 0.25, 0.5, 0.75, 1];

export function bars(o: BarsOptions): string {
  const left = PAD + Math.max(0, ...o.groups.map((g) => textWidth(g.label, LABEL_PX))) + 10;
  const valueRoom = textWidth('-0.00', SMALL_PX) + 8;
  const names = new Map(o.groups.flatMap((g) => g.bars.map((b) => [b.name, b.colour] as const)));
  const parts: string[] = [];

  const key = legend([...names].map(([label, fill]) => ({ kind: 'swatch' as const, fill, label })), left, PAD, PLOT + valueRoom);
  parts.push(key.svg);
  const top = PAD + key.height + 12;
  const groupHeight = names.size * (BAR + BAR_GAP) - BAR_GAP;
  const plotBottom = top + o.groups.length * (groupHeight + GROUP_GAP) - GROUP_GAP;

  for (const t of TICKS) {
    const x = left + t * PLOT;
    parts.push(`<line x1="${round(x)}" x2="${round(x)}" y1="${top - 4}" y2="${plotBottom + 4}" stroke="${t === 0 ? '#888' : '#e3e3e3'}"/>`);
    parts.push(text(x, plotBottom + 4 + LABEL_PX + 2, String(t), { anchor: 'middle' }));
  }
  o.groups.forEach((group, gi) => {
    const y0 = top + gi * (groupHeight + GROUP_GAP);
    parts.push(text(left - 10, y0 + groupHeight / 2 + LABEL_PX * 0.35, group.label, { anchor: 'end' }));
    group.bars.forEach((b, bi) => {
      const w = Math.max(0, Math.min(1, b.value)) * PLOT;
      const y = y0 + bi * (BAR + BAR_GAP);
      parts.push(`<rect x="${left}" y="${y}" width="${round(w)}" height="${BAR}" fill="${b.colour}"><title>${esc(`${group.label}, ${b.name}: ${b.value.toFixed(3)}`)}</title></rect>`);
      parts.push(text(left + w + 4, y + BAR / 2 + SMALL_PX * 0.35, b.value.toFixed(2), { px: SMALL_PX }));
    });
  });
  const axisY = plotBottom + 4 + LABEL_PX + 2 + Math.round(LABEL_PX * 1.4);
  parts.push(text(left + PLOT / 2, axisY, o.axisTitle, { anchor: 'middle' }));
  const width = Math.max(left + PLOT + valueRoom, left + key.width, left + PLOT / 2 + textWidth(o.axisTitle, LABEL_PX) / 2) + PAD;
  return svgRoot(width, axisY + PAD, o.label, parts);
}
