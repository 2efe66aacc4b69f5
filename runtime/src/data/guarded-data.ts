import { encodeValue, RECORD_PREFIX_SIZE, RecordType, type Resume, type ValueLocation } from '@faultguard/protocol';
import { DataView } from './data-view';
import { JournalWriter } from './journal-writer';

/** Below this size a journal is never compacted: rewriting it would cost more than it frees. */
export const COMPACT_MIN_BYTES = 64 * 1024 * 1024;

/** Where breadcrumbs go: the run's context journal (data/context-recorder.ts). */
export interface BreadcrumbSink {
  breadcrumb(text: string): void;
}

export interface GuardedDataOptions {
  /** Compact from this journal size on (default COMPACT_MIN_BYTES). */
  readonly compactFromBytes?: number;
  readonly breadcrumbs?: BreadcrumbSink;
  /** In a run the guard started again: how the last one ended (SPEC §11.2). */
  readonly resumed?: Resume;
  /** The watchdog's ping (SPEC §11.3). */
  readonly ping?: { ping(): void };
}

/**
 * The data object a guarded program writes, Map-like. `set()` returns only once the value is
 * in the journal, where a crash of this process cannot reach it. Values are not kept in this
 * process's memory: `get()` reads them back from the journal. `start()` hands it to `launch`;
 * `connect()` returns it in a program run by `faultguard run`.
 *
 * @example
 * ```ts
 * import { connect } from 'faultguard';
 *
 * const data = connect(); // undefined when no guard started this program
 * data?.set('draft', { title: 'Notes', text: 'typed so far' });
 * data?.set('thumbnail', Buffer.from([0x89, 0x50])); // bytes are stored as they are
 * data?.delete('stale');
 * ```
 */
export class GuardedData extends DataView {
  /** @internal */
  protected readonly index: Map<string, ValueLocation>;
  private readonly keyCache = new Map<string, Buffer>();
  private liveBytes = 0;
  private compactionFailed = false;

  /** @internal connect() makes the one data object of a guarded process (and of its context journal). */
  constructor(
    private readonly writer: JournalWriter,
    entries: Map<string, ValueLocation>,
    private readonly options: GuardedDataOptions = {},
  ) {
    super();
    this.index = entries;
    for (const [key, location] of entries) this.liveBytes += recordSize(this.keyBytes(key), location.length);
  }

  /** The journal file this object writes to. */
  get journalPath(): string {
    return this.writer.path;
  }

  /**
   * Stores `value` under `key` and returns once it is safe from this process's death. Bytes (any
   * typed array, ArrayBuffer, Buffer) are stored as they are, anything else as JSON; a value JSON
   * would lose or mangle (a Map, Set, function, symbol, BigInt, or undefined) throws a TypeError
   * naming the key, and so does a key that is not a well-formed string.
   */
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

  /**
   * Set in a run that its guard started again after the program ended (`--restart`): how the run
   * before it ended, with its crash context, and the latest ends. The values are there as that run
   * left them. Undefined in a first run.
   *
   * @example
   * ```ts
   * const data = connect();
   * if (data?.resumed) console.error(`back after ${data.resumed.previous.exit.reason}; counter at ${data.get('counter')}`);
   * ```
   */
  get resumed(): Resume | undefined {
    return this.options.resumed;
  }

  /**
   * Tells the guard's watchdog (`--watchdog`) that the program is alive: one system call. A program
   * that goes longer than the watchdog's timeout without a ping is taken for hung: diagnosed,
   * killed, its data rescued (and, with `--restart`, started again). Returns false when there is
   * no watchdog.
   *
   * @example
   * ```ts
   * setInterval(() => data.ping(), 1000); // from the loop that does the work, not a timer of its own, to mean it
   * ```
   */
  ping(): boolean {
    if (!this.options.ping) return false;
    this.options.ping.ping();
    return true;
  }

  /**
   * Records what the program is doing, for the crash context: the last breadcrumbs (50 unless the
   * guard says otherwise) survive any death of the process, as a set() value does, and reach the
   * rescue, the autosave and the editor. Returns false when the guard keeps no context (an older
   * guard, or none).
   *
   * @example
   * ```ts
   * data.breadcrumb(`opened ${path}`);
   * ```
   */
  breadcrumb(text: string): boolean {
    if (!this.options.breadcrumbs) return false;
    this.options.breadcrumbs.breadcrumb(text);
    return true;
  }

  /** Removes `key`; true if it held a value. Safe from this process's death once it returns. */
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

  /** Removes every key. Safe from this process's death once it returns. */
  clear(): void {
    this.writer.append(RecordType.Clear, 0, EMPTY, EMPTY);
    this.index.clear();
    this.keyCache.clear();
    this.liveBytes = 0;
  }

  /** @internal */
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
    if (size < (this.options.compactFromBytes ?? COMPACT_MIN_BYTES) || size < 2 * this.liveBytes || this.compactionFailed) return;
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
