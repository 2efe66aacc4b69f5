import { encodeValue, RECORD_PREFIX_SIZE, RecordType, type ValueLocation } from '@faultguard/protocol';
import { DataView } from './data-view';
import { JournalWriter } from './journal-writer';

/** Below this size a journal is never compacted: rewriting it would cost more than it frees. */
export const COMPACT_MIN_BYTES = 64 * 1024 * 1024;

/**
 * The data object a guarded program writes, Map-like. `set()` returns only once the value is
 * in the journal, where a crash of this process cannot reach it. Values are not kept in this
 * process's memory: `get()` reads them back from the journal.
 */
export class GuardedData extends DataView {
  protected readonly index: Map<string, ValueLocation>;
  private readonly keyCache = new Map<string, Buffer>();
  private liveBytes = 0;
  private compactionFailed = false;

  constructor(private readonly writer: JournalWriter, entries: Map<string, ValueLocation>) {
    super();
    this.index = entries;
    for (const [key, location] of entries) this.liveBytes += recordSize(this.keyBytes(key), location.length);
  }

  /** The journal file this object writes to. */
  get journalPath(): string {
    return this.writer.path;
  }

  set(key: string, value: unknown): this {
    const keyBytes = this.keyBytes(key);
    let encoded;
    try {
      encoded = encodeValue(value);
    } catch (error) {
      // A value JSON cannot hold is of the wrong type; an opaque value's tag out of range, of the wrong size.
      const Refusal = error instanceof RangeError ? RangeError : TypeError;
      throw new Refusal(`faultguard: cannot store key ${preview(key)}: ${(error as Error).message}`);
    }
    let offset: number;
    try {
      offset = this.writer.append(RecordType.Set, encoded.encoding, keyBytes, encoded.bytes);
    } catch (error) {
      if (error instanceof RangeError) throw new RangeError(`faultguard: cannot store key ${preview(key)}: ${error.message}`);
      throw error;
    }
    const previous = this.index.get(key);
    if (previous) this.liveBytes -= recordSize(keyBytes, previous.length);
    this.index.set(key, { encoding: encoded.encoding, offset, length: encoded.bytes.length });
    this.liveBytes += recordSize(keyBytes, encoded.bytes.length);
    this.compactIfWasteful();
    return this;
  }

  delete(key: string): boolean {
    const previous = this.index.get(key);
    if (!previous) return false;
    const keyBytes = this.keyBytes(key);
    this.writer.append(RecordType.Delete, 0, keyBytes, EMPTY);
    this.index.delete(key);
    this.keyCache.delete(key);
    this.liveBytes -= recordSize(keyBytes, previous.length);
    return true;
  }

  clear(): void {
    this.writer.append(RecordType.Clear, 0, EMPTY, EMPTY);
    this.index.clear();
    this.keyCache.clear();
    this.liveBytes = 0;
  }

  protected readBytes(location: ValueLocation): Buffer {
    return this.writer.read(location);
  }

  private keyBytes(key: string): Buffer {
    let bytes = this.keyCache.get(key);
    if (bytes === undefined) {
      if (typeof key !== 'string') throw new TypeError(`faultguard: keys are strings, not ${typeof key}`);
      // UTF-8 cannot encode a lone surrogate; Buffer.from would turn it into U+FFFD and merge keys.
      if (!key.isWellFormed()) throw new TypeError(`faultguard: key ${JSON.stringify(key)} is not well-formed Unicode`);
      bytes = Buffer.from(key, 'utf8');
      this.keyCache.set(key, bytes);
    }
    return bytes;
  }

  /**
   * Called after a value is stored: a failure here must not make set() report a failure, so it
   * is reported once on stderr and the journal simply goes on growing.
   */
  private compactIfWasteful(): void {
    const size = this.writer.size;
    if (size < COMPACT_MIN_BYTES || size < 2 * this.liveBytes || this.compactionFailed) return;
    try {
      const moved = this.writer.compact(this.index, (key) => this.keyBytes(key));
      // Same keys, same order: updating in place keeps a caller's running iteration valid.
      for (const [key, location] of moved) this.index.set(key, location);
    } catch (error) {
      this.compactionFailed = true;
      process.stderr.write(`${(error as Error).message}; the journal will not be compacted again\n`);
    }
  }
}

const EMPTY = Buffer.alloc(0);

/** A key in a message: a key of 65,536 bytes would make one no one reads. */
function preview(key: string): string {
  return key.length <= 40 ? JSON.stringify(key) : `${JSON.stringify(key.slice(0, 40))}…`;
}

function recordSize(key: Buffer, valueLength: number): number {
  return RECORD_PREFIX_SIZE + key.length + valueLength;
}
