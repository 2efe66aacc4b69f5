import { decodeValue, type ValueLocation } from '@faultguard/protocol';

/**
 * The read half of the Map-like data object, shared by the live object a program writes
 * (GuardedData) and the read-only one a rescue receives (RescuedData). Values are decoded on
 * every read, so callers always get a fresh copy, never an alias of what was stored.
 */
export abstract class DataView implements Iterable<[string, unknown]> {
  protected abstract readonly index: ReadonlyMap<string, ValueLocation>;
  protected abstract readBytes(location: ValueLocation): Buffer;

  get size(): number {
    return this.index.size;
  }

  has(key: string): boolean {
    return this.index.has(key);
  }

  get(key: string): unknown {
    const location = this.index.get(key);
    return location === undefined ? undefined : decodeValue(location.encoding, this.readBytes(location));
  }

  /** A value as stored: its encoding tag and bytes, undecoded. */
  readRaw(key: string): { encoding: number; bytes: Buffer } | undefined {
    const location = this.index.get(key);
    return location && { encoding: location.encoding, bytes: this.readBytes(location) };
  }

  /** Each entry's key, encoding tag and stored size, in order, without reading a value. */
  *stored(): IterableIterator<{ key: string; encoding: number; size: number }> {
    for (const [key, { encoding, length }] of this.index) yield { key, encoding, size: length };
  }

  keys(): IterableIterator<string> {
    return this.index.keys();
  }

  *values(): IterableIterator<unknown> {
    for (const key of this.index.keys()) yield this.get(key);
  }

  *entries(): IterableIterator<[string, unknown]> {
    for (const key of this.index.keys()) yield [key, this.get(key)];
  }

  [Symbol.iterator](): IterableIterator<[string, unknown]> {
    return this.entries();
  }

  forEach(callback: (value: unknown, key: string, data: this) => void): void {
    for (const [key, value] of this.entries()) callback(value, key, this);
  }

  /** A plain object of every value, for logging or JSON output. */
  toObject(): Record<string, unknown> {
    return Object.fromEntries(this.entries());
  }
}
