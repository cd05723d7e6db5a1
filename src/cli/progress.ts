// Progress on stderr. On a terminal: one bar redrawn in place (at most every 80 ms). Piped or
// redirected (CI logs, `2> log`): whole lines, one per stage change and at most one per 2 s
// within a stage, so a log shows the run moving without flooding. Silent in --json mode.

export interface ProgressStream {
  isTTY?: boolean;
  write(s: string): unknown;
}

export interface ProgressBarOptions {
  /** Least time between two lines when not a terminal. Default 2000 ms. */
  lineIntervalMs?: number;
  /** The clock (tests). Default Date.now. */
  now?: () => number;
}

const BAR_WIDTH = 30;
const REDRAW_MS = 80;

export class ProgressBar {
  private lastDraw = -Infinity;
  private label?: string;
  private fraction = 0;
  private readonly lineIntervalMs: number;
  private readonly now: () => number;

  constructor(
    private readonly stream: ProgressStream | undefined,
    options: ProgressBarOptions = {},
  ) {
    this.lineIntervalMs = options.lineIntervalMs ?? 2000;
    this.now = options.now ?? Date.now;
  }

  update(label: string, done: number, total: number): void {
    if (!this.stream) return;
    const now = this.now();
    const fraction = total > 0 ? Math.min(1, Math.max(0, done / total)) : 0;
    const newStage = label !== this.label;
    const wait = this.stream.isTTY ? REDRAW_MS : this.lineIntervalMs;
    if (!newStage && fraction < 1 && now - this.lastDraw < wait) return;
    if (!newStage && fraction === this.fraction && fraction === 1) return;
    if (newStage && this.label !== undefined) this.finishStage();
    this.label = label;
    this.fraction = fraction;
    this.lastDraw = now;
    this.draw();
  }

  /** The run finished: the current stage is shown complete (stages may end early, e.g. converged). */
  done(): void {
    if (this.stream && this.label !== undefined) this.finishStage();
    this.label = undefined;
  }

  private finishStage(): void {
    if (this.fraction < 1) {
      this.fraction = 1;
      this.draw();
    }
    if (this.stream!.isTTY) this.stream!.write('\n');
  }

  private draw(): void {
    const percent = `${(this.fraction * 100).toFixed(0).padStart(3)}%`;
    if (this.stream!.isTTY) {
      const filled = Math.round(this.fraction * BAR_WIDTH);
      this.stream!.write(`\r${this.label!.padEnd(18)} [${'#'.repeat(filled)}${' '.repeat(BAR_WIDTH - filled)}] ${percent}`);
    } else {
      this.stream!.write(`${this.label}: ${percent.trim()}\n`);
    }
  }
}
