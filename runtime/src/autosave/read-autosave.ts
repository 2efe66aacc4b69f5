import { AutosaveFormatError, crc32, decodeAutosaveHeader, type AutosaveHeader } from '@faultguard/protocol';
import { RescuedData } from '../data/rescued-data';
import { readRegularFile } from './regular-file';
import { xzDecompress } from './xz';

export interface Autosave {
  readonly header: AutosaveHeader;
  readonly data: RescuedData;
}

/** Reads, decompresses and verifies an autosave file; every error names the file. */
export async function readAutosave(path: string): Promise<Autosave> {
  const fail = (message: string) => new AutosaveFormatError(`${path}: ${message}`);
  let bytes: Buffer;
  try {
    bytes = readRegularFile(path);
  } catch (error) {
    throw fail(`cannot read: ${(error as Error).message}`);
  }
  if (bytes.length === 0) throw fail('empty: a run has claimed this file and not saved yet (or died before its first save)');
  try {
    const { header, dataOffset } = decodeAutosaveHeader(bytes);
    const compressed = bytes.subarray(dataOffset);
    if (compressed.length !== header.data.compressedSize) {
      throw new Error(`data is ${compressed.length} bytes, the header says ${header.data.compressedSize} (file cut short?)`);
    }
    // Never more than the header announced: a lying header or an xz bomb stops right there.
    const journal = await xzDecompress(compressed, header.data.size);
    if (journal.length !== header.data.size) throw new Error(`data decompressed to ${journal.length} bytes, the header says ${header.data.size}`);
    if (crc32(journal) !== header.data.crc32) throw new Error('data checksum mismatch');
    const data = RescuedData.fromBytes(journal);
    if (data.damage) throw new Error(`data is damaged: ${data.damage.reason} at byte ${data.damage.offset}`);
    return { header, data };
  } catch (error) {
    throw fail((error as Error).message);
  }
}
