import { closeSync, fstatSync } from 'node:fs';
import {
  crc32,
  listBlocks,
  locateRecords,
  RECORD_PREFIX_SIZE,
  RecordType,
  singleBlockStream,
  type AutosaveHeader,
  type IndexedRecord,
  type XzBlock,
} from '@faultguard/protocol';
import { readExactly } from '../files/byte-io';
import { openRegularFile } from '../files/regular-file';
import { AutosaveError } from './autosave-error';
import { openAutosave } from './read-head';

// Reading an autosave by its record index (protocol/SPEC.md §7.9): the keys from the header, and
// any part of a value from the few .xz blocks that hold it, each decoded on its own with its check
// verified. What a whole read verifies besides (the data's CRC-32 and entry count) is not checked
// here: a caller that needs all of it reads the autosave whole (readAutosave).

/** Decodes one block, given as a stream of its own, to exactly `size` bytes (or throws why not). */
export type DecodeBlock = (stream: Buffer, size: number) => Promise<Buffer>;

/** Blocks larger than this are not decoded one at a time (the reference's are 1 MiB at most): such a file is read whole. */
const MAX_BLOCK_BYTES = 16 * 1024 * 1024;

export interface IndexedAutosave {
  readonly file: string;
  readonly header: AutosaveHeader;
  readonly records: readonly IndexedRecord[];
  readonly blocks: readonly XzBlock[];
  /** The file read (inode and size): a part is read only from that same file. */
  readonly identity: string;
  readonly modified: number;
}

/**
 * The newest generation of `file`, ready to be read by its index; or, when that cannot be, why
 * not (no index, one that does not fit the data, streams that do not add up, a damaged head): the
 * caller then reads the file whole, whose checks say what is wrong, and fall back if need be.
 */
export function openIndexed(file: string): IndexedAutosave | { readonly unindexed: string } {
  let opened: ReturnType<typeof openAutosave>;
  try {
    opened = openAutosave(file);
  } catch (error) {
    return { unindexed: (error as Error).message };
  }
  const { fd, head } = opened;
  try {
    const { header, dataOffset, size } = head;
    if (header.data.index === undefined) return { unindexed: 'its header has no record index' };
    if (size - dataOffset !== header.data.compressedSize) return { unindexed: `data is ${size - dataOffset} bytes, the header says ${header.data.compressedSize}` };
    const records = locateRecords(header.data.index, header.data);
    if (typeof records === 'string') return { unindexed: records };
    const blocks = listBlocks((offset, length) => readExactly(fd, offset, length), dataOffset, size);
    const decompressed = blocks.reduce((sum, block) => sum + block.size, 0);
    if (decompressed !== header.data.size) return { unindexed: `its blocks hold ${decompressed} bytes, the header says ${header.data.size}` };
    const large = blocks.find((block) => block.size > MAX_BLOCK_BYTES);
    if (large) return { unindexed: `it has a block of ${large.size} bytes (read whole above ${MAX_BLOCK_BYTES})` };
    const { ino } = fstatSync(fd);
    return { file, header, records, blocks, identity: `${ino}:${size}`, modified: head.modified };
  } catch (error) {
    return { unindexed: (error as Error).message };
  } finally {
    closeSync(fd);
  }
}

/** Decoded blocks kept for the next read (a page after a page), the least recently used dropped first. */
export class BlockCache {
  private readonly blocks = new Map<string, Buffer>();
  private bytes = 0;

  constructor(private readonly budget: number) {}

  get(key: string): Buffer | undefined {
    const block = this.blocks.get(key);
    if (block) {
      this.blocks.delete(key);
      this.blocks.set(key, block);
    }
    return block;
  }

  set(key: string, block: Buffer): void {
    this.blocks.set(key, block);
    this.bytes += block.length;
    for (const [oldest, dropped] of this.blocks) {
      if (this.bytes <= this.budget || oldest === key) break;
      this.blocks.delete(oldest);
      this.bytes -= dropped.length;
    }
  }
}

/** Where a read of a record takes its bytes from: the file, its decoder, and the blocks decoded so far. */
export interface BlockSource {
  readonly decode: DecodeBlock;
  readonly cache: BlockCache;
}

/**
 * Bytes [from, to) of a record's value, from the blocks that hold them (and the record's prefix,
 * checked against the index: length, type, encoding, key). Each block's own check is verified
 * by the decoder; when the whole value is read, the record's CRC-32 is verified too.
 */
export async function readValueRange(autosave: IndexedAutosave, record: IndexedRecord, from: number, to: number, source: BlockSource): Promise<Buffer> {
  const parts: Buffer[] = [];
  await streamValueRange(autosave, record, from, to, source, (part) => void parts.push(part));
  return Buffer.concat(parts);
}

/** As readValueRange, handing the bytes on block by block (a value of any size, in little memory). */
export async function streamValueRange(autosave: IndexedAutosave, record: IndexedRecord, from: number, to: number, source: BlockSource, take: (part: Buffer) => void | Promise<void>): Promise<void> {
  const fail = (detail: string) => new AutosaveError(autosave.file, 'invalid', detail);
  const fd = openSameFile(autosave);
  try {
    const read = (start: number, end: number) => slices(autosave, fd, start, end, source);
    const prefix = Buffer.concat(await collect(read(record.recordOffset, record.valueOffset)));
    const key = Buffer.from(record.key, 'utf8');
    const fits =
      prefix.readUInt32LE(0) === 4 + key.length + record.size &&
      prefix[8] === RecordType.Set &&
      prefix[9] === record.encoding &&
      prefix.readUInt16LE(10) === key.length &&
      prefix.subarray(RECORD_PREFIX_SIZE).equals(key);
    if (!fits) throw fail(`damaged data: the record of ${JSON.stringify(record.key)} at byte ${record.recordOffset} is not the one the index describes`);
    const whole = from === 0 && to === record.size;
    let crc = crc32(prefix, 8);
    for await (const part of read(record.valueOffset + from, record.valueOffset + to)) {
      if (whole) crc = crc32(part, 0, part.length, crc);
      await take(part);
    }
    if (whole && crc !== prefix.readUInt32LE(4)) throw fail(`damaged data: the record of ${JSON.stringify(record.key)} fails its checksum`);
  } finally {
    closeSync(fd);
  }
}

/** The file again, refused if it is no longer the one indexed (a save has replaced it meanwhile). */
function openSameFile(autosave: IndexedAutosave): number {
  const { fd, stat: { ino, size } } = openRegularFile(autosave.file);
  if (`${ino}:${size}` !== autosave.identity) {
    closeSync(fd);
    throw new AutosaveError(autosave.file, 'invalid', 'was replaced by a newer save while it was read; read it again');
  }
  return fd;
}

/** The decompressed bytes [start, end), as pieces of the blocks that hold them, in order. */
async function* slices(autosave: IndexedAutosave, fd: number, start: number, end: number, { decode, cache }: BlockSource): AsyncGenerator<Buffer> {
  for (const block of autosave.blocks) {
    if (block.offset + block.size <= start || block.offset >= end || block.size === 0) continue;
    const key = `${autosave.identity}@${block.start}`;
    let bytes = cache.get(key);
    if (!bytes) {
      try {
        bytes = await decode(singleBlockStream(block, readExactly(fd, block.start, block.totalSize)), block.size);
      } catch (error) {
        throw new AutosaveError(autosave.file, 'invalid', `damaged data: the block at byte ${block.start} does not decode: ${(error as Error).message}`);
      }
      cache.set(key, bytes);
    }
    yield bytes.subarray(Math.max(start, block.offset) - block.offset, Math.min(end, block.offset + block.size) - block.offset);
  }
}

async function collect(parts: AsyncIterable<Buffer>): Promise<Buffer[]> {
  const all: Buffer[] = [];
  for await (const part of parts) all.push(part);
  return all;
}
