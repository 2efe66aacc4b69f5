import type { AutosaveProblem } from '@faultguard/protocol';

export type { AutosaveProblem };

/**
 * What every reader of autosaves throws. The message names the file first (a tool reading many
 * files must say which one failed); `problem` says what kind of trouble it is.
 *
 * @example
 * ```ts
 * try {
 *   await recover(restore, 'autosaves/app.fgsave');
 * } catch (error) {
 *   if (!(error instanceof AutosaveError)) throw error;
 *   if (error.problem === 'live') console.log('still running: try again once it has ended');
 *   else console.error(error.message); // "autosaves/app.fgsave: data checksum mismatch; previous generation: ..."
 * }
 * ```
 */
export class AutosaveError extends Error {
  /**
   * @param file - the file the trouble is with
   * @param problem - what kind of trouble
   * @param detail - what exactly, in words
   */
  constructor(
    /** The file the trouble is with. */
    readonly file: string,
    /** What kind of trouble: a tool lists a damaged file, raises a limit, or waits for a live run. */
    readonly problem: AutosaveProblem,
    /** What exactly, in words (the message without the file). */
    readonly detail: string,
  ) {
    super(`${file}: ${detail}`);
    this.name = 'AutosaveError';
  }
}

/** An error from opening or reading, in words: the errno codes a user meets, and the rest as Node says them. */
export function describeFileError(error: unknown): { problem: AutosaveProblem; detail: string } {
  const code = (error as NodeJS.ErrnoException).code;
  switch (code) {
    case 'ENOENT':
      return { problem: 'missing', detail: 'no such file' };
    case 'EACCES':
    case 'EPERM':
      return { problem: 'unreadable', detail: 'permission denied' };
    case 'ELOOP':
      return { problem: 'unreadable', detail: 'is a symbolic link (not followed: give the file it points to)' };
    case undefined: // ours, such as "not a regular file: a FIFO"
      return { problem: 'unreadable', detail: (error as Error).message };
    default:
      return { problem: 'unreadable', detail: `cannot read: ${(error as Error).message}` };
  }
}
