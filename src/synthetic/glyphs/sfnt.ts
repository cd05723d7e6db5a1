// A small reader of TrueType outlines (the glyf flavour of SFNT), enough to take the glyphs of a
// few characters out of a font file: WOFF 1.0 or plain TTF in, contours of on- and off-curve
// points in font units out. CFF (PostScript) outlines are refused: the fonts used here are glyf.
import { SpecialistError } from '../../core/errors.ts';

/** One glyph in font units (y up): closed contours of quadratic B-spline points. */
export interface GlyphOutline {
  /** Horizontal advance. */
  advance: number;
  /** Each contour as flat triples [x, y, onCurve (1 or 0), x, y, onCurve, ...]. */
  contours: number[][];
  /** The bounding box stored in the font: [xMin, yMin, xMax, yMax] (zeros for an empty glyph). */
  box: [number, number, number, number];
}

export interface FontFile {
  unitsPerEm: number;
  ascender: number;
  descender: number;
  /** The outline of a character, or undefined when the font has no glyph for it. */
  glyph(char: string): GlyphOutline | undefined;
}

function bad(message: string, details: Record<string, unknown> = {}): SpecialistError {
  return new SpecialistError('INVALID_FILE', `Font file: ${message}`, details);
}

function tagAt(view: DataView, offset: number): string {
  return String.fromCharCode(view.getUint8(offset), view.getUint8(offset + 1), view.getUint8(offset + 2), view.getUint8(offset + 3));
}

/**
 * The tables of a font file. WOFF tables are zlib streams: `inflate` decompresses one (the caller
 * brings it, e.g. node:zlib's inflateSync, so this module runs anywhere).
 */
export function fontTables(bytes: Uint8Array, inflate?: (data: Uint8Array) => Uint8Array): Map<string, Uint8Array> {
  if (bytes.length < 12) throw bad(`${bytes.length} bytes is too short for a font`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const tables = new Map<string, Uint8Array>();
  const slice = (offset: number, length: number, tag: string) => {
    if (offset + length > bytes.length) throw bad(`table ${tag} runs past the end of the file`, { tag });
    return bytes.subarray(offset, offset + length);
  };
  const signature = tagAt(view, 0);
  if (signature === 'wOFF') {
    const count = view.getUint16(12);
    for (let t = 0; t < count; t++) {
      const at = 44 + 20 * t;
      if (at + 20 > bytes.length) throw bad('truncated WOFF table directory');
      const tag = tagAt(view, at);
      const data = slice(view.getUint32(at + 4), view.getUint32(at + 8), tag);
      const original = view.getUint32(at + 12);
      if (data.length === original) tables.set(tag, data);
      else {
        if (!inflate) throw bad('a WOFF file needs an inflate function for its compressed tables');
        const out = inflate(data);
        if (out.length !== original) throw bad(`table ${tag} inflates to ${out.length} bytes, the directory says ${original}`, { tag });
        tables.set(tag, out);
      }
    }
  } else if (view.getUint32(0) === 0x00010000 || signature === 'true') {
    const count = view.getUint16(4);
    for (let t = 0; t < count; t++) {
      const at = 12 + 16 * t;
      if (at + 16 > bytes.length) throw bad('truncated table directory');
      const tag = tagAt(view, at);
      tables.set(tag, slice(view.getUint32(at + 8), view.getUint32(at + 12), tag));
    }
  } else if (signature === 'OTTO') {
    throw bad('CFF outlines (OpenType "OTTO") are not supported; give a TrueType (glyf) font');
  } else {
    throw bad(`unknown signature "${signature}" (want WOFF 1.0 or TrueType)`);
  }
  return tables;
}

function viewOf(tables: Map<string, Uint8Array>, tag: string): DataView {
  const table = tables.get(tag);
  if (!table) throw bad(`no ${tag} table`, { tag });
  return new DataView(table.buffer, table.byteOffset, table.byteLength);
}

/** Character code -> glyph index from a cmap subtable of format 4 or 12 (Unicode). */
function readCmap(cmap: DataView): (code: number) => number {
  const count = cmap.getUint16(2);
  let best = -1;
  let bestScore = -1;
  for (let r = 0; r < count; r++) {
    const platform = cmap.getUint16(4 + 8 * r);
    const encoding = cmap.getUint16(6 + 8 * r);
    const offset = cmap.getUint32(8 + 8 * r);
    const format = cmap.getUint16(offset);
    const unicode = platform === 0 || (platform === 3 && (encoding === 1 || encoding === 10));
    const score = !unicode ? -1 : format === 12 ? 2 : format === 4 ? 1 : -1;
    if (score > bestScore) [best, bestScore] = [offset, score];
  }
  if (best < 0) throw bad('no Unicode cmap subtable of format 4 or 12');
  if (cmap.getUint16(best) === 12) {
    const groups = cmap.getUint32(best + 12);
    return (code) => {
      for (let g = 0; g < groups; g++) {
        const at = best + 16 + 12 * g;
        const start = cmap.getUint32(at);
        if (code >= start && code <= cmap.getUint32(at + 4)) return cmap.getUint32(at + 8) + code - start;
      }
      return 0;
    };
  }
  const segments = cmap.getUint16(best + 6) / 2;
  const ends = best + 14;
  const starts = ends + 2 * segments + 2;
  const deltas = starts + 2 * segments;
  const ranges = deltas + 2 * segments;
  return (code) => {
    for (let s = 0; s < segments; s++) {
      if (code > cmap.getUint16(ends + 2 * s)) continue;
      const start = cmap.getUint16(starts + 2 * s);
      if (code < start) return 0;
      const delta = cmap.getInt16(deltas + 2 * s);
      const range = cmap.getUint16(ranges + 2 * s);
      if (range === 0) return (code + delta) & 0xffff;
      const glyph = cmap.getUint16(ranges + 2 * s + range + 2 * (code - start));
      return glyph === 0 ? 0 : (glyph + delta) & 0xffff;
    }
    return 0;
  };
}

const ON_CURVE = 1;
const X_SHORT = 2;
const Y_SHORT = 4;
const REPEAT = 8;
const X_SAME = 16;
const Y_SAME = 32;

function readSimple(glyf: DataView, at: number, contourCount: number): number[][] {
  const ends: number[] = [];
  for (let c = 0; c < contourCount; c++) ends.push(glyf.getUint16(at + 10 + 2 * c));
  const points = contourCount === 0 ? 0 : ends[contourCount - 1] + 1;
  let p = at + 10 + 2 * contourCount;
  p += 2 + glyf.getUint16(p); // skip the hinting instructions
  const flags: number[] = [];
  while (flags.length < points) {
    const flag = glyf.getUint8(p++);
    flags.push(flag);
    if (flag & REPEAT) for (let r = glyf.getUint8(p++); r > 0; r--) flags.push(flag);
  }
  const coords = (short: number, same: number) => {
    const out: number[] = [];
    let value = 0;
    for (const flag of flags) {
      if (flag & short) value += glyf.getUint8(p++) * (flag & same ? 1 : -1);
      else if (!(flag & same)) {
        value += glyf.getInt16(p);
        p += 2;
      }
      out.push(value);
    }
    return out;
  };
  const xs = coords(X_SHORT, X_SAME);
  const ys = coords(Y_SHORT, Y_SAME);
  const contours: number[][] = [];
  let first = 0;
  for (const end of ends) {
    const contour: number[] = [];
    for (let q = first; q <= end; q++) contour.push(xs[q], ys[q], flags[q] & ON_CURVE ? 1 : 0);
    contours.push(contour);
    first = end + 1;
  }
  return contours;
}

const ARG_WORDS = 1;
const ARGS_XY = 2;
const HAS_SCALE = 8;
const MORE = 32;
const HAS_XY_SCALE = 64;
const HAS_2X2 = 128;

/** Parses a TrueType font from its tables. */
export function parseFont(tables: Map<string, Uint8Array>): FontFile {
  if (tables.has('CFF ') && !tables.has('glyf')) throw bad('CFF outlines are not supported; give a TrueType (glyf) font');
  const head = viewOf(tables, 'head');
  const hhea = viewOf(tables, 'hhea');
  const hmtx = viewOf(tables, 'hmtx');
  const loca = viewOf(tables, 'loca');
  const glyf = viewOf(tables, 'glyf');
  const glyphCount = viewOf(tables, 'maxp').getUint16(4);
  const longLoca = head.getInt16(50) === 1;
  const metrics = hhea.getUint16(34);
  const lookup = readCmap(viewOf(tables, 'cmap'));
  const offset = (g: number) => (longLoca ? loca.getUint32(4 * g) : 2 * loca.getUint16(2 * g));
  const advance = (g: number) => hmtx.getUint16(4 * Math.min(g, metrics - 1));

  const outline = (g: number, depth: number): { contours: number[][]; box: GlyphOutline['box'] } => {
    if (g >= glyphCount) throw bad(`glyph index ${g} is past the ${glyphCount} glyphs`);
    if (depth > 8) throw bad('composite glyphs nest too deeply');
    const start = offset(g);
    if (offset(g + 1) === start) return { contours: [], box: [0, 0, 0, 0] };
    const count = glyf.getInt16(start);
    const box: GlyphOutline['box'] = [glyf.getInt16(start + 2), glyf.getInt16(start + 4), glyf.getInt16(start + 6), glyf.getInt16(start + 8)];
    if (count >= 0) return { contours: readSimple(glyf, start, count), box };
    // A composite: other glyphs placed with an offset and an optional linear map.
    const contours: number[][] = [];
    let p = start + 10;
    for (;;) {
      const flags = glyf.getUint16(p);
      const part = glyf.getUint16(p + 2);
      p += 4;
      if (!(flags & ARGS_XY)) throw bad('composite glyphs placed by point matching are not supported');
      const dx = flags & ARG_WORDS ? glyf.getInt16(p) : glyf.getInt8(p);
      const dy = flags & ARG_WORDS ? glyf.getInt16(p + 2) : glyf.getInt8(p + 1);
      p += flags & ARG_WORDS ? 4 : 2;
      const f2dot14 = (at: number) => glyf.getInt16(at) / 16384;
      let [a, b, c, d] = [1, 0, 0, 1];
      if (flags & HAS_SCALE) {
        a = d = f2dot14(p);
        p += 2;
      } else if (flags & HAS_XY_SCALE) {
        [a, d] = [f2dot14(p), f2dot14(p + 2)];
        p += 4;
      } else if (flags & HAS_2X2) {
        [a, b, c, d] = [f2dot14(p), f2dot14(p + 2), f2dot14(p + 4), f2dot14(p + 6)];
        p += 8;
      }
      for (const contour of outline(part, depth + 1).contours) {
        const moved: number[] = [];
        for (let q = 0; q < contour.length; q += 3) moved.push(a * contour[q] + c * contour[q + 1] + dx, b * contour[q] + d * contour[q + 1] + dy, contour[q + 2]);
        contours.push(moved);
      }
      if (!(flags & MORE)) break;
    }
    return { contours, box };
  };

  return {
    unitsPerEm: head.getUint16(18),
    ascender: hhea.getInt16(4),
    descender: hhea.getInt16(6),
    glyph(char: string) {
      const g = lookup(char.codePointAt(0) ?? 0);
      if (g === 0) return undefined;
      return { advance: advance(g), ...outline(g, 0) };
    },
  };
}
