import { closeSync, constants, fstatSync, openSync, readSync } from 'node:fs';

/**
 * Opens a file for reading only if it is a regular file: a FIFO planted at an autosave path would
 * otherwise block the open (and the guard) forever, and a symlink could point anywhere.
 */
export function openRegularFile(path: string): number {
  const fd = openSync(path, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  if (!fstatSync(fd).isFile()) {
    closeSync(fd);
    throw new Error('not a regular file');
  }
  return fd;
}

/** Reads into bytes[from, to) from the same file offset, until full or end of file; returns the end reached. */
export function readUpTo(fd: number, bytes: Buffer, from: number, to: number): number {
  let end = from;
  for (let n; end < to && (n = readSync(fd, bytes, end, to - end, end)) > 0; ) end += n;
  return end;
}

export function readRegularFile(path: string): Buffer {
  const fd = openRegularFile(path);
  try {
    const bytes = Buffer.allocUnsafe(fstatSync(fd).size);
    return bytes.subarray(0, readUpTo(fd, bytes, 0, bytes.length));
  } finally {
    closeSync(fd);
  }
}
