// Which fonts and characters the glyph world draws, and the shape of their generated outlines.
// scripts/build-glyphs.ts reads these fonts (npm dev dependencies) and writes fonts.generated.ts.

/** The characters whose outlines are generated: digits and capital letters. */
export const GLYPH_CHARACTERS = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ';

/** Eight faces of six families: sans, serif, monospace, handwriting, script and condensed. */
export const GLYPH_FONT_SOURCES = [
  { name: 'DejaVu Sans', package: '@fontsource/dejavu-sans', file: 'dejavu-sans-latin-400-normal.woff' },
  { name: 'DejaVu Sans Bold', package: '@fontsource/dejavu-sans', file: 'dejavu-sans-latin-700-normal.woff' },
  { name: 'Noto Serif', package: '@fontsource/noto-serif', file: 'noto-serif-latin-400-normal.woff' },
  { name: 'Noto Serif Bold Italic', package: '@fontsource/noto-serif', file: 'noto-serif-latin-700-italic.woff' },
  { name: 'IBM Plex Mono', package: '@fontsource/ibm-plex-mono', file: 'ibm-plex-mono-latin-400-normal.woff' },
  { name: 'Caveat', package: '@fontsource/caveat', file: 'caveat-latin-400-normal.woff' },
  { name: 'Lobster', package: '@fontsource/lobster', file: 'lobster-latin-400-normal.woff' },
  { name: 'Oswald', package: '@fontsource/oswald', file: 'oswald-latin-400-normal.woff' },
] as const;

/** One font's outlines in font units (y up); each glyph is [advance, contours of [x, y, on] triples]. */
export interface FontData {
  name: string;
  unitsPerEm: number;
  ascender: number;
  descender: number;
  glyphs: Record<string, [number, number[][]]>;
}
