// Draws a short string into an RGB image with a given style: the observation map of the glyph
// world. Pure arithmetic on the generated outlines (see rasterise.ts), so it is bit-identical in
// every JavaScript engine.
import { SpecialistError } from '../../core/errors.ts';
import type { Rng } from '../../core/random.ts';
import type { FontData } from './font-sources.ts';
import { FONTS } from './fonts.generated.ts';
import { appendContours, rasterise, type Affine } from './rasterise.ts';

/** How one string is drawn. Every field is a plain number so a style is a point of the hidden state. */
export interface TextStyle {
  /** Index into `glyphFonts()`. */
  font: number;
  /** Height of the text's ink box in pixels. */
  size: number;
  /** Horizontal stretch of the glyphs (1 = as designed). */
  stretch: number;
  /** Shear: x moves right by `slant` pixels per pixel above the baseline. */
  slant: number;
  /** Extra space between characters, in pixels. */
  spacing: number;
  /** Where the ink box sits in the free room of the image, -1 (left/top) to 1 (right/bottom). */
  x: number;
  y: number;
  /** Ink and paper colours, RGB in [0, 1]. */
  ink: [number, number, number];
  paper: [number, number, number];
  /** Amplitude of uniform pixel noise, in [0, 1] intensity. */
  noise: number;
}

/** The fonts the world can draw (generated from the font files, see scripts/build-glyphs.ts). */
export function glyphFonts(): readonly FontData[] {
  return FONTS;
}

/** Ink box [xMin, yMin, xMax, yMax] of a glyph's points in font units. */
function inkBox(contours: readonly number[][]): [number, number, number, number] {
  const box: [number, number, number, number] = [Infinity, Infinity, -Infinity, -Infinity];
  for (const c of contours) {
    for (let q = 0; q < c.length; q += 3) {
      box[0] = Math.min(box[0], c[q]);
      box[1] = Math.min(box[1], c[q + 1]);
      box[2] = Math.max(box[2], c[q]);
      box[3] = Math.max(box[3], c[q + 1]);
    }
  }
  return box;
}

/**
 * Ink coverage [height, width] of `text` drawn in `style` (colours and noise are not applied).
 * The ink box is scaled to `size` pixels high and placed in the free room by `style.x`, `style.y`.
 */
export function textCoverage(text: string, style: TextStyle, width: number, height: number): Float32Array {
  const font = FONTS[style.font];
  if (!font) throw new SpecialistError('INVALID_ARGUMENT', `font ${style.font} does not exist; there are ${FONTS.length}`, { font: style.font });
  // The string's vertical ink extent fixes the scale; then the glyphs go on one baseline.
  const glyphs = Array.from(text, (char) => {
    const glyph = font.glyphs[char];
    if (!glyph) throw new SpecialistError('INVALID_ARGUMENT', `the font "${font.name}" has no glyph for "${char}"`, { char });
    return { advance: glyph[0], contours: glyph[1], box: inkBox(glyph[1]) };
  });
  if (glyphs.length === 0) throw new SpecialistError('INVALID_ARGUMENT', 'text must hold at least one character');
  const yMin = Math.min(...glyphs.map((g) => g.box[1]));
  const yMax = Math.max(...glyphs.map((g) => g.box[3]));
  const scale = style.size / (yMax - yMin);
  const sx = scale * style.stretch;
  let pen = 0;
  let xMin = Infinity;
  let xMax = -Infinity;
  const placed = glyphs.map((g) => {
    const dx = pen;
    xMin = Math.min(xMin, g.box[0] + dx);
    xMax = Math.max(xMax, g.box[2] + dx);
    pen += g.advance + style.spacing / sx;
    return { contours: g.contours, dx };
  });
  // Device size of the sheared ink box, and the free room it moves in.
  const inkWidth = (xMax - xMin) * sx + Math.abs(style.slant) * style.size;
  const roomX = Math.max(0, width - inkWidth);
  const roomY = Math.max(0, height - style.size);
  const left = (roomX * (1 + style.x)) / 2 + (style.slant > 0 ? 0 : -style.slant * style.size);
  const baseline = (roomY * (1 + style.y)) / 2 + style.size; // device y of the ink box's bottom
  const lines: number[] = [];
  for (const { contours, dx } of placed) {
    // font (x, y up) -> device: x' = sx (x + dx - xMin) + slant scale (y - yMin) + left; y' = baseline - scale (y - yMin)
    const m: Affine = [sx, 0, style.slant * scale, -scale, sx * (dx - xMin) - style.slant * scale * yMin + left, baseline + scale * yMin];
    appendContours(lines, contours, m);
  }
  return rasterise(lines, width, height);
}

/**
 * Writes `text` in `style` as 8-bit RGB pixels [height, width, 3] into `out` at `offset`: paper and
 * ink blended by coverage, plus uniform noise drawn from `rng` (one draw per channel value).
 */
export function drawText(text: string, style: TextStyle, width: number, height: number, rng: Rng, out: Uint8Array, offset = 0): void {
  const coverage = textCoverage(text, style, width, height);
  for (let p = 0; p < width * height; p++) {
    const a = coverage[p];
    for (let c = 0; c < 3; c++) {
      const v = style.paper[c] + (style.ink[c] - style.paper[c]) * a + style.noise * (2 * rng.next() - 1);
      out[offset + 3 * p + c] = Math.round(255 * Math.min(1, Math.max(0, v)));
    }
  }
}
