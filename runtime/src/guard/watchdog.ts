import { statSync } from 'node:fs';

// The guard's side of the watchdog (protocol/SPEC.md §11.3): the program's client pings by
// setting the modification time of a file in the run folder; a program silent for longer than the
// watchdog's timeout is asked for a diagnosis (the signal its client asked for, if any), given a
// grace period, and then killed, so that its data is rescued like a crashed program's.

/**
 * How long a program may go without `data.ping()` before its guard takes it for hung.
 *
 * @example
 * ```ts
 * await guard({ command: 'node', args: ['worker.js'], watchdog: { seconds: 30 }, restart: { when: 'on-failure' } });
 * ```
 */
export interface WatchdogOptions {
  /** How long the program may go without a ping. */
  readonly seconds: number;
  /** How long after the diagnosis request it is killed (default: the lesser of 5 s and `seconds`). */
  readonly graceSeconds?: number;
}

export interface Hang {
  readonly silentSeconds: number;
}

/** How often the ping file is looked at: often enough to be late by at most a quarter of the timeout. */
function pollMs(seconds: number): number {
  return Math.max(20, Math.min(1000, seconds * 250));
}

export class Watchdog {
  private timer: NodeJS.Timeout | undefined;
  private killTimer: NodeJS.Timeout | undefined;
  private readonly started = Date.now();
  /** Set once the program was found hung, and killed. */
  hang: Hang | undefined;

  constructor(
    private readonly pingFile: string,
    private readonly options: WatchdogOptions,
    /** Asks the program for a diagnosis (sends the signal its client asked for); may do nothing. */
    private readonly diagnose: () => void,
    private readonly kill: () => void,
  ) {
    this.timer = setInterval(() => this.check(), pollMs(options.seconds)).unref();
  }

  stop(): void {
    clearInterval(this.timer);
    clearTimeout(this.killTimer);
  }

  private lastPing(): number {
    try {
      return Math.max(this.started, statSync(this.pingFile).mtimeMs);
    } catch {
      return this.started;
    }
  }

  private check(): void {
    const silent = (Date.now() - this.lastPing()) / 1000;
    if (this.killTimer !== undefined) {
      // It woke up within the grace period: it was slow, not hung.
      if (silent < this.options.seconds) {
        clearTimeout(this.killTimer);
        this.killTimer = undefined;
      }
      return;
    }
    if (silent < this.options.seconds) return;
    this.diagnose();
    this.killTimer = setTimeout(() => {
      this.hang = { silentSeconds: (Date.now() - this.lastPing()) / 1000 };
      clearInterval(this.timer);
      this.kill();
    }, (this.options.graceSeconds ?? Math.min(5, this.options.seconds)) * 1000).unref();
  }
}
