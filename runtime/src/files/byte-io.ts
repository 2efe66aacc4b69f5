import { readSync, writeSync } from 'node:fs';

// The two loops every reader and writer of files needs: read() and write() may move fewer bytes
// than asked (a signal, a pipe, a file system's own limit), and a short count is no error.

/**
 * Writes bytes[0, length) at `position`, or at the descriptor's offset when `position` is null:
 * a short write goes on, never leaves a gap. Returns the length written.
 */
export function writeAll(fd: number, bytes: Uint8Array, position: number | null = null, length = bytes.length): number {
  for (let done = 0; done < length; ) done += writeSync(fd, bytes, done, length - done, position === null ? null : position + done);
  return length;
}

/** Writes each part, in order, at the descriptor's offset. */
export function appendAll(fd: number, ...parts: readonly Uint8Array[]): void {
  for (const part of parts) writeAll(fd, part);
}

/**
 * Reads the file's bytes from `position` into bytes[start, end), until full or the end of the
 * file; returns how many it got.
 */
export function readInto(fd: number, bytes: Uint8Array, start: number, end: number, position: number): number {
  let done = 0;
  for (let n; start + done < end && (n = readSync(fd, bytes, start + done, end - start - done, position + done)) > 0; ) done += n;
  return done;
}

/** A fresh buffer holding bytes [offset, offset + length) of the file; fails if the file is shorter. */
export function readExactly(fd: number, offset: number, length: number): Buffer {
  const bytes = Buffer.allocUnsafe(length);
  const got = readInto(fd, bytes, 0, length, offset);
  if (got < length) throw new Error(`ended at byte ${offset + got}, inside a value that should reach byte ${offset + length}`);
  return bytes;
}
