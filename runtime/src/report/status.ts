// Every exit status the CLI (and a process that start() or daemonize() made a guard or a daemon)
// ends with when the status is not the program's own: one table, as tini keeps its mapping in one
// place. 125-127 follow env(1) and nohup(1), so that a script can tell the guard's trouble from
// the program's: a guarded program's own status always passes through unchanged.
/**
 * The exit statuses of the CLI, and of a process `start()` or `daemonize()` made a guard or a
 * daemon, when the status is not the program's own.
 *
 * @example
 * ```ts
 * import { Status, StartError } from 'faultguard';
 *
 * throw new StartError('the configuration is missing', Status.usage);
 * ```
 */
export const Status = {
  /** Done as asked. */
  ok: 0,
  /** The command's work failed: a file that cannot be read or written, a daemon still running. */
  failed: 1,
  /** Bad usage: an unknown option, a missing operand. */
  usage: 2,
  /** Nothing to do: `stop` found no running daemon. */
  nothingToDo: 3,
  /** The guard could not start the program (or a daemon its start-up): its own trouble. */
  guardFailed: 125,
  /** The command was found but cannot be run. */
  cannotRun: 126,
  /** The command was not found. */
  notFound: 127,
  /** The reader of the output went away (a closed pipe): what a shell shows for a command SIGPIPE ended, 128 + 13. */
  brokenPipe: 141,
} as const;

/**
 * The name of one of the statuses: "ok", "usage", "guardFailed"...
 *
 * @example
 * ```ts
 * const name: StatusName = 'notFound'; // Status[name] is 127
 * ```
 */
export type StatusName = keyof typeof Status;

/**
 * One of the statuses' numbers: 0, 1, 2, 3, 125, 126 or 127.
 *
 * @example
 * ```ts
 * const status: ExitStatus = Status.cannotRun; // 126
 * ```
 */
export type ExitStatus = (typeof Status)[StatusName];
