import { closeSync, constants, fstatSync, openSync } from 'node:fs';
import { kindOf } from './regular-file';

const OPEN_APPEND = constants.O_WRONLY | constants.O_APPEND | constants.O_NOCTTY;

/**
 * Opens `path` for appending (a log: a daemon's stdout or stderr), creating a regular file when
 * nothing is there. Never through a link (one put in a shared folder could aim a root daemon's
 * output at any file), and never blocking: a FIFO that nobody reads fails at once (ENXIO) instead
 * of hanging. A FIFO with a reader and a device (/dev/null, a terminal) are what a user may mean:
 * they are opened again, blocking, through the descriptor (the same file, not the path again),
 * since a non-blocking output would make the program's writes fail with EAGAIN.
 */
export function openForAppending(path: string, mode: number): number {
  const fd = openSync(path, OPEN_APPEND | constants.O_CREAT | constants.O_NOFOLLOW | constants.O_NONBLOCK, mode);
  try {
    const stat = fstatSync(fd);
    if (stat.isFile()) return fd; // O_NONBLOCK means nothing to a regular file
    if (!stat.isFIFO() && !stat.isCharacterDevice()) throw new Error(`not a file: ${kindOf(stat)}`);
    const reopened = openSync(`/proc/self/fd/${fd}`, OPEN_APPEND);
    closeSync(fd);
    return reopened;
  } catch (error) {
    closeSync(fd);
    throw error;
  }
}
