import { closeSync, constants, copyFileSync, fsyncSync, openSync } from 'node:fs';

/**
 * Flushes a file or a folder (its entries: a rename, a new name) to the disk. Opened without
 * blocking: a FIFO put in its place fails the fsync instead of stopping the guard for good.
 */
export function syncPath(path: string): void {
  const fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** A copy that is on disk before it gets a name readers trust; never over an existing file. */
export function copyDurably(from: string, to: string): void {
  copyFileSync(from, to, constants.COPYFILE_EXCL);
  syncPath(to);
}
