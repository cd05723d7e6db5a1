// Shared pieces of the report's SVG figures: escaping, text and its estimated width, colours and a
// legend row. No dependencies, no scripts: the report opens anywhere, offline. Every figure has a
// viewBox, so the page can shrink it to a narrow screen without clipping anything.

export const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
const esc = escapeHtml;

/** Font sizes in px: axis labels and legends, text inside cells and next to bars. */
export const LABEL_PX = 13;
export const SMALL_PX = 11;
/** Margin around every figure, px. */
export const PAD = 8;

/**
 * Width of a text, estimated on the wide side: 0.62 em per character. DejaVu Sans, the usual
 * fallback on Linux and among the widest common fonts, averages about 0.6 em over digits (0.64)
 * and lower case; the e2e test measures the real boxes in Chromium.
 */
export const textWidth = (s: string, px: number) => [...s].length * px * 0.62;

export interface TextOptions {
  px?: number;
  anchor?: 'start' | 'middle' | 'end';
  fill?: string;
  weight?: number;
}

export function text(x: number, y: number, s: string, o: TextOptions = {}): string {
  const attrs = [`x="${round(x)}"`, `y="${round(y)}"`, `font-size="${o.px ?? LABEL_PX}"`];
  if (o.anchor && o.anchor !== 'start') attrs.push(`text-anchor="${o.anchor}"`);
  if (o.fill) attrs.push(`fill="${o.fill}"`);
  if (o.weight) attrs.push(`font-weight="${o.weight}"`);
  return `<text ${attrs.join(' ')}>${esc(s)}</text>`;
}

export const round = (v: number) => Math.round(v * 10) / 10;

/** The root element: natural size in px, a viewBox to scale from, and an accessible name. */
export function svgRoot(width: number, height: number, label: string, body: string[]): string {
  const w = Math.ceil(width);
  const h = Math.ceil(height);
  return `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${w} ${h}" width="${w}" height="${h}" role="img" aria-label="${esc(label)}" font-family="system-ui, sans-serif" fill="#222">${body.join('')}</svg>`;
}

/** Colour for v in [0, 1]: pale to deep blue (sequential; 0 stays visible on white), or grey for missing values. */
export function shade(v: number | null): string {
  if (v === null || Number.isNaN(v)) return '#d9d9d9';
  const t = Math.max(0, Math.min(1, v));
  const mix = (a: number, b: number) => Math.round(a + (b - a) * t);
  return `rgb(${mix(236, 8)},${mix(242, 48)},${mix(249, 107)})`;
}

/** Text on a cell of value v: white on dark cells. */
export const inkOn = (v: number | null) => (v !== null && v > 0.55 ? '#fff' : '#222');

export const OUTLINE = '#d62728';

export type LegendEntry =
  | { kind: 'swatch'; fill: string; label: string }
  | { kind: 'outline'; label: string }
  /** The colour scale from 0 to 1 with a word at each end. */
  | { kind: 'scale'; low: string; high: string };

const SWATCH = 14;
const GAP = 20;

function entryWidth(e: LegendEntry): number {
  if (e.kind === 'scale') return textWidth(e.low, LABEL_PX) + 6 + 5 * SWATCH + 6 + textWidth(e.high, LABEL_PX);
  return SWATCH + 6 + textWidth(e.label, LABEL_PX);
}

function entry(e: LegendEntry, x: number, y: number): string {
  const box = (attrs: string) => `<rect x="${round(x)}" y="${y}" width="${SWATCH}" height="${SWATCH}" ${attrs}/>`;
  const baseline = y + SWATCH - 2;
  if (e.kind === 'swatch') return box(`fill="${e.fill}" stroke="#999" stroke-width="0.5"`) + text(x + SWATCH + 6, baseline, e.label);
  if (e.kind === 'outline') return `<rect x="${round(x + 1.25)}" y="${y + 1.25}" width="${SWATCH - 2.5}" height="${SWATCH - 2.5}" fill="none" stroke="${OUTLINE}" stroke-width="2.5"/>` + text(x + SWATCH + 6, baseline, e.label);
  const parts = [text(x, baseline, e.low)];
  const x0 = x + textWidth(e.low, LABEL_PX) + 6;
  for (let i = 0; i < 5; i++) parts.push(`<rect x="${round(x0 + i * SWATCH)}" y="${y}" width="${SWATCH}" height="${SWATCH}" fill="${shade(i / 4)}"/>`);
  parts.push(text(x0 + 5 * SWATCH + 6, baseline, e.high));
  return parts.join('');
}

/** Legend entries from (x, y), wrapped onto new lines past maxWidth. Its SVG, width and height. */
export function legend(entries: LegendEntry[], x: number, y: number, maxWidth: number): { svg: string; width: number; height: number } {
  const lineHeight = SWATCH + 8;
  const parts: string[] = [];
  let cx = x;
  let cy = y;
  let width = 0;
  for (const e of entries) {
    const w = entryWidth(e);
    if (cx > x && cx + w > x + maxWidth) {
      cx = x;
      cy += lineHeight;
    }
    parts.push(entry(e, cx, cy));
    width = Math.max(width, cx + w - x);
    cx += w + GAP;
  }
  return { svg: parts.join(''), width, height: entries.length ? cy - y + SWATCH : 0 };
}

/** A figure: its caption (HTML, so it wraps), the SVG, and one line on how to read it. */
export function figure(caption: string, svg: string, note: string): string {
  // The figure is as wide as its SVG's natural width (at least wide enough for a caption).
  const width = Number(/^<svg[^>]*\swidth="(\d+)"/.exec(svg)?.[1] ?? 0);
  return `<figure class="fig" style="width:${Math.max(width, 360)}px"><figcaption>${esc(caption)}</figcaption>${svg}<p class="note">${esc(note)}</p></figure>`;
}
