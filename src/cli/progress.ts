// A one-line progress bar for training epochs: steps done, ETA and running metrics. On a terminal
// it redraws in place; otherwise (CI logs, tests) it prints a line at each tenth and at the end.

/** Where progress goes: normally process.stderr. */
export interface TextSink {
  write(text: string): unknown;
  isTTY?: boolean;
}

/** Formats seconds as m:ss. */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '--:--';
  const s = Math.round(seconds);
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
}

/** A progress bar over `total` steps. */
export class ProgressBar {
  private readonly start = performance.now();
  private lastTenth = -1;

  constructor(private readonly sink: TextSink, private readonly label: string,
      private readonly total: number, private readonly width = 24) {}

  /** Shows `done` of `total` steps with `metrics` (name → value). */
  update(done: number, metrics: Record<string, number> = {}): void {
    const elapsed = (performance.now() - this.start) / 1000;
    const eta = done > 0 ? elapsed / done * (this.total - done) : NaN;
    const filled = Math.round(this.width * done / this.total);
    const bar = '█'.repeat(filled) + '░'.repeat(this.width - filled);
    const stats = Object.entries(metrics).map(([k, v]) => `${k} ${v.toFixed(4)}`).join('  ');
    const line = `${this.label} ${bar} ${String(done).padStart(String(this.total).length)}/${this.total}` +
        `  ${done < this.total ? `ETA ${formatDuration(eta)}` : `${formatDuration(elapsed)}   `}  ${stats}`;
    if (this.sink.isTTY) {
      this.sink.write(`\r${line}\x1b[K${done >= this.total ? '\n' : ''}`);
    } else {
      const tenth = Math.floor(10 * done / this.total);
      if (tenth !== this.lastTenth || done >= this.total) {
        this.lastTenth = tenth;
        this.sink.write(`${line}\n`);
      }
    }
  }

  /** Seconds since the bar was made. */
  elapsed(): number {
    return (performance.now() - this.start) / 1000;
  }
}
