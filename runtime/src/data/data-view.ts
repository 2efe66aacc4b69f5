import { decodeValue, type ValueLocation } from '@faultguard/protocol';

/**
 * The read half of the Map-like data object (exported as `DataReader`), shared by the live object
 * a program writes (GuardedData) and the read-only one a rescue receives (RescuedData). Values are
 * decoded on every read, so callers always get a fresh copy, never an alias of what was stored.
 *
 * @example
 * ```ts
 * import type { DataReader } from 'faultguard';
 *
 * function summary(data: DataReader): string {
 *   return [...data.keys()].map((key) => `${key}: ${data.readRaw(key)?.bytes.length} bytes`).join('\n');
 * }
 * ```
 */
export abstract class DataView implements Iterable<[string, unknown]> {
  /** @internal */
  protected abstract readonly index: ReadonlyMap<string, ValueLocation>;
  /** @internal */
  protected abstract readBytes(location: ValueLocation): Buffer;

  /** How many keys there are. */
  get size(): number {
    return this.index.size;
  }

  /** Whether `key` holds a value. */
  has(key: string): boolean {
    return this.index.has(key);
  }

  /**
   * The value of `key`, decoded afresh (JSON as its value, bytes as a Buffer, anything else as an
   * OpaqueValue), or undefined when there is none.
   */
  get(key: string): unknown {
    const location = this.index.get(key);
    return location === undefined ? undefined : decodeValue(location.encoding, this.readBytes(location));
  }

  /** A value as stored: its encoding tag and bytes, undecoded. */
  readRaw(key: string):
    | {
        /** Its encoding tag (see Encoding). */
        encoding: number;
        /** Its bytes, as stored. */
        bytes: Buffer;
      }
    | undefined {
    const location = this.index.get(key);
    return location && { encoding: location.encoding, bytes: this.readBytes(location) };
  }

  /** The keys, in the order a Map would hold them (first set first). */
  keys(): IterableIterator<string> {
    return this.index.keys();
  }

  /** Every value, decoded as `get()` decodes it, in key order. */
  *values(): IterableIterator<unknown> {
    for (const key of this.index.keys()) yield this.get(key);
  }

  /** Every key with its value, in key order. */
  *entries(): IterableIterator<[string, unknown]> {
    for (const key of this.index.keys()) yield [key, this.get(key)];
  }

  /** The same as `entries()`: `for (const [key, value] of data)`. */
  [Symbol.iterator](): IterableIterator<[string, unknown]> {
    return this.entries();
  }

  /** Calls `callback` for every value, as Map's forEach does. */
  forEach(callback: (value: unknown, key: string, data: this) => void): void {
    for (const [key, value] of this.entries()) callback(value, key, this);
  }

  /** A plain object of every value, for logging or JSON output. */
  toObject(): Record<string, unknown> {
    return Object.fromEntries(this.entries());
  }
}
