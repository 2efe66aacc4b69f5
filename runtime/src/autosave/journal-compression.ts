import { crc32, encodeJournalHeader, encodeRecord, journalVersionFor, setRecordKey, type AutosaveHeader } from '@faultguard/protocol';
import type { DataView } from '../data/data-view';
import { looksIncompressible, XzStreamsWriter, type Treatment } from './xz-streams';

/** What the header says of the data, but its compressed size (known once the file is written). */
export type CompressedData = Omit<AutosaveHeader['data'], 'compressedSize'>;

/** Values from this size on decide, by their own bytes, whether their records are compressed. */
const LARGE_VALUE = 64 * 1024;

/**
 * A snapshot of the data as a compact journal (one Set per entry), compressed on its way into
 * `fd` at its offset: the data never sits whole in memory. Large values that would not compress
 * are stored as they are; small records go along with whatever came before them, so that the
 * data is cut into few streams.
 */
export async function compressJournal(data: DataView, fd: number, signal?: AbortSignal): Promise<CompressedData> {
  let size = 0;
  let crc = 0;
  const xz = new XzStreamsWriter(fd, signal);
  let treatment: Treatment = 'compress';
  const put = async (chunk: Uint8Array) => {
    crc = crc32(chunk, 0, chunk.length, crc);
    size += chunk.length;
    await xz.write(chunk, treatment);
  };
  try {
    await put(encodeJournalHeader(journalVersionFor(data.keys())));
    for (const key of data.keys()) {
      const { encoding, bytes } = data.readRaw(key)!;
      if (bytes.length >= LARGE_VALUE) treatment = looksIncompressible(bytes) ? 'store' : 'compress';
      const record = setRecordKey(key); // a typed key (from Python) is written as it was read
      for (const chunk of encodeRecord(record.type, encoding, record.bytes, bytes)) await put(chunk);
    }
    await xz.end();
  } catch (error) {
    xz.abort();
    throw error;
  }
  return { entries: data.size, size, crc32: crc, compression: 'xz' };
}
