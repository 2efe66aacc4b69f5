import type { ByteSource } from '@faultguard/protocol';
import { readExactly, readInto } from '../files/byte-io';

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
      this.windowEnd = offset + readInto(this.fd, this.window, 0, Math.min(WINDOW, this.size - offset), offset);
    }
    return this.window.subarray(offset - this.windowStart, offset - this.windowStart + length);
  }
}
