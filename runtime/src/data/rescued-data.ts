import { closeSync, fstatSync } from 'node:fs';
import { bufferSource, scanJournal, type ByteSource, type CrashContext, type JournalDamage, type ValueLocation } from '@faultguard/protocol';
import { DataView } from './data-view';
import { FileSource } from './file-source';
import { openJournalFile } from './journal-file';

/**
 * The data of a finished run, read-only. Values stay where they are (in the journal file, or the
 * buffer it was read into) until asked for, so a rescue of any size needs little memory.
 * close() releases the file.
 *
 * @example
 * ```ts
 * import { readJournal } from 'faultguard';
 *
 * const data = readJournal('/dev/shm/faultguard-1000/run-20261122T125517Z-17288-Ab3dE/journal');
 * try {
 *   if (data.damage) console.warn(`the journal ends in damage: ${data.damage.reason}`);
 *   console.log(data.toObject());
 * } finally {
 *   data.close();
 * }
 * ```
 */
export class RescuedData extends DataView {
  /** @internal */
  protected readonly index: ReadonlyMap<string, ValueLocation>;
  /** Set when the journal ended in damage: every record before it is here, the rest was skipped. */
  readonly damage: JournalDamage | undefined;
  /** Where the last intact record ends: what a writer may go on from (a restarted program, SPEC §11.2). */
  readonly end: number;
  /**
   * Why the run died (SPEC §10), when known: the program's uncaught error, a fatal error's report,
   * the kernel's OOM verdict, its last output and breadcrumbs. Set by the guard for a rescue, and
   * by readAutosave from the autosave's final save.
   */
  context: CrashContext | undefined;

  private constructor(
    source: ByteSource,
    private readonly readValue: (location: ValueLocation) => Buffer,
    /** Releases the journal file (a no-op for data read into memory). */
    readonly close: () => void,
  ) {
    super();
    const scan = scanJournal(source);
    this.index = scan.entries;
    this.damage = scan.damage;
    this.end = scan.end;
    this.context = undefined;
  }

  /** The data of a journal held in memory (a decompressed autosave's): the buffer is kept, not copied. */
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

  /** @internal */
  protected readBytes(location: ValueLocation): Buffer {
    return this.readValue(location);
  }
}

/**
 * Reads a journal file, such as one a guard kept (it names it: "kept in .../journal"); errors
 * name the file. Every intact record up to the first damaged one is read. Call close() on the
 * result when done.
 *
 * @example
 * ```ts
 * import { readJournal } from 'faultguard';
 *
 * const data = readJournal(process.argv[2]);
 * try {
 *   for (const [key, value] of data) console.log(key, value);
 * } finally {
 *   data.close();
 * }
 * ```
 */
export function readJournal(path: string): RescuedData {
  return openJournalFile(path, 'r', (fd) => RescuedData.fromFile(fd));
}

export function describeDamage(path: string, damage: JournalDamage): string {
  return `${path}: ${damage.reason} at byte ${damage.offset}; kept every record before it, skipped ${damage.skippedBytes} bytes`;
}
