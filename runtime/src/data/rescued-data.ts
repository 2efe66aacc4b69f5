import { readFileSync } from 'node:fs';
import { JournalFormatError, scanJournal, type JournalDamage, type ValueLocation } from '@faultguard/protocol';
import { DataView } from './data-view';

/** The data of a finished run, read from its journal; read-only. */
export class RescuedData extends DataView {
  protected readonly index: ReadonlyMap<string, ValueLocation>;

  private constructor(
    private readonly bytes: Buffer,
    index: ReadonlyMap<string, ValueLocation>,
    /** Set when the journal ended in damage: every record before it is here, the rest was skipped. */
    readonly damage: JournalDamage | undefined,
  ) {
    super();
    this.index = index;
  }

  static fromBytes(bytes: Buffer): RescuedData {
    const scan = scanJournal(bytes);
    return new RescuedData(bytes, scan.entries, scan.damage);
  }

  protected readBytes(location: ValueLocation): Buffer {
    return Buffer.from(this.bytes.subarray(location.offset, location.offset + location.length));
  }
}

/** Reads a journal file; errors name the file. */
export function readJournal(path: string): RescuedData {
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (error) {
    throw new JournalFormatError(`cannot read journal ${path}: ${(error as Error).message}`);
  }
  try {
    return RescuedData.fromBytes(bytes);
  } catch (error) {
    throw new JournalFormatError(`${path}: ${(error as Error).message}`);
  }
}

export function describeDamage(path: string, damage: JournalDamage): string {
  return `${path}: ${damage.reason} at byte ${damage.offset}; kept every record before it, skipped ${damage.skippedBytes} bytes`;
}
