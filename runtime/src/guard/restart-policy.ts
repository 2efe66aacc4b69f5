import { formatDuration, type ExitRecord } from '@faultguard/protocol';

// When a guard starts its program again (protocol/SPEC.md §11): after which ends, how often
// before it calls it a crash loop and gives up, and how long it waits between starts.

/**
 * When a guard starts its program again after it ended.
 *
 * @example
 * ```ts
 * await guard({ command: './server', args: [], restart: { when: 'on-failure', maxRestarts: 5, withinSeconds: 60 } });
 * ```
 */
export interface RestartOptions {
  /** on-failure: after an abnormal end; always: after any end but one the guard was asked for. */
  readonly when: 'on-failure' | 'always';
  /** Restarts allowed within the window, whatever the reason. */
  readonly maxRestarts: number;
  /** Ends of the same category allowed within the window before the guard gives up. */
  readonly maxSame: number;
  /** The window, in seconds. */
  readonly withinSeconds: number;
  /** The first wait before a start, in seconds; each restart in a row doubles it, up to maxBackoff. */
  readonly backoffSeconds: number;
  readonly maxBackoffSeconds: number;
}

export const DEFAULT_RESTART: Omit<RestartOptions, 'when'> = { maxRestarts: 10, maxSame: 5, withinSeconds: 60, backoffSeconds: 0.1, maxBackoffSeconds: 30 };

/**
 * Restart options as a caller gives them: `when`, and any of the limits (the rest are the defaults:
 * 10 restarts, 5 of one category, within 60 s; backoff from 0.1 s to 30 s).
 *
 * @example
 * ```ts
 * await start(launch, rescue, { restart: { when: 'on-failure', maxSame: 3 } });
 * ```
 */
export type RestartRequest = Pick<RestartOptions, 'when'> & Partial<RestartOptions>;

export function restartOptions(request: RestartRequest): RestartOptions {
  return { ...DEFAULT_RESTART, ...request };
}

/** One end of the program, as the policy counts it. */
export interface End {
  readonly exit: ExitRecord;
  /** ms since the epoch. */
  readonly started: number;
  readonly ended: number;
}

export type Decision = { readonly restart: true; readonly delaySeconds: number } | { readonly restart: false; readonly why: string };

/**
 * Whether to start the program again after `ends` (oldest first, the last one just happened).
 * `stopped`: the guard itself was asked to stop (SIGTERM, Ctrl-C...), which is never undone.
 */
export function decideRestart(options: RestartOptions, ends: readonly End[], abnormal: boolean, stopped: boolean): Decision {
  const last = ends[ends.length - 1];
  if (stopped) return { restart: false, why: 'the guard was asked to stop' };
  if (!abnormal && options.when === 'on-failure') return { restart: false, why: 'it ended normally' };
  const windowStart = last.ended - options.withinSeconds * 1000;
  const recent = ends.filter((end) => end.ended >= windowStart);
  const window = formatDuration(options.withinSeconds);
  // The first end is not a restart: N restarts allowed means N + 1 ends.
  if (recent.length > options.maxRestarts) {
    return { restart: false, why: `crash loop: it ended ${recent.length} times within ${window} (--max-restarts ${options.maxRestarts})` };
  }
  const same = recent.filter((end) => end.exit.category === last.exit.category);
  if (abnormal && same.length > options.maxSame) {
    return { restart: false, why: `crash loop: ${same.length} ends of category ${last.exit.category} within ${window} (--max-same ${options.maxSame})` };
  }
  return { restart: true, delaySeconds: backoff(options, ends) };
}

/**
 * Exponential: the first restart waits `backoffSeconds`, each one after a run shorter than the
 * window doubles it, up to the maximum; a run that lived longer than the window starts over.
 */
function backoff(options: RestartOptions, ends: readonly End[]): number {
  let inARow = 0;
  for (let i = ends.length - 1; i >= 0 && ends[i].ended - ends[i].started < options.withinSeconds * 1000; i--) inARow++;
  return Math.min(options.maxBackoffSeconds, options.backoffSeconds * 2 ** Math.max(0, inARow - 1));
}
