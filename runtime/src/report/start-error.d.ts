/**
 * Why a guarded run, or a daemon, could not start: thrown before the program runs (nothing was
 * left behind), with the exit status to end with (the runtime's own are `Status.guardFailed`,
 * `cannotRun`, `notFound` and `usage`; a daemon's start-up code may choose its own) and, when
 * another error was the reason, its `cause`. The message says it all: it is reported as one
 * line, never as a stack trace.
 *
 * @example
 * await daemonize({ pidFile: '/run/app.pid' }, async () => {
 *   if (!(await canListen(8080))) throw new StartError('cannot listen on port 8080', 3);
 * });
 */
export declare class StartError extends Error {
    readonly status: number;
    readonly name = "StartError";
    constructor(message: string, status?: number, options?: {
        readonly cause?: unknown;
    });
}
/** The status to end with after a failed start: a StartError's own, anything else the guard's trouble. */
export declare function startStatusOf(error: unknown): number;
