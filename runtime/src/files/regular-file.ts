import { closeSync, constants, fstatSync, lstatSync, openSync, type Stats } from 'node:fs';
import { readInto } from './byte-io';

/**
 * Opens a file for reading only if it is a regular file: a FIFO planted at an autosave path would
 * otherwise block the open (and the guard) forever, and a symlink could point anywhere. Returns
 * the descriptor and the file's facts as that descriptor sees them (one fstat, for the caller too).
 */
export function openRegularFile(path: string, flags = constants.O_RDONLY): { fd: number; stat: Stats } {
  const fd = openSync(path, flags | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  const stat = fstatSync(fd);
  if (!stat.isFile()) {
    closeSync(fd);
    throw new Error(`not a regular file: ${kindOf(stat)}`);
  }
  return { fd, stat };
}

export function kindOf(stat: Stats): string {
  if (stat.isDirectory()) return 'a directory';
  if (stat.isFIFO()) return 'a FIFO';
  if (stat.isSocket()) return 'a socket';
  if (stat.isCharacterDevice() || stat.isBlockDevice()) return 'a device';
  return 'a special file';
}

/** The file's own facts (a link is not followed), or undefined if there is nothing at `path`. */
export function lstatOrUndefined(path: string): Stats | undefined {
  try {
    return lstatSync(path);
  } catch {
    return undefined;
  }
}

/**
 * The first `max` bytes of a regular file (opened as openRegularFile does), or undefined when it
 * is missing, not a regular file or cannot be read: for what a process leaves beside its journal.
 */
export function readRegularFileStart(path: string, max: number): Buffer | undefined {
  let opened: { fd: number; stat: Stats };
  try {
    opened = openRegularFile(path);
  } catch {
    return undefined;
  }
  const { fd, stat } = opened;
  try {
    const size = Math.min(stat.size, max);
    const bytes = Buffer.alloc(size);
    return bytes.subarray(0, readInto(fd, bytes, 0, size, 0));
  } catch {
    return undefined;
  } finally {
    closeSync(fd);
  }
}
