import type { StructureMetrics, StructureWorld } from 'specialist-sdk/lab';
// Shared by the structure benchmarks: summaries over worlds and per-configuration tallies.

export interface Summary {
  mean: number;
  sd: number;
  min: number;
  max: number;
}
export const round = (x: number) => Math.round(x * 10000) / 10000;
export function summary(xs: number[]): Summary {
  const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
  const sd = Math.sqrt(xs.reduce((a, b) => a + (b - mean) ** 2, 0) / Math.max(1, xs.length - 1));
  return { mean: round(mean), sd: round(sd), min: round(Math.min(...xs)), max: round(Math.max(...xs)) };
}
export const cell = (s: Summary) => `${s.mean.toFixed(3)} ± ${s.sd.toFixed(3)}`;

export const asArrays = (w: StructureWorld) => ({
  states: { data: w.states, shape: w.shapes.states },
  tasks: { data: w.tasks, shape: w.shapes.tasks },
  truth: { data: w.relation, shape: w.shapes.relation },
});

/** Collects metrics per configuration: accuracy, MCC, false positives and misses. */
export class Tally {
  readonly acc: number[] = [];
  readonly mcc: number[] = [];
  fp = 0;
  fn = 0;
  negatives = 0;
  positives = 0;
  add(m: StructureMetrics): void {
    this.acc.push(m.accuracy);
    this.mcc.push(m.mcc);
    this.fp += m.falsePositives;
    this.fn += m.falseNegatives;
    this.negatives += m.falsePositives + m.trueNegatives;
    this.positives += m.truePositives + m.falseNegatives;
  }
  json() {
    return { accuracy: summary(this.acc), mcc: summary(this.mcc), worlds: this.acc.length, falsePositives: this.fp, negatives: this.negatives, misses: this.fn, positives: this.positives };
  }
}

/** Median of a list. */
export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[s.length >> 1] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

export const log = (line = '') => process.stderr.write(line + '\n');
