// The journal: the append-only file a guarded program writes its data into.
// Layout, byte order and checksums are specified in protocol/SPEC.md §2; this module is the
// reference encoder/decoder and must stay byte-for-byte faithful to it.
import { crc32 } from './crc32';
import { typedKey, typedKeyField, typedKeyId, typedKeyProblem } from './journal-keys';

/** "\x89FGJ\r\n\x1a\n": a non-ASCII first byte and CR/LF/EOF guard against text-mode mangling. */
export const JOURNAL_MAGIC = Buffer.from([0x89, 0x46, 0x47, 0x4a, 0x0d, 0x0a, 0x1a, 0x0a]);
/** What a guard creates. A client that stores a typed key first makes the journal version 2 (§2.7). */
const JOURNAL_VERSION = 1;
/** Version 1 plus records whose key is typed (record types 4 and 5): the Python client's int and pickled keys. */
export const TYPED_KEYS_JOURNAL_VERSION = 2;
export const JOURNAL_HEADER_SIZE = 16;
/** length (4) + crc (4) + type (1) + encoding (1) + key length (2) */
export const RECORD_PREFIX_SIZE = 12;
export const MAX_KEY_BYTES = 0xffff;
/** The length field is a u32; a body can never be larger. */
export const MAX_BODY_BYTES = 0xffff_ffff;

export enum RecordType {
  Set = 1,
  Delete = 2,
  Clear = 3,
  /** Version 2: a Set whose key field is a kind byte and the key's bytes (journal-keys.ts). */
  SetTypedKey = 4,
  DeleteTypedKey = 5,
}

export function encodeJournalHeader(version = JOURNAL_VERSION): Buffer {
  const header = Buffer.alloc(JOURNAL_HEADER_SIZE);
  JOURNAL_MAGIC.copy(header, 0);
  header.writeUInt16LE(version, 8);
  header.writeUInt16LE(0, 10); // flags: none defined in version 1
  header.writeUInt32LE(crc32(header, 0, 12), 12);
  return header;
}

/** Values up to this size are copied into one record buffer: one write, one checksum pass. */
export const INLINE_VALUE_LIMIT = 64 * 1024;

export function recordLength(key: Uint8Array, valueLength: number): number {
  return RECORD_PREFIX_SIZE + key.length + valueLength;
}

/**
 * A key or value too large for a record (SPEC §2.3) is bad input, not a failed write: a
 * RangeError naming the size, thrown before anything is written.
 */
export function checkRecordLimits(key: Uint8Array, valueLength: number): void {
  if (key.length > MAX_KEY_BYTES) {
    throw new RangeError(`the key is ${key.length} bytes in UTF-8; a key may have at most ${MAX_KEY_BYTES}`);
  }
  if (4 + key.length + valueLength > MAX_BODY_BYTES) {
    throw new RangeError(`the value is ${valueLength} bytes; with this key a record holds at most ${MAX_BODY_BYTES - 4 - key.length}`);
  }
}

function writePrefix(target: Buffer, type: RecordType, encoding: number, key: Uint8Array, valueLength: number): void {
  target.writeUInt32LE(4 + key.length + valueLength, 0);
  target[8] = type;
  target[9] = encoding;
  target.writeUInt16LE(key.length, 10);
  target.set(key, RECORD_PREFIX_SIZE);
}

/**
 * Encodes a whole record at the start of `target`, which must hold recordLength(key,
 * value.length) bytes; returns that length. Lets a writer reuse one buffer for every record.
 */
export function encodeRecordInto(target: Buffer, type: RecordType, encoding: number, key: Uint8Array, value: Uint8Array): number {
  checkRecordLimits(key, value.length);
  const length = recordLength(key, value.length);
  writePrefix(target, type, encoding, key, value.length);
  target.set(value, RECORD_PREFIX_SIZE + key.length);
  target.writeUInt32LE(crc32(target, 8, length), 4);
  return length;
}

/**
 * The prefix and key of a record whose value the caller writes right after them, uncopied.
 * The checksum still covers the value, so it must be passed in.
 */
export function encodeRecordHead(type: RecordType, encoding: number, key: Uint8Array, value: Uint8Array): Buffer {
  checkRecordLimits(key, value.length);
  const head = Buffer.allocUnsafe(RECORD_PREFIX_SIZE + key.length);
  writePrefix(head, type, encoding, key, value.length);
  head.writeUInt32LE(crc32(value, 0, value.length, crc32(head, 8)), 4);
  return head;
}

/** A record as the chunks to write, in order: one buffer for small values, else head and value. */
export function encodeRecord(type: RecordType, encoding: number, key: Uint8Array, value: Uint8Array): Buffer[] {
  if (value.length > INLINE_VALUE_LIMIT) {
    return [encodeRecordHead(type, encoding, key, value), Buffer.from(value.buffer, value.byteOffset, value.byteLength)];
  }
  const record = Buffer.allocUnsafe(recordLength(key, value.length));
  encodeRecordInto(record, type, encoding, key, value);
  return [record];
}

/** Where a live value sits inside the scanned bytes. */
export interface ValueLocation {
  readonly encoding: number;
  readonly offset: number;
  readonly length: number;
}

/**
 * Why a journal's scan stopped before its end: where, how much was skipped, and why. Every
 * record before it was read.
 *
 * @example
 * ```ts
 * const { damage } = readJournal(path);
 * if (damage) console.warn(`${damage.reason} at byte ${damage.offset}: ${damage.skippedBytes} bytes skipped`);
 * ```
 */
export interface JournalDamage {
  /** Offset of the first byte that was not accepted. */
  readonly offset: number;
  /** Bytes from that offset to the end, none of which was used. */
  readonly skippedBytes: number;
  /** What was wrong there, in words: "torn record", "checksum mismatch"... */
  readonly reason: string;
}

export interface JournalScan {
  /** Live entries in the order a Map would hold them: first set first; a deleted key set again goes last. */
  readonly entries: Map<string, ValueLocation>;
  /** Intact records read, including deletes and clears. */
  readonly records: number;
  /** Offset just past the last intact record: where a writer may append. */
  readonly end: number;
  readonly damage?: JournalDamage;
  /** The header's version: 2 if the journal may hold typed keys. */
  readonly version: number;
}

/** How a scanned key (a string key, or a typed key's id) is written in a Set record. */
export function setRecordKey(key: string): { type: RecordType; bytes: Buffer } {
  const typed = typedKey(key);
  return typed ? { type: RecordType.SetTypedKey, bytes: typedKeyField(typed) } : { type: RecordType.Set, bytes: Buffer.from(key, 'utf8') };
}

/** The version a compacted copy of these keys needs: 2 only if one of them is typed. */
export function journalVersionFor(keys: Iterable<string>): number {
  for (const key of keys) if (typedKey(key)) return TYPED_KEYS_JOURNAL_VERSION;
  return JOURNAL_VERSION;
}

export class JournalFormatError extends Error {
  override readonly name = 'JournalFormatError';
}

// ignoreBOM: a key may legitimately begin with U+FEFF; dropping it would merge two keys.
const keyDecoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/**
 * Random access to a journal's bytes: a buffer, or a file read on demand (a journal can be
 * larger than any buffer). A returned view may be reused by the next read.
 */
export interface ByteSource {
  readonly size: number;
  read(offset: number, length: number): Uint8Array;
}

export function bufferSource(bytes: Uint8Array): ByteSource {
  return { size: bytes.length, read: (offset, length) => bytes.subarray(offset, offset + length) };
}

/** Large values are checksummed a slice at a time, so no read is ever larger than this. */
const CRC_SLICE = 4 * 1024 * 1024;

/**
 * Reads a whole journal. Refuses bytes that are not a journal (wrong magic, unknown version,
 * damaged header); past a valid header it keeps every intact record up to the first damaged one
 * and reports the rest as skipped, because records after damage cannot be trusted to be in order.
 * Records that end within `verifiedBytes` are not checksummed again: a guard that has just read
 * the journal says so to the program it restarts (SPEC §11.2), whose start then costs a look at
 * each record's head, not a read of every value.
 */
export function scanJournal(input: Uint8Array | ByteSource, verifiedBytes = 0): JournalScan {
  const source = input instanceof Uint8Array ? bufferSource(input) : input;
  const version = checkJournalHeader(source.read(0, Math.min(JOURNAL_HEADER_SIZE, source.size)));
  const entries = new Map<string, ValueLocation>();
  let records = 0;
  let pos = JOURNAL_HEADER_SIZE;
  const damageAt = (reason: string): JournalScan => ({
    entries,
    records,
    end: pos,
    damage: { offset: pos, skippedBytes: source.size - pos, reason },
    version,
  });
  while (pos < source.size) {
    if (source.size - pos < RECORD_PREFIX_SIZE) return damageAt('record header cut short (torn write at the end)');
    const prefix = Buffer.from(source.read(pos, RECORD_PREFIX_SIZE));
    const bodyLength = prefix.readUInt32LE(0);
    const keyLength = prefix.readUInt16LE(10);
    const [type, encoding] = [prefix[8], prefix[9]];
    if (bodyLength < 4 + keyLength) return damageAt(`record length ${bodyLength} is smaller than its key`);
    const end = pos + 8 + bodyLength;
    if (end > source.size) return damageAt(`record of ${bodyLength} bytes cut short after ${source.size - pos - 8} (torn write at the end)`);
    if (end > verifiedBytes) {
      let crc = 0;
      for (let at = pos + 8; at < end; at += CRC_SLICE) {
        const slice = source.read(at, Math.min(CRC_SLICE, end - at));
        crc = crc32(slice, 0, slice.length, crc);
      }
      if (crc !== prefix.readUInt32LE(4)) return damageAt('record checksum mismatch');
    }
    const keyStart = pos + RECORD_PREFIX_SIZE;
    let key: string;
    if (type === RecordType.SetTypedKey || type === RecordType.DeleteTypedKey) {
      if (version < TYPED_KEYS_JOURNAL_VERSION) return damageAt(`unknown record type ${type}`);
      const field = Buffer.from(source.read(keyStart, keyLength));
      const problem = typedKeyProblem(field);
      if (problem) return damageAt(problem);
      key = typedKeyId(field[0], field.subarray(1));
    } else {
      try {
        key = keyDecoder.decode(source.read(keyStart, keyLength));
      } catch {
        return damageAt('record key is not valid UTF-8');
      }
    }
    if (type === RecordType.Set || type === RecordType.SetTypedKey) {
      entries.set(key, { encoding, offset: keyStart + keyLength, length: end - keyStart - keyLength });
    } else if (type === RecordType.Delete || type === RecordType.DeleteTypedKey) {
      entries.delete(key);
    } else if (type === RecordType.Clear) {
      entries.clear();
    } else {
      return damageAt(`unknown record type ${type}`);
    }
    records++;
    pos = end;
  }
  return { entries, records, end: pos, version };
}

/** The header checks of §2.6; returns the version (1 or 2). */
function checkJournalHeader(bytes: Uint8Array): number {
  if (bytes.length < JOURNAL_HEADER_SIZE) {
    throw new JournalFormatError(`not a Faultguard journal: ${bytes.length} bytes, shorter than the ${JOURNAL_HEADER_SIZE}-byte header`);
  }
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, JOURNAL_HEADER_SIZE);
  if (!buf.subarray(0, 8).equals(JOURNAL_MAGIC)) throw new JournalFormatError('not a Faultguard journal: wrong magic bytes');
  if (crc32(buf, 0, 12) !== buf.readUInt32LE(12)) throw new JournalFormatError('journal header checksum mismatch');
  const version = buf.readUInt16LE(8);
  if (version !== JOURNAL_VERSION && version !== TYPED_KEYS_JOURNAL_VERSION) {
    throw new JournalFormatError(`journal format version ${version} is not supported (this reader knows versions 1 and 2)`);
  }
  return version;
}
