// The nuisance half of the glyph world's hidden state: how a step's string is drawn. Continuous
// style variables follow a stationary AR(1) chain in an unbounded latent u (unit variance) and are
// squashed into their ranges by u / (1 + |u|); the font and the polarity (dark ink on light paper or
// the reverse) are discrete and switch now and then. Only rational arithmetic, so every engine
// draws the same episodes.
import type { Rng } from '../../core/random.ts';
import type { TextStyle } from './render.ts';

/** Names of the continuous style variables, in the order of `StyleState.latent`. */
export const STYLE_VARIABLES = ['size', 'stretch', 'slant', 'spacing', 'x', 'y', 'noise', 'inkR', 'inkG', 'inkB', 'paperR', 'paperG', 'paperB'] as const;

/** Ranges [lo, hi] of the continuous variables (pixels for size and spacing; colours in [0, 1]). */
const RANGES: Record<(typeof STYLE_VARIABLES)[number], [number, number]> = {
  size: [16, 30],
  stretch: [0.8, 1.2],
  slant: [-0.25, 0.25],
  spacing: [0, 4],
  x: [-1, 1],
  y: [-1, 1],
  noise: [0, 0.2],
  // Ink and paper keep a contrast of at least 0.2 in every channel (dark side [0, 0.4], light [0.6, 1]).
  inkR: [0, 0.4],
  inkG: [0, 0.4],
  inkB: [0, 0.4],
  paperR: [0.6, 1],
  paperG: [0.6, 1],
  paperB: [0.6, 1],
};

export interface StyleState {
  latent: Float64Array;
  font: number;
  /** 1: dark ink on light paper; 0: light ink on dark paper. */
  darkInk: number;
}

export interface StyleDynamics {
  /** AR(1) coefficient of each continuous latent in [0, 1). */
  carry: number;
  /** Probability that the font stays from one step to the next. */
  fontStay: number;
  /** Probability that the polarity stays. */
  polarityStay: number;
  /** Fonts to draw from (indices into glyphFonts()). */
  fonts: readonly number[];
}

/** A unit-variance, zero-mean draw from the sum of four uniforms (no transcendental functions). */
export function unitNoise(rng: Rng): number {
  return (rng.next() + rng.next() + rng.next() + rng.next() - 2) * Math.sqrt(3);
}

export function initialStyle(rng: Rng, dynamics: StyleDynamics): StyleState {
  return {
    latent: Float64Array.from(STYLE_VARIABLES, () => unitNoise(rng)),
    font: dynamics.fonts[rng.int(dynamics.fonts.length)],
    darkInk: rng.next() < 0.5 ? 1 : 0,
  };
}

export function nextStyle(rng: Rng, s: StyleState, dynamics: StyleDynamics): StyleState {
  const innovation = Math.sqrt(1 - dynamics.carry * dynamics.carry);
  return {
    latent: s.latent.map((u) => dynamics.carry * u + innovation * unitNoise(rng)),
    font: rng.next() < dynamics.fontStay ? s.font : dynamics.fonts[rng.int(dynamics.fonts.length)],
    darkInk: rng.next() < dynamics.polarityStay ? s.darkInk : 1 - s.darkInk,
  };
}

/** The style's visible values, in STYLE_VARIABLES order, then the polarity. */
export function styleValues(s: StyleState): number[] {
  const values = STYLE_VARIABLES.map((name, k) => {
    const [lo, hi] = RANGES[name];
    const u = s.latent[k];
    return lo + ((hi - lo) * (1 + u / (1 + Math.abs(u)))) / 2;
  });
  return [...values, s.darkInk];
}

export function textStyle(s: StyleState): TextStyle {
  const v = styleValues(s);
  const dark: [number, number, number] = [v[7], v[8], v[9]];
  const light: [number, number, number] = [v[10], v[11], v[12]];
  return {
    font: s.font,
    size: v[0],
    stretch: v[1],
    slant: v[2],
    spacing: v[3],
    x: v[4],
    y: v[5],
    noise: v[6],
    ink: s.darkInk ? dark : light,
    paper: s.darkInk ? light : dark,
  };
}
