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

  /** Bytes [offset, offset + length) in a buffer of their own: copied out of the window, or read whole when larger. */
  copy(offset: number, length: number): Buffer {
    return length > WINDOW ? readExactly(this.fd, offset, length) : Buffer.from(this.read(offset, length));
  }

  read(offset: number, length: number): Uint8Array {
    if (length > WINDOW) return readExactly(this.fd, offset, length);
    if (offset < this.windowStart || offset + length > this.windowEnd) {
      this.windowStart = offset;
      this.windowEnd = offset + readInto(this.fd, this.window, 0, Math.min(WINDOW, this.size - offset), offset);
      // A file cut short since it was opened: what the window holds past its end is not the file's.
      if (offset + length > this.windowEnd) throw new Error(`ended at byte ${this.windowEnd}, inside a value that should reach byte ${offset + length}`);
    }
    return this.window.subarray(offset - this.windowStart, offset - this.windowStart + length);
  }
}
