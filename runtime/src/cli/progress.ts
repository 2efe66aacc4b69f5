import { formatBytes } from '@faultguard/protocol';

/** Long work only: below this a progress line would flash by unread. */
const WORTH_SHOWING = 32 * 1024 * 1024;
const REDRAW_MS = 200;

/**
 * A progress line on stderr, redrawn in place, for work on large data. Shown only when stderr is
 * a terminal: a log file or a pipe gets no carriage-return noise.
 */
export class Progress {
  private readonly shown: boolean;
  private drawnAt = 0;

  constructor(
    private readonly label: string,
    private readonly total: number,
    private readonly stream: NodeJS.WriteStream = process.stderr,
  ) {
    this.shown = stream.isTTY === true && total >= WORTH_SHOWING;
  }

  update(done: number): void {
    const now = Date.now();
    if (!this.shown || now - this.drawnAt < REDRAW_MS) return;
    this.drawnAt = now;
    const percent = Math.min(100, Math.floor((done / this.total) * 100));
    this.stream.write(`\r\x1b[Kfaultguard: ${this.label}: ${percent}% (${formatBytes(done)} of ${formatBytes(this.total)})`);
  }

  end(): void {
    if (this.shown && this.drawnAt > 0) this.stream.write('\r\x1b[K');
  }
}
