// The data of an autosave as .xz streams, one after the other (the .xz format allows a file of
// concatenated streams; XZ Utils and every conforming decoder read them as one). Data that
// compresses goes through XZ Utils' `xz`; data that would not (random bytes, images, anything
// already compressed) is stored in uncompressed LZMA2 chunks written here: LZMA2 grinds through
// such data at a fraction of its speed on text, only to store it anyway (protocol/SPEC.md §7.1).
import type { Writable } from 'node:stream';
import { crc32, encodeStreamEnd, encodeStreamHeader, u32 } from '@faultguard/protocol';
import { appendAll } from '../files/byte-io';
import { startXzCompression, writeTo } from '../process/xz';

export type Treatment = 'compress' | 'store';

/** Check type 1: the CRC-32 of the block's data. */
const STREAM_FLAGS = Buffer.from([0x00, 0x01]);
/** One LZMA2 filter with a 64 KiB dictionary (property byte 8), no optional sizes. */
const BLOCK_HEADER_BODY = Buffer.from([0x02, 0x00, 0x21, 0x01, 0x08, 0x00, 0x00, 0x00]);
const MAX_STORED_CHUNK = 64 * 1024;
/** 16 chunks: a page of a stored value is verified by reading at most this much (and the xz index grows by a few bytes a MiB). */
const STORED_BLOCK_BYTES = 1024 * 1024;

/**
 * Writes the streams at `fd`'s current offset (an `xz` child writes to the same open file, so
 * the offset moves on with it). write() says how each piece is to be treated; pieces treated
 * alike in a row share a stream.
 */
export class XzStreamsWriter {
  private current: CompressedStream | StoredStream | undefined;

  constructor(
    private readonly fd: number,
    private readonly signal?: AbortSignal,
  ) {}

  async write(chunk: Uint8Array, treatment: Treatment): Promise<void> {
    if (this.current?.treatment !== treatment) {
      await this.current?.end();
      this.current = treatment === 'compress' ? new CompressedStream(this.fd, this.signal) : new StoredStream(this.fd);
    }
    await this.current.write(chunk);
  }

  async end(): Promise<void> {
    // An empty input still needs a stream: an .xz file holds at least one.
    this.current ??= new StoredStream(this.fd);
    await this.current.end();
  }

  /** Stops an `xz` still compressing: the save is abandoned or has failed. */
  abort(): void {
    if (this.current instanceof CompressedStream) this.current.abort();
  }
}

class CompressedStream {
  readonly treatment = 'compress';
  private readonly input: Writable;
  private readonly finished: Promise<void>;
  private readonly kill: () => void;

  constructor(fd: number, signal?: AbortSignal) {
    ({ input: this.input, finished: this.finished, kill: this.kill } = startXzCompression(fd, signal));
  }

  async write(chunk: Uint8Array): Promise<void> {
    try {
      await writeTo(this.input, chunk);
    } catch (error) {
      await this.finished; // a broken pipe only says that xz went away; xz's own status says why
      throw error;
    }
  }

  async end(): Promise<void> {
    this.input.end();
    await this.finished;
  }

  abort(): void {
    this.kill();
  }
}

/**
 * One stream of uncompressed LZMA2 chunks, written as the data comes, in blocks of at most
 * STORED_BLOCK_BYTES: each block has its own check, so that a reader can take a page of a large
 * value from one block and verify it without reading the rest (protocol/SPEC.md §7.9).
 */
class StoredStream {
  readonly treatment = 'store';
  private readonly blocks: { unpaddedSize: number; size: number }[] = [];
  /** The open block: its uncompressed bytes so far, their CRC-32 and the chunk bytes written. */
  private block: { size: number; crc: number; chunkBytes: number } | undefined;
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  private readonly blockHeader = Buffer.concat([BLOCK_HEADER_BODY, u32(crc32(BLOCK_HEADER_BODY))]);

  constructor(private readonly fd: number) {
    appendAll(fd, encodeStreamHeader(STREAM_FLAGS));
  }

  async write(chunk: Uint8Array): Promise<void> {
    for (let at = 0; at < chunk.length; ) {
      const block = this.openBlock();
      const take = Math.min(chunk.length - at, MAX_STORED_CHUNK - this.pendingBytes, STORED_BLOCK_BYTES - block.size);
      const piece = Buffer.from(chunk.buffer, chunk.byteOffset + at, take);
      this.pending.push(piece);
      this.pendingBytes += take;
      block.size += take;
      block.crc = crc32(piece, 0, take, block.crc);
      at += take;
      if (this.pendingBytes === MAX_STORED_CHUNK || block.size === STORED_BLOCK_BYTES) this.flushChunk(block);
      if (block.size === STORED_BLOCK_BYTES) this.closeBlock(block);
    }
  }

  async end(): Promise<void> {
    // An empty stream still gets its one (empty) block, as it always has.
    if (this.block || this.blocks.length === 0) this.closeBlock(this.openBlock());
    appendAll(this.fd, encodeStreamEnd(this.blocks, STREAM_FLAGS));
  }

  private openBlock(): { size: number; crc: number; chunkBytes: number } {
    if (!this.block) {
      appendAll(this.fd, this.blockHeader);
      this.block = { size: 0, crc: 0, chunkBytes: 0 };
    }
    return this.block;
  }

  private closeBlock(block: { size: number; crc: number; chunkBytes: number }): void {
    if (this.pendingBytes > 0) this.flushChunk(block);
    const data = block.chunkBytes + 1; // the chunks and the end marker
    appendAll(this.fd, Buffer.from([0x00]), Buffer.alloc((4 - (data % 4)) % 4), u32(block.crc));
    this.blocks.push({ unpaddedSize: this.blockHeader.length + data + 4, size: block.size });
    this.block = undefined;
  }

  /** Control 1 starts the block (and resets the dictionary), 2 continues; then size − 1, big-endian. */
  private flushChunk(block: { chunkBytes: number }): void {
    const control = Buffer.from([block.chunkBytes === 0 ? 0x01 : 0x02, (this.pendingBytes - 1) >> 8, (this.pendingBytes - 1) & 0xff]);
    appendAll(this.fd, control, ...this.pending);
    block.chunkBytes += control.length + this.pendingBytes;
    this.pending = [];
    this.pendingBytes = 0;
  }
}

/** Shannon entropy of a sample of the bytes: near 8 bits a byte, LZMA2 would only store them. */
export function looksIncompressible(bytes: Uint8Array): boolean {
  const SAMPLE = 16 * 1024;
  const counts = new Uint32Array(256);
  let total = 0;
  // Eight samples spread over the value: a header or a padded tail alone must not decide.
  for (let s = 0; s < 8; s++) {
    const start = Math.floor(((bytes.length - SAMPLE) * s) / 7);
    for (let i = Math.max(0, start); i < Math.min(bytes.length, start + SAMPLE); i++, total++) counts[bytes[i]]++;
  }
  let bits = 0;
  for (const count of counts) if (count > 0) bits -= (count / total) * Math.log2(count / total);
  return bits > 7.9;
}
