import type { AutosaveProblem } from '@faultguard/protocol';

export type { AutosaveProblem };

/** Every message names the file first: a tool reading many files must say which one failed. */
export class AutosaveError extends Error {
  constructor(
    readonly file: string,
    readonly problem: AutosaveProblem,
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
