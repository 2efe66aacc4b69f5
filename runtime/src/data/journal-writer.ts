import { closeSync, fstatSync, ftruncateSync, openSync, renameSync, unlinkSync, writevSync } from 'node:fs';
import {
  checkRecordLimits, encodeJournalHeader, encodeRecord, encodeRecordHead, encodeRecordInto, INLINE_VALUE_LIMIT, MAX_KEY_BYTES, recordLength, RecordType, scanJournal, type ValueLocation,
} from '@faultguard/protocol';
import { readExactly, writeAll } from '../files/byte-io';
import { FileSource } from './file-source';
import { openJournalFile } from './journal-file';

/**
 * The program's end of the journal. Every append is one positioned write that has returned
 * before append() does: from then on the bytes belong to the kernel (a tmpfs page), not to this
 * process, so any death of the process leaves them for the guard. One writer per journal.
 */
export class JournalWriter {
  private fd: number;
  private end: number;
  private readonly scratch = Buffer.allocUnsafe(recordLength(Buffer.alloc(MAX_KEY_BYTES), INLINE_VALUE_LIMIT));

  private constructor(readonly path: string, fd: number, end: number) {
    this.fd = fd;
    this.end = end;
  }

  /**
   * Opens a journal the guard created, returning the live entries already in it. `verified`: what
   * a guard that restarted the program has just checked of this very file (SPEC §11.2): those
   * records are not checksummed again.
   */
  static open(path: string, verified?: { readonly ino: number; readonly bytes: number }): { writer: JournalWriter; entries: Map<string, ValueLocation> } {
    return openJournalFile(path, 'r+', (fd) => {
      const stat = fstatSync(fd);
      const scan = scanJournal(new FileSource(fd, stat.size), verified?.ino === stat.ino ? verified.bytes : 0);
      if (scan.damage) throw new Error(`the journal is damaged: ${scan.damage.reason} at byte ${scan.damage.offset}`);
      return { writer: new JournalWriter(path, fd, scan.end), entries: scan.entries };
    });
  }

  get size(): number {
    return this.end;
  }

  /**
   * Appends a record; returns where its value starts. A key or value over the format's limits is
   * a RangeError, before anything is written; a failed write is an Error naming the journal.
   */
  append(type: RecordType, encoding: number, key: Buffer, value: Uint8Array): number {
    checkRecordLimits(key, value.length);
    const start = this.end;
    const length = recordLength(key, value.length);
    try {
      if (value.length <= INLINE_VALUE_LIMIT) {
        // One reused buffer and one write: at 64 B the allocation would cost as much as the write.
        encodeRecordInto(this.scratch, type, encoding, key, value);
        writeAll(this.fd, this.scratch, start, length);
      } else {
        const head = encodeRecordHead(type, encoding, key, value);
        if (writevSync(this.fd, [head, value], start) !== length) writeAll(this.fd, Buffer.concat([head, value]), start);
      }
    } catch (error) {
      // A failed write (ENOSPC, EIO) may have left part of a record; cut it off so that
      // later records are not hidden behind damage.
      try {
        ftruncateSync(this.fd, start);
      } catch {
        // The reader stops at the torn record; nothing more can be done here.
      }
      throw new Error(`faultguard: cannot write to journal ${this.path}: ${(error as Error).message}`);
    }
    this.end = start + length;
    return this.end - value.length;
  }

  read(location: ValueLocation): Buffer {
    try {
      return readExactly(this.fd, location.offset, location.length);
    } catch (error) {
      throw new Error(`faultguard: journal ${this.path}: ${(error as Error).message}`);
    }
  }

  /**
   * Rewrites the journal with only the live entries and swaps it in by rename, so the path
   * always names a complete journal: the old one until the rename, the new one after it.
   */
  compact(entries: Map<string, ValueLocation>, keyBytes: (key: string) => Buffer): Map<string, ValueLocation> {
    const tempPath = `${this.path}.compact-${process.pid}`;
    const fd = openSync(tempPath, 'w+', 0o600);
    const moved = new Map<string, ValueLocation>();
    let end = 0;
    try {
      const header = encodeJournalHeader();
      end = writeAll(fd, header, 0);
      for (const [key, location] of entries) {
        const value = this.read(location);
        const record = Buffer.concat(encodeRecord(RecordType.Set, location.encoding, keyBytes(key), value));
        end += writeAll(fd, record, end);
        moved.set(key, { encoding: location.encoding, offset: end - value.length, length: value.length });
      }
      renameSync(tempPath, this.path);
    } catch (error) {
      closeSync(fd);
      try {
        unlinkSync(tempPath);
      } catch {
        // Already gone: the journal itself is untouched either way.
      }
      throw new Error(`faultguard: cannot compact journal ${this.path}: ${(error as Error).message}`);
    }
    // From the rename on, the new file is the journal: switch before anything else can fail.
    const old = this.fd;
    this.fd = fd;
    this.end = end;
    closeSync(old);
    return moved;
  }
}
