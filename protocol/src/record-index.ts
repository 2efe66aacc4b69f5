// The record index of an autosave (protocol/SPEC.md §7.9): each live entry's key, encoding tag and
// value size, in the header, so that a reader can list a run's keys and find any value in the
// decompressed journal without decompressing it all. Optional: writers may omit it, readers that
// do not use it ignore it as any unknown header field.
import { JOURNAL_HEADER_SIZE, MAX_KEY_BYTES, RECORD_PREFIX_SIZE } from './journal-format';

export const RECORD_INDEX_VERSION = 1;

/** The reference writes no index whose JSON would be larger than this: every listing reads the header. */
export const MAX_RECORD_INDEX_BYTES = 256 * 1024;

/**
 * An autosave header's `data.index` (SPEC §7.9): `[key, encoding tag, value size]` per live entry,
 * in live order, so that a reader can list the keys and find a value without decompressing the rest.
 *
 * @example
 * ```ts
 * import { readAutosaveHead } from 'faultguard';
 *
 * const keys = readAutosaveHead('autosaves/app.fgsave').header.data.index?.records.map(([key]) => key);
 * ```
 */
export interface RecordIndex {
  /** 1: the layout described here. A reader ignores an index of a version it does not know. */
  readonly version: 1;
  /** Each live entry's key, encoding tag (see Encoding) and value size in bytes, in live order. */
  readonly records: readonly (readonly [key: string, encoding: number, size: number])[];
}

/** One record of the compacted journal, located: where its Set record and its value begin. */
export interface IndexedRecord {
  readonly key: string;
  readonly encoding: number;
  /** The value's size in bytes. */
  readonly size: number;
  /** Offsets into the decompressed journal: the record's first byte, and its value's. */
  readonly recordOffset: number;
  readonly valueOffset: number;
}

/**
 * The index of a journal's live entries, or undefined when it would take more than
 * MAX_RECORD_INDEX_BYTES (a run of very many keys is then read whole, as without an index).
 */
export function recordIndexOf(entries: Iterable<{ readonly key: string; readonly encoding: number; readonly size: number }>): RecordIndex | undefined {
  const records: [string, number, number][] = [];
  let bytes = 0;
  for (const { key, encoding, size } of entries) {
    bytes += Buffer.byteLength(JSON.stringify(key)) + 24; // brackets, commas, the tag and the widest size
    if (bytes > MAX_RECORD_INDEX_BYTES) return undefined;
    records.push([key, encoding, size]);
  }
  return { version: RECORD_INDEX_VERSION, records };
}

/**
 * The records an index locates, once it is found to describe exactly the data the header
 * announces: as many records as `entries`, distinct keys, and record sizes that add up to
 * `size`. Else why not: the reader then reads the data whole, as if there were no index.
 */
export function locateRecords(index: unknown, data: { readonly entries: number; readonly size: number }): IndexedRecord[] | string {
  if (typeof index !== 'object' || index === null || Array.isArray(index)) return 'the record index is not an object';
  const { version, records } = index as { version?: unknown; records?: unknown };
  if (version !== RECORD_INDEX_VERSION) return `record index version ${JSON.stringify(version)} is not known (this reader knows ${RECORD_INDEX_VERSION})`;
  if (!Array.isArray(records)) return 'the record index has no list of records';
  if (records.length !== data.entries) return `the record index lists ${records.length} records, the header says ${data.entries}`;
  const located: IndexedRecord[] = [];
  const keys = new Set<string>();
  let offset = JOURNAL_HEADER_SIZE;
  for (const record of records as unknown[]) {
    if (!Array.isArray(record) || record.length !== 3) return 'a record of the index is not [key, encoding, size]';
    const [key, encoding, size] = record as unknown[];
    if (typeof key !== 'string' || !Number.isInteger(encoding) || (encoding as number) < 0 || (encoding as number) > 255 || !Number.isSafeInteger(size) || (size as number) < 0) {
      return 'a record of the index is not [key, encoding, size]';
    }
    if (keys.has(key)) return `the record index lists the key ${JSON.stringify(key)} twice`;
    keys.add(key);
    const keyBytes = Buffer.byteLength(key, 'utf8');
    if (keyBytes > MAX_KEY_BYTES) return `the record index lists a key of ${keyBytes} bytes, more than a record holds`;
    located.push({ key, encoding: encoding as number, size: size as number, recordOffset: offset, valueOffset: offset + RECORD_PREFIX_SIZE + keyBytes });
    offset += RECORD_PREFIX_SIZE + keyBytes + (size as number);
  }
  if (offset !== data.size) return `the records of the index take ${offset} bytes, the header says ${data.size}`;
  return located;
}
