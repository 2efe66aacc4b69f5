import { closeSync, ftruncateSync, openSync, unlinkSync, writeSync } from 'node:fs';
import { COMPACT_MIN_BYTES } from '../../runtime/src/data/guarded-data';

/**
 * What set() is measured against: the same bytes appended with one bare positioned
 * fs.writeSync(), as the journal appends, to a file on the same tmpfs.
 *
 * A journal in which one key is set over and over is compacted whenever it reaches 64 MiB,
 * keeping just the live value; this file is cut back to one value at the same size, so that
 * both free their pages, and fault fresh ones in, at the same points of the run.
 */
export class ReferenceFile {
  private readonly fd: number;
  private end = 0;

  constructor(private readonly path: string) {
    this.fd = openSync(path, 'w', 0o600);
  }

  append(bytes: Buffer): void {
    this.end += writeSync(this.fd, bytes, 0, bytes.length, this.end);
    if (this.end < COMPACT_MIN_BYTES) return;
    ftruncateSync(this.fd, bytes.length);
    this.end = bytes.length;
  }

  remove(): void {
    closeSync(this.fd);
    unlinkSync(this.path);
  }
}
