import { closeSync, type Stats } from 'node:fs';
import { decodeAutosaveHeader, MAX_HEADER_BYTES, type AutosaveHeader } from '@faultguard/protocol';
import { AutosaveError, describeFileError } from './autosave-error';
import { readInto } from '../files/byte-io';
import { openRegularFile } from '../files/regular-file';

/**
 * What a file's first bytes say, and the file's own facts: enough to list and judge it.
 *
 * @example
 * ```ts
 * const { header, size, modified } = readAutosaveHead('autosaves/app.fgsave');
 * console.log(`${header.data.entries} values, ${size} bytes, saved ${new Date(modified).toISOString()}`);
 * ```
 */
export interface AutosaveHead {
  /** The file read. */
  readonly file: string;
  /** Its header. */
  readonly header: AutosaveHeader;
  /** Where the compressed data starts, in bytes. */
  readonly dataOffset: number;
  /** The whole file, in bytes. */
  readonly size: number;
  /** Modification time (ms since the epoch): the writer's heartbeat (protocol/SPEC.md §7.4 step 5). */
  readonly modified: number;
}

const CLAIM_DETAIL = 'empty: a run has claimed this file and not saved yet (or its guard died before the first save)';

/**
 * Opens an autosave file and reads its head: magic, header and header checksum, never the data.
 * The caller owns the returned descriptor and reads the data from it (the path may be replaced
 * by the next save meanwhile; the descriptor still names this generation).
 */
export function openAutosave(file: string): { fd: number; head: AutosaveHead } {
  let opened: { fd: number; stat: Stats };
  try {
    opened = openRegularFile(file);
  } catch (error) {
    const { problem, detail } = describeFileError(error);
    throw new AutosaveError(file, problem, detail);
  }
  const { fd, stat } = opened;
  try {
    return { fd, head: readHead(file, fd, stat) };
  } catch (error) {
    closeSync(fd);
    throw error;
  }
}

/**
 * Reads an autosave's header alone (never the data): who wrote it, how the run ended, how much
 * data there is. Throws an AutosaveError naming the file when it cannot.
 *
 * @example
 * ```ts
 * import { readAutosaveHead } from 'faultguard';
 *
 * const { header } = readAutosaveHead('autosaves/app.fgsave');
 * console.log(header.state, header.exit?.reason ?? 'no end recorded');
 * ```
 */
export function readAutosaveHead(file: string): AutosaveHead {
  const { fd, head } = openAutosave(file);
  closeSync(fd);
  return head;
}

/**
 * Enough for the whole head of nearly every file (a header is about 700 bytes): one read, into
 * one buffer for every file (decoding copies what it keeps), so a listing of thousands of files
 * allocates nothing per file for it.
 */
const firstRead = Buffer.allocUnsafe(4096);

function readHead(file: string, fd: number, { size, mtimeMs }: Stats): AutosaveHead {
  if (size === 0) throw new AutosaveError(file, 'claim', CLAIM_DETAIL);
  try {
    let bytes = firstRead.subarray(0, Math.min(firstRead.length, size));
    let end = readInto(fd, bytes, 0, bytes.length, 0);
    // Allocated only up to what the file holds and the format allows, whatever the length field says.
    const wanted = end < 12 ? end : Math.min(16 + bytes.readUInt32LE(8), 16 + MAX_HEADER_BYTES, size);
    if (wanted > end) {
      const whole = Buffer.allocUnsafe(wanted);
      bytes.copy(whole, 0, 0, end);
      end += readInto(fd, whole, end, wanted, end);
      bytes = whole;
    }
    const { header, dataOffset } = decodeAutosaveHeader(bytes.subarray(0, end));
    return { file, header, dataOffset, size, modified: mtimeMs };
  } catch (error) {
    if (error instanceof AutosaveError) throw error;
    throw new AutosaveError(file, 'invalid', (error as Error).message);
  }
}
