// A world of real images with known truth, for running the method on a pretrained generalist.
//
// Each step t of an episode shows a short string (one character per content slot, e.g. a digit
// then a letter) drawn in a nuisance style (font, size, stretch, slant, spacing, position, colours,
// pixel noise); the picture is the observation o_t = render(s_t). The hidden state s_t is the
// content (the characters) plus the style. Both evolve: the style as a slow chain, the content by
//   c_{t+1}[p] = (c_t[p] + 1 + sum of the actions on slot p at t) mod K   with probability `contentCarry`,
//                a fresh uniform character                                 otherwise,
// so actions feed the next state (the paper's model). At a step that serves task i, the agent
// reads the character in task i's slot, a_t^i (misread as a uniform character with probability
// `misread`), and the task variable g_i = sum_t E_i[a_t^i] + noise collects those reads through a
// random embedding E_i: g_i is a collider of its steps' actions, as Theorem 1 needs. The relation
// "segment k serves task i" is drawn once per world; tasks interleave. Seeded, and built from
// rational arithmetic only, so Node and browsers produce the same pixels.
import { SpecialistError } from '../core/errors.ts';
import { createRng, type Rng } from '../core/random.ts';
import { drawRelation } from './generalist-world.ts';
import { glyphFonts, drawText } from './glyphs/render.ts';
import { initialStyle, nextStyle, STYLE_VARIABLES, styleValues, textStyle, unitNoise, type StyleState } from './glyphs/style-state.ts';

/** The size and shape of a glyph world; each option documents its default. */
export interface GlyphWorldOptions {
  /** Episodes n. Default 800 (the direct Fisher z test and its diagnostic need 367 and 723 at the 120-wide OCR layer). */
  episodes?: number;
  /** Steps T. Default 8 (800 x 8 pictures are 236 MB as float32 observations). */
  steps?: number;
  /** Segment length L. Default 2. */
  segmentLength?: number;
  /** Tasks M. Default 3. */
  tasks?: number;
  /** The characters each content slot draws from; the image shows one per slot, in order. Default ['0123456789', 'ACEFHKMPRT']. */
  slots?: string[];
  /** The slot each task reads. Default: task i reads slot i mod slots.length. */
  taskSlots?: number[];
  /** Dimension dg of each task variable. Default 4. */
  taskDim?: number;
  /** Image width in pixels. Default 64 (height is 48, what the PP-OCR recogniser takes). */
  width?: number;
  /** Image height in pixels. Default 48. */
  height?: number;
  /** Probability that a slot's next character follows from the current one and the actions (else a fresh draw). Default 0.3. */
  contentCarry?: number;
  /** AR(1) coefficient of the continuous style variables. Default 0.7. */
  styleCarry?: number;
  /** Probability that the font stays from one step to the next. Default 0.7. */
  fontStay?: number;
  /** Probability that a read is a uniform character instead of the one shown. Default 0.1. */
  misread?: number;
  /** Standard deviation of the noise added to each task variable coordinate. Default 0.5. */
  taskNoise?: number;
  /** Fonts used (indices into glyphFonts()). Default: all eight. */
  fonts?: number[];
  /**
   * A shortcut, for robustness studies: in episodes 0..episodes-1 each step's nuisance follows its
   * content with probability `strength` (the first slot's character picks the font and the ink's
   * red channel, the last slot's the horizontal position); later episodes draw the nuisance
   * independently of the content, as without the option. Train on the first, test on the rest.
   * Content, task variables and every other draw are the same with or without it. Default: none.
   */
  shortcut?: { episodes: number; strength: number };
  /** Default 0. */
  seed?: number;
}

/**
 * The pictures and truth of glyphWorld: each step's text, the task variables, each step's
 * contribution, the segment-task relation, and the observations once rendered.
 */
export interface GlyphWorld {
  /** The string each step shows, [n * T] (episode-major). */
  texts: string[];
  /** g, [n, M, dg]. */
  tasks: Float32Array;
  /** Each step's own contribution E_i[a_t^i] to each task variable, [n, T, M, dg] (zero where the step does not serve the task). */
  contributions: Float32Array;
  truth: {
    /** N x M, 1 where segment k serves task i (row-major). */
    relation: Uint8Array;
    /** The character index shown in each slot, [n, T, slots]. */
    content: Int32Array;
    /** The continuous style values then the polarity, [n, T, styleNames.length]. */
    style: Float32Array;
    styleNames: string[];
    /** The font of each step, [n, T] (indices into glyphFonts()). */
    font: Int32Array;
    /** The slot each task reads. */
    taskSlots: number[];
    /** E_i: per task, the dg-vector each character of its slot contributes to g_i when read. */
    embeddings: number[][][];
  };
  shapes: { tasks: [number, number, number]; relation: [number, number]; image: [number, number, number] };
  params: Required<Omit<GlyphWorldOptions, 'fonts' | 'shortcut'>> & { fonts: number[]; shortcut: { episodes: number; strength: number } | null; segments: number };
  /** 8-bit RGB pixels [count, T, height, width, 3] of episodes start..start+count-1 (default all). */
  render(start?: number, count?: number): Uint8Array;
  /**
   * Observations for the PP-OCR recogniser, [count, T, 3, height, width]: BGR channels scaled to
   * [-1, 1] as PaddleOCR feeds them ((v / 255 - 0.5) / 0.5). Default all episodes.
   */
  observations(start?: number, count?: number): { data: Float32Array; shape: number[] };
  /** One step's picture as RGBA (for a canvas ImageData). */
  imageData(episode: number, step: number): { data: Uint8ClampedArray; width: number; height: number };
}

function check(ok: boolean, message: string, details: Record<string, unknown> = {}): void {
  if (!ok) throw new SpecialistError('INVALID_ARGUMENT', message, details);
}

function resolveOptions(options: GlyphWorldOptions): GlyphWorld['params'] {
  const slots = options.slots ?? ['0123456789', 'ACEFHKMPRT'];
  const tasks = options.tasks ?? 3;
  const p = {
    episodes: options.episodes ?? 800,
    steps: options.steps ?? 8,
    segmentLength: options.segmentLength ?? 2,
    tasks,
    slots,
    taskSlots: options.taskSlots ?? Array.from({ length: tasks }, (_, i) => i % slots.length),
    taskDim: options.taskDim ?? 4,
    width: options.width ?? 64,
    height: options.height ?? 48,
    contentCarry: options.contentCarry ?? 0.3,
    styleCarry: options.styleCarry ?? 0.7,
    fontStay: options.fontStay ?? 0.7,
    misread: options.misread ?? 0.1,
    taskNoise: options.taskNoise ?? 0.5,
    fonts: options.fonts ?? glyphFonts().map((_, k) => k),
    shortcut: options.shortcut ?? null,
    seed: options.seed ?? 0,
  };
  const { episodes: n, steps: T, segmentLength: L } = p;
  check(Number.isInteger(n) && n >= 2, `episodes must be an integer >= 2, got ${n}`);
  check(Number.isInteger(L) && L >= 2 && Number.isInteger(T) && T % L === 0 && T >= 2 * L, `steps (${T}) must be a multiple of segmentLength (${L} >= 2) with at least two segments`);
  check(Number.isInteger(tasks) && tasks >= 1, `tasks must be a positive integer, got ${tasks}`);
  check(Array.isArray(slots) && slots.length >= 1 && slots.every((s) => typeof s === 'string' && [...s].length >= 2), 'slots must list at least one alphabet of at least two characters');
  const known = new Set(Object.keys(glyphFonts()[0].glyphs));
  for (const s of slots) for (const c of s) check(known.has(c), `slot character "${c}" has no outline; the world draws ${[...known].join('')}`, { char: c });
  check(p.taskSlots.length === tasks && p.taskSlots.every((s) => Number.isInteger(s) && s >= 0 && s < slots.length), `taskSlots must give each of the ${tasks} tasks a slot in 0..${slots.length - 1}`);
  check(Number.isInteger(p.taskDim) && p.taskDim >= 1, `taskDim must be a positive integer, got ${p.taskDim}`);
  check(Number.isInteger(p.width) && p.width >= 16 && p.width <= 1024 && Number.isInteger(p.height) && p.height >= 16 && p.height <= 256, `width must be 16..1024 and height 16..256 pixels, got ${p.width} x ${p.height}`);
  for (const name of ['contentCarry', 'fontStay', 'misread'] as const) check(p[name] >= 0 && p[name] <= 1, `${name} must be in [0, 1], got ${p[name]}`);
  check(p.styleCarry >= 0 && p.styleCarry < 1, `styleCarry must be in [0, 1), got ${p.styleCarry}`);
  check(p.taskNoise >= 0 && Number.isFinite(p.taskNoise), `taskNoise must be finite and >= 0, got ${p.taskNoise}`);
  check(p.fonts.length >= 1 && p.fonts.every((f) => Number.isInteger(f) && f >= 0 && f < glyphFonts().length), `fonts must list indices in 0..${glyphFonts().length - 1}`);
  check(Number.isFinite(p.seed), `seed must be finite, got ${p.seed}`);
  const cut = p.shortcut;
  check(
    cut === null || (typeof cut === 'object' && Number.isInteger(cut.episodes) && cut.episodes >= 0 && cut.episodes <= n && cut.strength >= 0 && cut.strength <= 1),
    `shortcut must be { episodes: 0..${n}, strength: 0..1 }, got ${JSON.stringify(cut)}`,
  );
  return { ...p, segments: T / L };
}

const X = STYLE_VARIABLES.indexOf('x');
const INK_R = STYLE_VARIABLES.indexOf('inkR');

/**
 * A shortcut step's nuisance: the first slot's character picks the font and the red channel of the
 * dark colour, the last slot's the horizontal position (evenly over 90% of each range); the rest of
 * the style is the chain's. The chain itself goes on from its own state.
 */
function followContent(s: StyleState, chars: number[], alphabets: string[][], fonts: readonly number[]): StyleState {
  const spread = (p: number) => 0.9 * ((2 * chars[p]) / (alphabets[p].length - 1) - 1);
  // The squashed value v = u / (1 + |u|) in (-1, 1) comes from u = v / (1 - |v|).
  const unsquash = (v: number) => v / (1 - Math.abs(v));
  const latent = Float64Array.from(s.latent);
  latent[X] = unsquash(spread(chars.length - 1));
  latent[INK_R] = unsquash(spread(0));
  return { ...s, latent, font: fonts[chars[0] % fonts.length] };
}

/**
 * A world of rendered text pictures for a real pretrained generalist (PP-OCRv4): steps show
 * strings whose slots serve known tasks.
 */
export function glyphWorld(options: GlyphWorldOptions = {}): GlyphWorld {
  const params = resolveOptions(options);
  const { episodes: n, steps: T, segmentLength: L, tasks: M, slots, taskSlots, taskDim: dg, width, height } = params;
  const N = params.segments;
  const rng = createRng(params.seed);
  const relation = drawRelation(rng, N, M);
  const embeddings = taskSlots.map((slot) => Array.from({ length: [...slots[slot]].length }, () => Float64Array.from({ length: dg }, () => unitNoise(rng))));
  const dynamics = { carry: params.styleCarry, fontStay: params.fontStay, polarityStay: 0.9, fonts: params.fonts };
  // One stream per episode for the states and one per image for the pixel noise: any range of
  // episodes renders the same pixels as the whole world.
  const episodeSeeds = Array.from({ length: n }, () => rng.next() * 2 ** 32);
  const S = STYLE_VARIABLES.length + 1;
  const content = new Int32Array(n * T * slots.length);
  const style = new Float32Array(n * T * S);
  const font = new Int32Array(n * T);
  const styles: StyleState[] = [];
  const texts: string[] = [];
  const tasks = new Float32Array(n * M * dg);
  const contributions = new Float32Array(n * T * M * dg);
  const alphabets = slots.map((s) => [...s]);

  for (let e = 0; e < n; e++) {
    const er = createRng(episodeSeeds[e]);
    // The shortcut draws from its own stream, so every other draw is as without it.
    const cut = params.shortcut && e < params.shortcut.episodes ? { rng: createRng(episodeSeeds[e] + T + 1), strength: params.shortcut.strength } : undefined;
    let chars = alphabets.map((a) => er.int(a.length));
    let s = initialStyle(er, dynamics);
    for (let t = 0; t < T; t++) {
      const row = e * T + t;
      const shown = cut && cut.rng.next() < cut.strength ? followContent(s, chars, alphabets, params.fonts) : s;
      content.set(chars, row * slots.length);
      style.set(styleValues(shown), row * S);
      font[row] = shown.font;
      styles.push(shown);
      texts.push(chars.map((c, p) => alphabets[p][c]).join(''));
      const shift = chars.map(() => 1);
      const segment = Math.floor(t / L);
      for (let i = 0; i < M; i++) {
        if (!relation[segment * M + i]) continue;
        const slot = taskSlots[i];
        const read = er.next() < params.misread ? er.int(alphabets[slot].length) : chars[slot];
        shift[slot] += read;
        const e_i = embeddings[i][read];
        for (let q = 0; q < dg; q++) {
          contributions[(row * M + i) * dg + q] = e_i[q];
          tasks[(e * M + i) * dg + q] += e_i[q];
        }
      }
      chars = chars.map((c, p) => (er.next() < params.contentCarry ? (c + shift[p]) % alphabets[p].length : er.int(alphabets[p].length)));
      s = nextStyle(er, s, dynamics);
    }
    for (let q = 0; q < M * dg; q++) tasks[e * M * dg + q] += params.taskNoise * unitNoise(er);
  }

  const pixelsPerImage = width * height * 3;
  const imageRng = (row: number): Rng => createRng(episodeSeeds[Math.floor(row / T)] + 1 + (row % T));
  const checkRange = (start: number, count: number) => {
    check(Number.isInteger(start) && Number.isInteger(count) && start >= 0 && count >= 0 && start + count <= n, `episodes ${start}..${start + count - 1} are outside 0..${n - 1}`);
  };
  const draw = (row: number, out: Uint8Array, offset: number) => drawText(texts[row], textStyle(styles[row]), width, height, imageRng(row), out, offset);
  const render = (start = 0, count = n - start): Uint8Array => {
    checkRange(start, count);
    const out = new Uint8Array(count * T * pixelsPerImage);
    for (let r = 0; r < count * T; r++) draw(start * T + r, out, r * pixelsPerImage);
    return out;
  };
  return {
    texts,
    tasks,
    contributions,
    truth: { relation, content, style, styleNames: [...STYLE_VARIABLES, 'darkInk'], font, taskSlots, embeddings: embeddings.map((e) => e.map((v) => Array.from(v))) },
    shapes: { tasks: [n, M, dg], relation: [N, M], image: [height, width, 3] },
    params,
    render,
    observations(start = 0, count = n - start) {
      const rgb = render(start, count);
      const plane = width * height;
      const data = new Float32Array(rgb.length);
      for (let img = 0; img < count * T; img++) {
        const base = img * pixelsPerImage;
        for (let p = 0; p < plane; p++) {
          // HWC RGB bytes -> CHW BGR in [-1, 1].
          for (let c = 0; c < 3; c++) data[base + c * plane + p] = rgb[base + 3 * p + (2 - c)] / 127.5 - 1;
        }
      }
      return { data, shape: [count, T, 3, height, width] };
    },
    imageData(episode, step) {
      checkRange(episode, 1);
      check(Number.isInteger(step) && step >= 0 && step < T, `step must be in 0..${T - 1}, got ${step}`);
      const rgb = new Uint8Array(pixelsPerImage);
      draw(episode * T + step, rgb, 0);
      const data = new Uint8ClampedArray(width * height * 4);
      for (let p = 0; p < width * height; p++) {
        data.set(rgb.subarray(3 * p, 3 * p + 3), 4 * p);
        data[4 * p + 3] = 255;
      }
      return { data, width, height };
    },
  };
}
