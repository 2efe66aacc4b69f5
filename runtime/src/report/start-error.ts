import { Status } from './status';

/**
 * Why a guarded run, or a daemon, could not start: thrown before the program runs (nothing was
 * left behind), with the exit status to end with (the runtime's own are `Status.guardFailed`,
 * `cannotRun`, `notFound` and `usage`; a daemon's start-up code may choose its own) and, when
 * another error was the reason, its `cause`. The message says it all: it is reported as one
 * line, never as a stack trace.
 *
 * @example
 * ```ts
 * await daemonize({ pidFile: '/run/app.pid' }, async () => {
 *   if (!(await canListen(8080))) throw new StartError('cannot listen on port 8080', 3);
 * });
 * ```
 */
export class StartError extends Error {
  /** "StartError" */
  override readonly name = 'StartError';

  /**
   * @param message - the whole story, in one line
   * @param status - the exit status to end with (default 125, `Status.guardFailed`)
   * @param options - the error behind this one, if any, as its `cause`
   */
  constructor(
    message: string,
    /** The exit status to end with. */
    readonly status: number = Status.guardFailed,
    options?: { readonly cause?: unknown },
  ) {
    super(message, options);
  }
}

/** The status to end with after a failed start: a StartError's own, anything else the guard's trouble. */
export function startStatusOf(error: unknown): number {
  return error instanceof StartError ? error.status : Status.guardFailed;
}
