import { read } from 'node:fs';
import { promisify } from 'node:util';
import { XzReadableStream } from 'xz-decompress';
import type { Decompress } from '@faultguard/runtime/recovery';
import type { DecodeBlock } from '@faultguard/runtime/recovery/indexed';

const readAt = promisify(read);
const CHUNK_BYTES = 1024 * 1024;

/**
 * Decompresses an autosave's data with xz-decompress (XZ Embedded compiled to WebAssembly): the
 * editor's service runs no programs and loads no native code. It reads concatenated streams, as
 * the format requires, and stops as soon as the output would pass `maxBytes`.
 */
export const decompressWithWasm: Decompress = async (fd, start, end, maxBytes, onProgress) => {
  if (end <= start) throw new Error('no compressed data');
  const source = fileRange(fd, start, end);
  try {
    return await decode(source.stream, maxBytes, onProgress);
  } finally {
    await source.idle(); // the caller closes `fd` next: no read of it may still be under way
  }
};

/** One block, as a stream of its own (indexed reads, SPEC §7.9): exactly `size` bytes, its check verified by the decoder. */
export const decodeBlockWithWasm: DecodeBlock = async (stream, size) => {
  const bytes = await decode(new ReadableStream<Uint8Array>({ start: (controller) => (controller.enqueue(stream), controller.close()) }), size);
  if (bytes.length !== size) throw new Error(`decoded to ${bytes.length} bytes, the index says ${size}`);
  return bytes;
};

async function decode(stream: ReadableStream<Uint8Array>, maxBytes: number, onProgress?: (bytes: number) => void): Promise<Buffer> {
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of new XzReadableStream(stream) as unknown as AsyncIterable<Uint8Array>) {
    size += chunk.length;
    if (size > maxBytes) throw new Error(`data decompresses to more than the ${maxBytes} bytes the header announces`);
    chunks.push(chunk); // a copy already: the decoder slices it out of its memory
    onProgress?.(size);
  }
  return Buffer.concat(chunks, size);
}

/**
 * The bytes [start, end) of `fd` as a web stream, read at their positions. Never closes `fd`:
 * it belongs to the caller (a stream that closed it too would close whatever file took its number).
 */
function fileRange(fd: number, start: number, end: number): { stream: ReadableStream<Uint8Array>; idle: () => Promise<unknown> } {
  let position = start;
  let reading: Promise<unknown> = Promise.resolve();
  const stream = new ReadableStream<Uint8Array>({
    pull: async (controller) => {
      if (position >= end) return controller.close();
      const buffer = Buffer.allocUnsafe(Math.min(CHUNK_BYTES, end - position));
      const pending = readAt(fd, buffer, 0, buffer.length, position);
      reading = pending.catch(() => undefined);
      const { bytesRead } = await pending;
      if (bytesRead === 0) return controller.error(new Error('file cut short while reading'));
      position += bytesRead;
      controller.enqueue(buffer.subarray(0, bytesRead));
    },
  });
  return { stream, idle: () => reading };
}
