// The data of an autosave as .xz streams, one after the other (the .xz format allows a file of
// concatenated streams; XZ Utils and every conforming decoder read them as one). Data that
// compresses goes through XZ Utils' `xz`; data that would not (random bytes, images, anything
// already compressed) is stored in uncompressed LZMA2 chunks written here: LZMA2 grinds through
// such data at a fraction of its speed on text, only to store it anyway (protocol/SPEC.md §7.1).
import type { Writable } from 'node:stream';
import { crc32 } from '@faultguard/protocol';
import { appendAll } from '../files/byte-io';
import { startXzCompression, writeTo } from '../process/xz';

export type Treatment = 'compress' | 'store';

const STREAM_MAGIC = Buffer.from([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00]);
const FOOTER_MAGIC = Buffer.from('YZ', 'latin1');
/** Check type 1: the CRC-32 of the block's data. */
const STREAM_FLAGS = Buffer.from([0x00, 0x01]);
/** One LZMA2 filter with a 64 KiB dictionary (property byte 8), no optional sizes. */
const BLOCK_HEADER_BODY = Buffer.from([0x02, 0x00, 0x21, 0x01, 0x08, 0x00, 0x00, 0x00]);
const MAX_STORED_CHUNK = 64 * 1024;

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

/** One stream of one block of uncompressed LZMA2 chunks, written as the data comes. */
class StoredStream {
  readonly treatment = 'store';
  private size = 0;
  private crc = 0;
  private chunkBytes = 0;
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  private readonly blockHeader = Buffer.concat([BLOCK_HEADER_BODY, u32(crc32(BLOCK_HEADER_BODY))]);

  constructor(private readonly fd: number) {
    appendAll(fd, STREAM_MAGIC, STREAM_FLAGS, u32(crc32(STREAM_FLAGS)), this.blockHeader);
  }

  async write(chunk: Uint8Array): Promise<void> {
    this.size += chunk.length;
    this.crc = crc32(chunk, 0, chunk.length, this.crc);
    for (let at = 0; at < chunk.length; ) {
      const take = Math.min(chunk.length - at, MAX_STORED_CHUNK - this.pendingBytes);
      this.pending.push(Buffer.from(chunk.buffer, chunk.byteOffset + at, take));
      this.pendingBytes += take;
      at += take;
      if (this.pendingBytes === MAX_STORED_CHUNK) this.flushChunk();
    }
  }

  async end(): Promise<void> {
    if (this.pendingBytes > 0) this.flushChunk();
    const data = this.chunkBytes + 1; // the chunks and the end marker
    const padding = Buffer.alloc((4 - (data % 4)) % 4);
    appendAll(this.fd, Buffer.from([0x00]), padding, u32(this.crc));
    const unpaddedSize = this.blockHeader.length + data + 4;
    const records = Buffer.concat([Buffer.from([0x00, 0x01]), varint(unpaddedSize), varint(this.size)]);
    const index = Buffer.concat([records, Buffer.alloc((4 - (records.length % 4)) % 4)]);
    const footerFields = Buffer.concat([u32((index.length + 4) / 4 - 1), STREAM_FLAGS]);
    appendAll(this.fd, index, u32(crc32(index)), u32(crc32(footerFields)), footerFields, FOOTER_MAGIC);
  }

  /** Control 1 starts the block (and resets the dictionary), 2 continues; then size − 1, big-endian. */
  private flushChunk(): void {
    const control = Buffer.from([this.chunkBytes === 0 ? 0x01 : 0x02, (this.pendingBytes - 1) >> 8, (this.pendingBytes - 1) & 0xff]);
    appendAll(this.fd, control, ...this.pending);
    this.chunkBytes += control.length + this.pendingBytes;
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

/** The .xz format's variable-length integer: 7 bits a byte, low bits first. */
function varint(value: number): Buffer {
  const bytes: number[] = [];
  let rest = value;
  for (; rest >= 128; rest = Math.floor(rest / 128)) bytes.push((rest % 128) | 0x80);
  bytes.push(rest);
  return Buffer.from(bytes);
}

function u32(value: number): Buffer {
  const bytes = Buffer.alloc(4);
  bytes.writeUInt32LE(value >>> 0);
  return bytes;
}
