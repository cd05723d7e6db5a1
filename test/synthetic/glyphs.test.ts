// The glyph world's font reader and rasteriser against independent references: the bounding boxes
// the font files store, exact areas (shoelace, and 2/3 of each control triangle for quadratic
// arcs), and point-sampled coverage on a fine grid.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { it } from 'node:test';
import { inflateSync } from 'node:zlib';
import { GLYPH_CHARACTERS, GLYPH_FONT_SOURCES } from '../../src/synthetic/glyphs/font-sources.ts';
import { FONTS } from '../../src/synthetic/glyphs/fonts.generated.ts';
import { appendContours, rasterise, type Affine } from '../../src/synthetic/glyphs/rasterise.ts';
import { textCoverage } from '../../src/synthetic/glyphs/render.ts';
import { fontTables, parseFont } from '../../src/synthetic/glyphs/sfnt.ts';
import { expectCode } from '../helpers.ts';

const require = createRequire(import.meta.url);
const fontBytes = (source: (typeof GLYPH_FONT_SOURCES)[number]) => readFileSync(join(dirname(require.resolve(`${source.package}/package.json`)), 'files', source.file));

it('font reader: every glyph of the eight fonts has the bounding box its font stores, and fonts.generated.ts is current', () => {
  for (const [f, source] of GLYPH_FONT_SOURCES.entries()) {
    const font = parseFont(fontTables(fontBytes(source), (d) => inflateSync(d)));
    assert.ok(font.unitsPerEm >= 1000 && font.ascender > 0 && font.descender < 0, `${source.name} metrics`);
    for (const char of GLYPH_CHARACTERS) {
      const glyph = font.glyph(char)!;
      const xs = glyph.contours.flatMap((c) => c.filter((_, q) => q % 3 === 0));
      const ys = glyph.contours.flatMap((c) => c.filter((_, q) => q % 3 === 1));
      // Font compilers store the box of the points (on- and off-curve): a misread flag or delta breaks it.
      assert.deepEqual([Math.min(...xs), Math.min(...ys), Math.max(...xs), Math.max(...ys)], glyph.box, `${source.name} "${char}" box`);
      assert.ok(glyph.advance > 0 && glyph.advance < 2 * font.unitsPerEm, `${source.name} "${char}" advance ${glyph.advance}`);
      assert.deepEqual(FONTS[f].glyphs[char], [glyph.advance, glyph.contours], `generated outline of ${source.name} "${char}" (run npm run build:glyphs)`);
    }
    assert.equal(font.glyph('\u4e00'), undefined, 'a character the latin subset lacks');
  }
});

it('font reader: bad files are INVALID_FILE errors that say why', async () => {
  const woff = fontBytes(GLYPH_FONT_SOURCES[0]);
  await expectCode(() => fontTables(woff.subarray(0, 8)), 'INVALID_FILE', 'too short');
  await expectCode(() => fontTables(new TextEncoder().encode('GIF89a-not-a-font')), 'INVALID_FILE', 'unknown signature');
  await expectCode(() => fontTables(new TextEncoder().encode('OTTO-cff-font-bytes')), 'INVALID_FILE', 'CFF outlines');
  await expectCode(() => fontTables(woff), 'INVALID_FILE', 'needs an inflate function');
  await expectCode(() => fontTables(woff.subarray(0, 400), (d) => inflateSync(d)), 'INVALID_FILE', 'runs past the end');
  await expectCode(() => parseFont(new Map()), 'INVALID_FILE', 'no head table');
});

/** Coverage of a polygon by point sampling on an s x s grid per pixel (the reference). */
function sampledCoverage(polygon: number[][], width: number, height: number, s = 32): Float64Array {
  const inside = (x: number, y: number) => {
    let winding = 0;
    for (const ring of polygon) {
      for (let q = 0; q < ring.length; q += 2) {
        const [x0, y0, x1, y1] = [ring[q], ring[q + 1], ring[(q + 2) % ring.length], ring[(q + 3) % ring.length]];
        if (y0 <= y && y1 > y && (x1 - x0) * (y - y0) - (x - x0) * (y1 - y0) < 0) winding++;
        else if (y1 <= y && y0 > y && (x1 - x0) * (y - y0) - (x - x0) * (y1 - y0) > 0) winding--;
      }
    }
    return winding !== 0;
  };
  const out = new Float64Array(width * height);
  for (let py = 0; py < height; py++) {
    for (let px = 0; px < width; px++) {
      let hits = 0;
      for (let a = 0; a < s; a++) for (let b = 0; b < s; b++) if (inside(px + (a + 0.5) / s, py + (b + 0.5) / s)) hits++;
      out[py * width + px] = hits / (s * s);
    }
  }
  return out;
}

const asLines = (polygon: number[][]) => polygon.flatMap((ring) => ring.flatMap((_, q) => (q % 2 ? [] : [ring[q], ring[q + 1], ring[(q + 2) % ring.length], ring[(q + 3) % ring.length]])));
const shoelace = (ring: number[]) => ring.reduce((a, _, q) => (q % 2 ? a : a + ring[q] * ring[(q + 3) % ring.length] - ring[(q + 2) % ring.length] * ring[q + 1]), 0) / 2;

it('rasteriser: exact per-pixel coverage of polygons (a box, a triangle, a ring with a hole, a shape off the edges)', () => {
  const shapes: Record<string, number[][]> = {
    box: [[1.25, 1.5, 6.75, 1.5, 6.75, 5.2, 1.25, 5.2]],
    triangle: [[0.3, 7.6, 9.1, 0.4, 7.7, 7.9]],
    ringWithHole: [[1, 1, 9, 1, 9, 7, 1, 7], [3.3, 2.5, 3.3, 5.5, 6.6, 5.5, 6.6, 2.5]],
    offEdges: [[-3, 2.5, 5.5, -2, 14, 4.4, 4.1, 11]],
  };
  for (const [name, polygon] of Object.entries(shapes)) {
    const got = rasterise(asLines(polygon), 10, 8);
    const want = sampledCoverage(polygon, 10, 8);
    // 32 x 32 samples per pixel: the reference itself is off by up to about 1/32 on an edge pixel.
    for (let p = 0; p < got.length; p++) assert.ok(Math.abs(got[p] - want[p]) <= 0.04, `${name} pixel ${p}: ${got[p]} vs sampled ${want[p]}`);
    if (name !== 'offEdges') {
      const area = Math.abs(polygon.reduce((a, ring) => a + shoelace(ring), 0));
      const sum = got.reduce((a, b) => a + b, 0);
      assert.ok(Math.abs(sum - area) < 1e-5, `${name}: coverage sums to ${sum}, area ${area}`);
    }
  }
});

it('rasteriser: a quadratic TrueType contour covers its exact area (shoelace of the on-curve points + 2/3 of each control triangle)', () => {
  // A rounded square: on-curve points at edge midpoints, off-curve corners.
  const contour = [10, 2, 1, 18, 2, 0, 18, 10, 1, 18, 18, 0, 10, 18, 1, 2, 18, 0, 2, 10, 1, 2, 2, 0];
  const on = [10, 2, 18, 10, 10, 18, 2, 10];
  let area = Math.abs(shoelace(on));
  for (let k = 0; k < 4; k++) {
    const [x0, y0, cx, cy, x1, y1] = [contour[6 * k], contour[6 * k + 1], contour[6 * k + 3], contour[6 * k + 4], contour[(6 * k + 6) % 24], contour[(6 * k + 7) % 24]];
    area += (2 / 3) * Math.abs(((cx - x0) * (y1 - y0) - (x1 - x0) * (cy - y0)) / 2);
  }
  const lines: number[] = [];
  const identity: Affine = [1, 0, 0, 1, 0, 0];
  appendContours(lines, [contour], identity);
  const sum = rasterise(lines, 24, 24).reduce((a, b) => a + b, 0);
  // n chords of a parabolic arc leave 1/n^2 of the arc's segment area (2/3 of its control
  // triangle, 21.33 here) uncovered; each arc strays 2.83 px from its chord, so n = ceil(sqrt(2.83 / 0.05)) = 8.
  const lost = 4 * ((2 / 3) * 32) / 64;
  assert.ok(Math.abs(area - sum - lost) < 1e-6, `coverage ${sum} vs exact ${area} less ${lost}`);
});

it('text: the ink box is as high as the size asks and stays inside the image at the extreme positions', async () => {
  for (const x of [-1, 1]) {
    for (const font of [0, 6]) {
      const style = { font, size: 24, stretch: 1, slant: 0.2, spacing: 2, x, y: x, ink: [0, 0, 0] as [number, number, number], paper: [1, 1, 1] as [number, number, number], noise: 0 };
      const cov = textCoverage('8K', style, 64, 48);
      const rows = Array.from({ length: 48 }, (_, r) => cov.subarray(r * 64, r * 64 + 64).reduce((a, b) => a + b, 0));
      const inked = rows.flatMap((v, r) => (v > 0 ? [r] : []));
      assert.ok(inked.length >= 24 && inked.length <= 26, `font ${font}, position ${x}: ${inked.length} rows inked for size 24`);
      const cols = Array.from({ length: 64 }, (_, c) => rows.length && cov.filter((_, p) => p % 64 === c).reduce((a, b) => a + b, 0));
      assert.ok(x < 0 ? cols[0] < 0.5 && cols[1] > 0 : cols[63] < 0.5 && cols[62] > 0, `font ${font}, position ${x}: the text touches its side but is not cut`);
    }
  }
  await expectCode(() => textCoverage('8?', { font: 0, size: 20, stretch: 1, slant: 0, spacing: 0, x: 0, y: 0, ink: [0, 0, 0], paper: [1, 1, 1], noise: 0 }, 64, 48), 'INVALID_ARGUMENT', 'no glyph for "?"');
});
