import { closeSync } from 'node:fs';
import { crc32, listBlocks, previousGenerationPath, type AutosaveHeader } from '@faultguard/protocol';
import { readExactly } from '../files/byte-io';
import { RescuedData } from '../data/rescued-data';
import { AutosaveError, type AutosaveProblem } from './autosave-error';
import { openAutosave } from './read-head';
import { XzUnavailableError, xzDecompressFile } from '../process/xz';

const NOT_DAMAGE = new Set<AutosaveProblem>(['too-large', 'claim', 'unavailable']);

/**
 * The most data (bytes once decompressed, 1 GiB) a read accepts unless `maxBytes` says otherwise:
 * generous for a program's important state, small enough to hold in memory.
 *
 * @example
 * ```ts
 * await readAutosave(file, { maxBytes: 4 * DEFAULT_MAX_DATA_BYTES });
 * ```
 */
export const DEFAULT_MAX_DATA_BYTES = 1024 ** 3;

/**
 * Decompresses the concatenated xz streams in the file `fd` at [start, end), to at most
 * `maxBytes`: the shape of every decoder readAutosave can use (the default runs XZ Utils' `xz`).
 *
 * @example
 * ```ts
 * // A decoder that must not run programs (an editor's), through a WebAssembly xz:
 * const decompress: Decompress = async (fd, start, end, maxBytes) => wasmXz(readSlice(fd, start, end), maxBytes);
 * await readAutosave(file, { decompress });
 * ```
 */
export type Decompress = (fd: number, start: number, end: number, maxBytes: number, onProgress?: (bytes: number) => void) => Promise<Buffer>;

/**
 * How `readAutosave()` reads.
 *
 * @example
 * ```ts
 * const options: ReadOptions = { maxBytes: 2 ** 32, onProgress: (done, total) => console.log(`${Math.round((100 * done) / total)}%`) };
 * ```
 */
export interface ReadOptions {
  /** Refuse data that decompresses to more than this many bytes (default 1 GiB). */
  readonly maxBytes?: number;
  /** Called as the data decompresses, with the bytes so far and the total the header announces. */
  readonly onProgress?: (done: number, total: number) => void;
  /**
   * How to decompress the data section (default: XZ Utils' `xz`, in another process). A reader
   * that must not run programs (an editor extension) passes a decoder of its own.
   */
  readonly decompress?: Decompress;
}

/**
 * An autosave read and verified.
 *
 * @example
 * ```ts
 * const { header, data, generation, fallback } = await readAutosave('autosaves/app.fgsave');
 * if (generation === 'previous') console.warn(`read the previous generation: ${fallback}`);
 * console.log(header.exit?.reason, data.size);
 * ```
 */
export interface Autosave {
  /** The file that was read: the autosave itself, or its previous generation. */
  readonly file: string;
  /** Who wrote it, how the run ended, what the data is. */
  readonly header: AutosaveHeader;
  /** The values. */
  readonly data: RescuedData;
  /** Which generation was read: the newest, or the previous one because the newest was damaged. */
  readonly generation: 'newest' | 'previous';
  /** The generation's modification time (ms since the epoch): its writer's last heartbeat. */
  readonly modified: number;
  /** Set when the previous generation was read: why the newest could not be. */
  readonly fallback?: string;
}

/**
 * Reads an autosave: its newest generation, or the previous one if the newest is missing or
 * damaged, saying so. Every error names the file. Nothing is returned that failed a check.
 * It does not ask whether the run still lives: `recover()` does.
 *
 * @example
 * ```ts
 * import { readAutosave } from 'faultguard';
 *
 * const { header, data } = await readAutosave('autosaves/app.fgsave');
 * console.log(`${header.program.command.join(' ')}: ${data.size} values`, data.toObject());
 * ```
 */
export async function readAutosave(file: string, options: ReadOptions = {}): Promise<Autosave> {
  let newestError: AutosaveError;
  try {
    return await readGeneration(file, 'newest', options);
  } catch (error) {
    // A limit, a claim or a missing xz is no damage: the previous generation would only be older data.
    if (!(error instanceof AutosaveError) || NOT_DAMAGE.has(error.problem)) throw error;
    newestError = error;
  }
  try {
    return { ...(await readGeneration(previousGenerationPath(file), 'previous', options)), fallback: newestError.message };
  } catch (error) {
    if (error instanceof AutosaveError && error.problem === 'missing') throw newestError;
    // "Too large" is the one a caller can act on (a higher limit), so it wins.
    const problem = error instanceof AutosaveError && error.problem === 'too-large' ? 'too-large' : newestError.problem;
    throw new AutosaveError(file, problem, `${newestError.detail}; previous generation: ${(error as Error).message}`);
  }
}

/** Reads exactly this file, verifying everything protocol/SPEC.md §7.3 asks. */
async function readGeneration(file: string, generation: Autosave['generation'], options: ReadOptions = {}): Promise<Autosave> {
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_DATA_BYTES;
  const { fd, head } = openAutosave(file);
  const fail = (problem: AutosaveError['problem'], detail: string) => new AutosaveError(file, problem, detail);
  try {
    const { header, dataOffset, size } = head;
    const present = size - dataOffset;
    if (present !== header.data.compressedSize) {
      throw fail('invalid', `data is ${present} bytes, the header says ${header.data.compressedSize} (file cut short or appended to)`);
    }
    if (header.data.size > maxBytes) {
      throw fail('too-large', `data of ${header.data.size} bytes is over the limit of ${maxBytes} (raise the limit to read it)`);
    }
    let journal: Buffer;
    try {
      // Never more than the header announced: a lying header or an xz bomb stops right there.
      journal = await (options.decompress ?? xzDecompressFile)(fd, dataOffset, size, header.data.size, (done) => options.onProgress?.(done, header.data.size));
    } catch (error) {
      if (error instanceof XzUnavailableError) throw fail('unavailable', `cannot decompress: ${error.message}`);
      throw fail('invalid', `damaged data: ${(error as Error).message}`);
    }
    if (journal.length !== header.data.size) throw fail('invalid', `data decompressed to ${journal.length} bytes, the header says ${header.data.size}`);
    try {
      // Data the decoder accepted may still hold stream padding, which the format refuses (§7.1).
      listBlocks((offset, length) => readExactly(fd, offset, length), dataOffset, size);
    } catch (error) {
      throw fail('invalid', `damaged data: ${(error as Error).message}`);
    }
    if (crc32(journal) !== header.data.crc32) throw fail('invalid', 'data checksum mismatch');
    let data: RescuedData;
    try {
      data = RescuedData.fromBytes(journal);
    } catch (error) {
      throw fail('invalid', `data is not a journal: ${(error as Error).message}`);
    }
    if (data.damage) throw fail('invalid', `data is damaged: ${data.damage.reason} at byte ${data.damage.offset}`);
    if (data.size !== header.data.entries) throw fail('invalid', `data holds ${data.size} entries, the header says ${header.data.entries}`);
    data.context = header.context;
    return { file, header, data, generation, modified: head.modified };
  } finally {
    closeSync(fd);
  }
}
