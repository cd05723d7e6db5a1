/** A one-line terminal progress bar on stderr; silent when stderr is not a terminal or in --json mode. */
export class ProgressBar {
  private lastDraw = 0;
  private active = false;
  constructor(
    private readonly stream: { isTTY?: boolean; write(s: string): unknown } | undefined,
    private readonly width = 30,
  ) {}

  update(label: string, done: number, total: number): void {
    if (!this.stream?.isTTY) return;
    const now = Date.now();
    if (done < total && now - this.lastDraw < 80) return;
    this.lastDraw = now;
    const frac = total > 0 ? Math.min(1, done / total) : 0;
    const filled = Math.round(frac * this.width);
    this.stream.write(`\r${label.padEnd(18)} [${'#'.repeat(filled)}${' '.repeat(this.width - filled)}] ${(frac * 100).toFixed(0).padStart(3)}%`);
    this.active = true;
  }

  done(): void {
    if (this.active) this.stream?.write('\n');
    this.active = false;
  }
}
