// The .xz container (XZ Utils' file format 1.2.0), as far as autosaves need it without a decoder:
// stream headers and footers, the index that lists each stream's blocks, and a block's sizes. The
// guard writes stored streams with these (protocol/SPEC.md §7.1); a reader finds the blocks that
// hold a value with them, and hands a decoder one block at a time (§7.9).
import { crc32 } from './crc32';

const STREAM_MAGIC = Buffer.from([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00]);
const FOOTER_MAGIC = Buffer.from('YZ', 'latin1');
export const STREAM_HEADER_BYTES = 12;
export const STREAM_FOOTER_BYTES = 12;

/** Check types (the low 4 bits of the stream flags' second byte) that an autosave may use, and their sizes. */
const CHECK_BYTES: Readonly<Record<number, number>> = { 0: 0, 1: 4, 4: 8 };

export class XzContainerError extends Error {
  override readonly name = 'XzContainerError';
}

/** One block of the data section, located: where its bytes are in the file and what it decompresses to. */
export interface XzBlock {
  /** File offset of its block header, and its size with padding and check (a multiple of 4). */
  readonly start: number;
  readonly totalSize: number;
  /** Its size without the padding, as the index records it. */
  readonly unpaddedSize: number;
  /** Offset of its first byte in the decompressed data, and how many bytes it decompresses to. */
  readonly offset: number;
  readonly size: number;
  /** The stream flags of the stream it belongs to (its check type). */
  readonly flags: Buffer;
}

export function encodeStreamHeader(flags: Uint8Array): Buffer {
  return Buffer.concat([STREAM_MAGIC, flags, u32(crc32(flags))]);
}

/** The index and footer of a stream whose blocks have these sizes. */
export function encodeStreamEnd(blocks: readonly { readonly unpaddedSize: number; readonly size: number }[], flags: Uint8Array): Buffer {
  const records = Buffer.concat([Buffer.from([0x00]), varint(blocks.length), ...blocks.flatMap(({ unpaddedSize, size }) => [varint(unpaddedSize), varint(size)])]);
  const index = Buffer.concat([records, Buffer.alloc(padding(records.length))]);
  const footerFields = Buffer.concat([u32((index.length + 4) / 4 - 1), flags]);
  return Buffer.concat([index, u32(crc32(index)), u32(crc32(footerFields)), footerFields, FOOTER_MAGIC]);
}

/** One block as a stream of its own, for a decoder that reads streams: its stream's flags, the block, an index of one. */
export function singleBlockStream(block: XzBlock, bytes: Uint8Array): Buffer {
  return Buffer.concat([encodeStreamHeader(block.flags), bytes, encodeStreamEnd([block], block.flags)]);
}

/**
 * The blocks of the concatenated streams in [start, end) of a file, from the streams' footers and
 * indexes only (read backwards from the end, as `xz --list` does): no block is decompressed.
 * `read(offset, length)` returns that many bytes of the file. Refuses anything but whole streams.
 */
export function listBlocks(read: (offset: number, length: number) => Buffer, start: number, end: number): XzBlock[] {
  const streams: { flags: Buffer; blocks: { start: number; totalSize: number; unpaddedSize: number; size: number }[] }[] = [];
  for (let streamEnd = end; streamEnd > start; ) {
    if (streamEnd - start < STREAM_HEADER_BYTES + STREAM_FOOTER_BYTES) throw new XzContainerError(`${streamEnd - start} bytes at offset ${start} are no .xz stream`);
    const footer = read(streamEnd - STREAM_FOOTER_BYTES, STREAM_FOOTER_BYTES);
    if (!footer.subarray(10).equals(FOOTER_MAGIC)) {
      // Decoders accept stream padding (XZ Utils' `xz`, XZ Embedded; Python's lzma does not) and the
      // format does not (§7.1): named as such, so that every reader refuses the same files alike.
      const padding = footer.readUInt32LE(8) === 0;
      throw new XzContainerError(padding ? `stream padding before offset ${streamEnd}: only whole .xz streams are allowed there` : `no .xz stream footer before offset ${streamEnd}`);
    }
    if (crc32(footer, 4, 10) !== footer.readUInt32LE(0)) throw new XzContainerError(`the stream footer before offset ${streamEnd} is damaged`);
    const flags = Buffer.from(footer.subarray(8, 10));
    if (flags[0] !== 0 || CHECK_BYTES[flags[1]] === undefined) throw new XzContainerError(`the stream before offset ${streamEnd} has flags ${flags.toString('hex')} (check type not None, CRC32 or CRC64)`);
    const indexSize = (footer.readUInt32LE(4) + 1) * 4;
    const indexStart = streamEnd - STREAM_FOOTER_BYTES - indexSize;
    if (indexStart < start + STREAM_HEADER_BYTES) throw new XzContainerError(`the stream index before offset ${streamEnd} reaches outside the data`);
    const blocks = parseIndex(read(indexStart, indexSize), flags);
    const blockBytes = blocks.reduce((sum, block) => sum + block.totalSize, 0);
    const streamStart = indexStart - blockBytes - STREAM_HEADER_BYTES;
    if (streamStart < start) throw new XzContainerError(`the stream before offset ${streamEnd} claims more blocks than the data holds`);
    if (!read(streamStart, STREAM_HEADER_BYTES).equals(encodeStreamHeader(flags))) throw new XzContainerError(`no matching stream header at offset ${streamStart}`);
    let at = streamStart + STREAM_HEADER_BYTES;
    streams.unshift({ flags, blocks: blocks.map((block) => ({ ...block, start: (at += block.totalSize) - block.totalSize })) });
    streamEnd = streamStart;
  }
  let offset = 0;
  return streams.flatMap(({ flags, blocks }) => blocks.map((block) => ({ ...block, flags, offset: (offset += block.size) - block.size })));
}

function parseIndex(index: Buffer, flags: Buffer): { totalSize: number; unpaddedSize: number; size: number }[] {
  const damaged = (why: string) => new XzContainerError(`stream index damaged: ${why}`);
  if (crc32(index, 0, index.length - 4) !== index.readUInt32LE(index.length - 4)) throw damaged('checksum mismatch');
  if (index[0] !== 0x00) throw damaged('no index indicator');
  let at = 1;
  const next = () => {
    const { value, length } = readVarint(index, at, index.length - 4);
    at += length;
    return value;
  };
  const count = next();
  const checkBytes = CHECK_BYTES[flags[1]];
  const blocks: { totalSize: number; unpaddedSize: number; size: number }[] = [];
  for (let i = 0; i < count; i++) {
    const unpaddedSize = next();
    const size = next();
    // A block header (8 bytes at least) and the check, at least: else the index lies.
    if (unpaddedSize < 5 + checkBytes) throw damaged(`block ${i + 1} is ${unpaddedSize} bytes`);
    blocks.push({ totalSize: unpaddedSize + padding(unpaddedSize), unpaddedSize, size });
  }
  if (index.length - 4 - at !== padding(at) || index.subarray(at, index.length - 4).some((byte) => byte !== 0)) throw damaged('bytes after its records');
  return blocks;
}

/** The .xz format's variable-length integer: 7 bits a byte, low bits first, at most 9 bytes. */
export function varint(value: number): Buffer {
  const bytes: number[] = [];
  let rest = value;
  for (; rest >= 128; rest = Math.floor(rest / 128)) bytes.push((rest % 128) | 0x80);
  bytes.push(rest);
  return Buffer.from(bytes);
}

function readVarint(bytes: Buffer, start: number, end: number): { value: number; length: number } {
  let value = 0;
  for (let i = 0; i < 9 && start + i < end; i++) {
    const byte = bytes[start + i];
    value += (byte & 0x7f) * 2 ** (7 * i);
    if ((byte & 0x80) === 0) {
      if (!Number.isSafeInteger(value)) break;
      return { value, length: i + 1 };
    }
  }
  throw new XzContainerError('stream index damaged: a size that does not end or is too large');
}

function padding(length: number): number {
  return (4 - (length % 4)) % 4;
}

export function u32(value: number): Buffer {
  const bytes = Buffer.alloc(4);
  bytes.writeUInt32LE(value >>> 0);
  return bytes;
}
