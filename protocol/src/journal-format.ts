// The journal: the append-only file a guarded program writes its data into.
// Layout, byte order and checksums are specified in protocol/SPEC.md §2; this module is the
// reference encoder/decoder and must stay byte-for-byte faithful to it.
import { crc32 } from 'node:zlib';

/** "\x89FGJ\r\n\x1a\n": a non-ASCII first byte and CR/LF/EOF guard against text-mode mangling. */
export const JOURNAL_MAGIC = Buffer.from([0x89, 0x46, 0x47, 0x4a, 0x0d, 0x0a, 0x1a, 0x0a]);
export const JOURNAL_VERSION = 1;
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
}

export function encodeJournalHeader(): Buffer {
  const header = Buffer.alloc(JOURNAL_HEADER_SIZE);
  JOURNAL_MAGIC.copy(header, 0);
  header.writeUInt16LE(JOURNAL_VERSION, 8);
  header.writeUInt16LE(0, 10); // flags: none defined in version 1
  header.writeUInt32LE(crc32(header.subarray(0, 12)), 12);
  return header;
}

/** Values up to this size are copied into the record buffer: one write, one checksum pass. */
const INLINE_VALUE_LIMIT = 64 * 1024;

/**
 * A record as the chunks to write, in order: one buffer for small values, or the prefix and key
 * followed by the caller's value untouched, so a large value is never copied.
 */
export function encodeRecord(type: RecordType, encoding: number, key: Buffer, value: Uint8Array): Buffer[] {
  if (key.length > MAX_KEY_BYTES) {
    throw new RangeError(`key is ${key.length} bytes in UTF-8; the journal allows at most ${MAX_KEY_BYTES}`);
  }
  const bodyLength = 4 + key.length + value.length;
  if (bodyLength > MAX_BODY_BYTES) {
    throw new RangeError(`value is ${value.length} bytes; a journal record holds at most ${MAX_BODY_BYTES - 4 - key.length}`);
  }
  const inline = value.length <= INLINE_VALUE_LIMIT;
  const headLength = RECORD_PREFIX_SIZE + key.length;
  const head = Buffer.allocUnsafe(inline ? headLength + value.length : headLength);
  head.writeUInt32LE(bodyLength, 0);
  head[8] = type;
  head[9] = encoding;
  head.writeUInt16LE(key.length, 10);
  key.copy(head, RECORD_PREFIX_SIZE);
  if (inline) {
    head.set(value, headLength);
    head.writeUInt32LE(crc32(head.subarray(8)), 4);
    return [head];
  }
  head.writeUInt32LE(crc32(value, crc32(head.subarray(8))), 4);
  return [head, Buffer.from(value.buffer, value.byteOffset, value.byteLength)];
}

/** Where a live value sits inside the scanned bytes. */
export interface ValueLocation {
  readonly encoding: number;
  readonly offset: number;
  readonly length: number;
}

/** Why a scan stopped before the end of the bytes it was given. */
export interface JournalDamage {
  /** Offset of the first byte that was not accepted. */
  readonly offset: number;
  /** Bytes from that offset to the end, none of which was used. */
  readonly skippedBytes: number;
  readonly reason: string;
}

export interface JournalScan {
  /** Live entries in insertion order of their latest set, as a Map iterates. */
  readonly entries: Map<string, ValueLocation>;
  /** Intact records read, including deletes and clears. */
  readonly records: number;
  /** Offset just past the last intact record: where a writer may append. */
  readonly end: number;
  readonly damage?: JournalDamage;
}

export class JournalFormatError extends Error {}

// ignoreBOM: a key may legitimately begin with U+FEFF; dropping it would merge two keys.
const keyDecoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/**
 * Reads a whole journal. Refuses bytes that are not a journal (wrong magic, unknown version,
 * damaged header); past a valid header it keeps every intact record up to the first damaged one
 * and reports the rest as skipped, because records after damage cannot be trusted to be in order.
 */
export function scanJournal(bytes: Uint8Array): JournalScan {
  checkJournalHeader(bytes);
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const entries = new Map<string, ValueLocation>();
  let records = 0;
  let pos = JOURNAL_HEADER_SIZE;
  const damageAt = (reason: string): JournalScan => ({
    entries,
    records,
    end: pos,
    damage: { offset: pos, skippedBytes: buf.length - pos, reason },
  });
  while (pos < buf.length) {
    if (buf.length - pos < RECORD_PREFIX_SIZE) return damageAt('record header cut short (torn write at the end)');
    const bodyLength = buf.readUInt32LE(pos);
    const keyLength = buf.readUInt16LE(pos + 10);
    if (bodyLength < 4 + keyLength) return damageAt(`record length ${bodyLength} is smaller than its key`);
    const end = pos + 8 + bodyLength;
    if (end > buf.length) return damageAt(`record of ${bodyLength} bytes cut short after ${buf.length - pos - 8} (torn write at the end)`);
    if (crc32(buf.subarray(pos + 8, end)) !== buf.readUInt32LE(pos + 4)) return damageAt('record checksum mismatch');
    const type = buf[pos + 8];
    const keyStart = pos + RECORD_PREFIX_SIZE;
    let key: string;
    try {
      key = keyDecoder.decode(buf.subarray(keyStart, keyStart + keyLength));
    } catch {
      return damageAt('record key is not valid UTF-8');
    }
    if (type === RecordType.Set) {
      entries.delete(key); // re-insert so iteration follows the latest set, like Map
      entries.set(key, { encoding: buf[pos + 9], offset: keyStart + keyLength, length: end - keyStart - keyLength });
    } else if (type === RecordType.Delete) {
      entries.delete(key);
    } else if (type === RecordType.Clear) {
      entries.clear();
    } else {
      return damageAt(`unknown record type ${type}`);
    }
    records++;
    pos = end;
  }
  return { entries, records, end: pos };
}

export function checkJournalHeader(bytes: Uint8Array): void {
  if (bytes.length < JOURNAL_HEADER_SIZE) {
    throw new JournalFormatError(`not a Faultguard journal: ${bytes.length} bytes, shorter than the ${JOURNAL_HEADER_SIZE}-byte header`);
  }
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, JOURNAL_HEADER_SIZE);
  if (!buf.subarray(0, 8).equals(JOURNAL_MAGIC)) throw new JournalFormatError('not a Faultguard journal: wrong magic bytes');
  if (crc32(buf.subarray(0, 12)) !== buf.readUInt32LE(12)) throw new JournalFormatError('journal header checksum mismatch');
  const version = buf.readUInt16LE(8);
  if (version !== JOURNAL_VERSION) {
    throw new JournalFormatError(`journal format version ${version} is not supported (this reader knows version ${JOURNAL_VERSION})`);
  }
}
