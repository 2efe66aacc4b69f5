import { closeSync, fstatSync } from 'node:fs';
import { bufferSource, scanJournal, type ByteSource, type JournalDamage, type ValueLocation } from '@faultguard/protocol';
import { DataView } from './data-view';
import { FileSource } from './file-source';
import { openJournalFile } from './journal-file';

/**
 * The data of a finished run, read-only. Values stay where they are (in the journal file, or the
 * buffer it was read into) until asked for, so a rescue of any size needs little memory.
 * close() releases the file.
 */
export class RescuedData extends DataView {
  protected readonly index: ReadonlyMap<string, ValueLocation>;
  /** Set when the journal ended in damage: every record before it is here, the rest was skipped. */
  readonly damage: JournalDamage | undefined;

  private constructor(
    source: ByteSource,
    private readonly readValue: (location: ValueLocation) => Buffer,
    readonly close: () => void,
  ) {
    super();
    const scan = scanJournal(source);
    this.index = scan.entries;
    this.damage = scan.damage;
  }

  static fromBytes(bytes: Buffer): RescuedData {
    return new RescuedData(
      bufferSource(bytes),
      (location) => Buffer.from(bytes.subarray(location.offset, location.offset + location.length)),
      () => undefined,
    );
  }

  /**
   * Reads the journal at `fd` (kept open: a later compaction can replace the path, not this file).
   * Values are read through the scan's window too, copied out of it: a rescue that reads every
   * value of a journal of small ones (writing them as files, say) makes one read per window, not
   * one per value.
   */
  static fromFile(fd: number): RescuedData {
    const source = new FileSource(fd, fstatSync(fd).size);
    return new RescuedData(source, (location) => source.copy(location.offset, location.length), () => closeSync(fd));
  }

  protected readBytes(location: ValueLocation): Buffer {
    return this.readValue(location);
  }
}

/** Reads a journal file; errors name the file. Call close() on the result when done. */
export function readJournal(path: string): RescuedData {
  return openJournalFile(path, 'r', (fd) => RescuedData.fromFile(fd));
}

export function describeDamage(path: string, damage: JournalDamage): string {
  return `${path}: ${damage.reason} at byte ${damage.offset}; kept every record before it, skipped ${damage.skippedBytes} bytes`;
}
