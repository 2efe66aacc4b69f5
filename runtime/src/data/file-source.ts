import { readSync } from 'node:fs';
import type { ByteSource } from '@faultguard/protocol';

/** Reads ahead this much at a time: a journal of small records is scanned in few system calls. */
const WINDOW = 8 * 1024 * 1024;

/** A journal file as a ByteSource: read on demand through a window, never whole. */
export class FileSource implements ByteSource {
  private readonly window = Buffer.allocUnsafe(WINDOW);
  private windowStart = 0;
  private windowEnd = 0;

  constructor(
    private readonly fd: number,
    readonly size: number,
  ) {}

  read(offset: number, length: number): Uint8Array {
    if (length > WINDOW) return readExactly(this.fd, offset, length);
    if (offset < this.windowStart || offset + length > this.windowEnd) {
      this.windowStart = offset;
      this.windowEnd = offset + readAt(this.fd, this.window, Math.min(WINDOW, this.size - offset), offset);
    }
    return this.window.subarray(offset - this.windowStart, offset - this.windowStart + length);
  }
}

/** A fresh buffer holding bytes [offset, offset + length) of the file; fails if the file is shorter. */
export function readExactly(fd: number, offset: number, length: number): Buffer {
  const bytes = Buffer.allocUnsafe(length);
  const got = readAt(fd, bytes, length, offset);
  if (got < length) throw new Error(`ended at byte ${offset + got}, inside a value that should reach byte ${offset + length}`);
  return bytes;
}

/** Reads up to `length` bytes at `position` into bytes[0, length); returns how many it got. */
function readAt(fd: number, bytes: Buffer, length: number, position: number): number {
  let done = 0;
  for (let n; done < length && (n = readSync(fd, bytes, done, length - done, position + done)) > 0; ) done += n;
  return done;
}
