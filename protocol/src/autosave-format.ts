// The autosave file (protocol/SPEC.md §7): a header that says who wrote it and how the run
// ended, then the data as an xz-compressed journal. Compression is left to the caller so that
// this module stays free of native code (the editor reads these files with a pure-JS xz).
import { crc32 } from './crc32';
import { crashContextProblem, type CrashContext } from './crash-context';
import { isExitRecord, type ExitRecord } from './exit-status';
import { endsProblem, type RunEnd } from './resume';
import type { RecordIndex } from './record-index';

/** "\x89FGS\r\n\x1a\n" */
const AUTOSAVE_MAGIC = Buffer.from([0x89, 0x46, 0x47, 0x53, 0x0d, 0x0a, 0x1a, 0x0a]);
export const AUTOSAVE_FORMAT = 1;
/** A header is a few hundred bytes; anything near this is not one of ours. */
export const MAX_HEADER_BYTES = 1024 * 1024;
/** Magic (8 bytes), header length (4), and the header's CRC-32 (4): the head is these plus the header. */
export const AUTOSAVE_PREFIX_BYTES = 16;

/**
 * Identifies a process across PID reuse: the PID alone can name a newer process.
 *
 * @example
 * ```ts
 * const writer: ProcessIdentity = { pid: 4242, startTime: '8871234', bootId: 'c1f0...', host: 'vm', pidNamespace: 'pid:[4026531836]' };
 * ```
 */
export interface ProcessIdentity {
  /** Its PID. */
  readonly pid: number;
  /** Start time in clock ticks since boot (/proc/<pid>/stat field 22), as a decimal string; "" if unknown. */
  readonly startTime: string;
  /** /proc/sys/kernel/random/boot_id; "" if unknown. */
  readonly bootId: string;
  /** The host name it ran on. */
  readonly host: string;
  /** The PID namespace (Linux: the link /proc/<pid>/ns/pid, e.g. "pid:[4026531836]"); absent or "" if unknown. */
  readonly pidNamespace?: string;
}

/**
 * An autosave's header (protocol/SPEC.md §7.2): who wrote the file, what ran, how it ended, and
 * the shape of the data.
 *
 * @example
 * ```ts
 * const { header } = readAutosaveHead('autosaves/app.fgsave');
 * console.log(`${header.program.command.join(' ')} in ${header.program.cwd}: ${header.exit?.reason ?? header.state}`);
 * ```
 */
export interface AutosaveHeader {
  /** The format's version: 1. */
  readonly format: number;
  /** The guard, which writes the file: the run is live while it is. */
  readonly writer: ProcessIdentity & {
    /** The user it ran as. */
    readonly user: string;
  };
  /** The guarded program: its PID, command line and working directory. */
  readonly program: {
    /** Its PID. */
    readonly pid: number;
    /** Its command line. */
    readonly command: readonly string[];
    /** Its working directory. */
    readonly cwd: string;
  };
  /** When the run started (ISO 8601). */
  readonly started: string;
  /** Seconds between saves. */
  readonly intervalSeconds: number;
  /** How often the writer refreshes the file's modification time while it lives (§7.4 step 5). */
  readonly heartbeatSeconds: number;
  /** When this generation was saved (ISO 8601). */
  readonly saved: string;
  /** exited once the guard has recorded how the program ended. */
  readonly state: 'running' | 'exited';
  /** How the program ended; null while it runs, or when its guard died first. */
  readonly exit: ExitRecord | null;
  /** When it ended (ISO 8601), or null. */
  readonly ended: string | null;
  /**
   * Set on a save that records the end at once with the previous save's data, while the final
   * data is still being compressed: the next save replaces it. Absent otherwise.
   */
  readonly finalSavePending?: true;
  /** Why the run died (§10): recorded by the save that records the end, when the guard knows any of it. */
  readonly context?: CrashContext;
  /** A supervised run (§11): how many times the guard has started the program again. */
  readonly restarts?: number;
  /** A supervised run's latest ends, oldest first (§11.4). */
  readonly ends?: readonly RunEnd[];
  /** This save records an end after which the guard starts the program again: the run is not over (§11.4). */
  readonly restartPending?: true;
  /** The data section: how many values, its size and checksum decompressed, its compressed size. */
  readonly data: {
    /** How many values. */
    readonly entries: number;
    /** Bytes of the journal once decompressed, and its CRC-32: checked after decompression. */
    readonly size: number;
    /** The decompressed journal's CRC-32. */
    readonly crc32: number;
    /** Always "xz": concatenated .xz streams. */
    readonly compression: 'xz';
    /** Bytes of the data section in the file. */
    readonly compressedSize: number;
    /**
     * Optional (§7.9): the live entries' keys, tags and sizes. Not checked with the other fields:
     * a reader that uses it checks it against the data (locateRecords), one that does not ignores it.
     */
    readonly index?: RecordIndex;
  };
}

export class AutosaveFormatError extends Error {
  override readonly name = 'AutosaveFormatError';
}

/**
 * Everything before the data: magic, length, header JSON and its checksum. The JSON may be padded
 * with spaces to `reserve` bytes (JSON allows trailing white space), so that a writer can reserve
 * room for the header, stream the data after it, and fill the header in once the data is known.
 */
export function encodeAutosaveHead(header: AutosaveHeader, reserve = 0): Buffer {
  const text = JSON.stringify(header);
  const length = Math.max(reserve, Buffer.byteLength(text));
  if (reserve > 0 && length > reserve) throw new RangeError(`autosave header of ${length} bytes does not fit the ${reserve} bytes reserved for it`);
  if (length > MAX_HEADER_BYTES) throw new RangeError(`autosave header of ${length} bytes is over the ${MAX_HEADER_BYTES}-byte limit`);
  const head = Buffer.alloc(AUTOSAVE_PREFIX_BYTES + length, ' ');
  AUTOSAVE_MAGIC.copy(head, 0);
  head.writeUInt32LE(length, 8);
  head.write(text, 12, 'utf8');
  head.writeUInt32LE(crc32(head, 12, 12 + length), 12 + length);
  return head;
}

/** Room for a header like this one whatever its data fields turn out to be. */
export function autosaveHeadReserve(header: AutosaveHeader): number {
  const widest = { entries: Number.MAX_SAFE_INTEGER, size: Number.MAX_SAFE_INTEGER, crc32: 0xffff_ffff, compressedSize: Number.MAX_SAFE_INTEGER };
  return Buffer.byteLength(JSON.stringify({ ...header, data: { ...header.data, ...widest } }));
}

/** The header, and where the compressed data starts. Needs only the first 16 + header bytes. */
export function decodeAutosaveHeader(bytes: Uint8Array): { header: AutosaveHeader; dataOffset: number } {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (buf.length < AUTOSAVE_PREFIX_BYTES) throw new AutosaveFormatError(`not a Faultguard autosave: ${buf.length} bytes is too short`);
  if (!buf.subarray(0, 8).equals(AUTOSAVE_MAGIC)) throw new AutosaveFormatError('not a Faultguard autosave: wrong magic bytes');
  const length = buf.readUInt32LE(8);
  if (length > MAX_HEADER_BYTES) throw new AutosaveFormatError(`autosave header claims ${length} bytes, more than the ${MAX_HEADER_BYTES} allowed`);
  if (buf.length < AUTOSAVE_PREFIX_BYTES + length) throw new AutosaveFormatError(`autosave header cut short: ${buf.length} of ${AUTOSAVE_PREFIX_BYTES + length} bytes`);
  const json = buf.subarray(12, 12 + length);
  if (crc32(json) !== buf.readUInt32LE(12 + length)) throw new AutosaveFormatError('autosave header checksum mismatch');
  let header: AutosaveHeader;
  try {
    header = JSON.parse(json.toString('utf8'));
  } catch (error) {
    throw new AutosaveFormatError(`autosave header is not JSON: ${(error as Error).message}`);
  }
  if (typeof header !== 'object' || header === null || Array.isArray(header)) throw new AutosaveFormatError('autosave header is not a JSON object');
  const format = (header as { format?: unknown }).format;
  if (typeof format === 'number' && format > AUTOSAVE_FORMAT) {
    throw new AutosaveFormatError(`autosave format ${format} is newer than this reader, which knows format ${AUTOSAVE_FORMAT}: upgrade Faultguard to read it`);
  }
  if (format !== AUTOSAVE_FORMAT) throw new AutosaveFormatError(`autosave format ${JSON.stringify(format)} is not supported (this reader knows format ${AUTOSAVE_FORMAT})`);
  checkHeaderShape(header);
  return { header, dataOffset: AUTOSAVE_PREFIX_BYTES + length };
}

/**
 * Every field a reader uses or shows, with its type: a header that passed its checksum can still
 * come from a faulty (or hostile) writer, and a wrong type must be refused here, not crash a
 * listing later. Only `heartbeatSeconds` may be missing (older writers); readers default it.
 */
function checkHeaderShape(header: AutosaveHeader): void {
  // Plain comparisons and constant names: a listing checks thousands of headers, each in full.
  const problems: string[] = [];
  const writer = header.writer ?? {};
  if (!isPid(writer.pid)) problems.push('writer.pid is not a process ID');
  if (typeof writer.startTime !== 'string') problems.push('writer.startTime is not a string');
  if (typeof writer.bootId !== 'string') problems.push('writer.bootId is not a string');
  if (typeof writer.host !== 'string') problems.push('writer.host is not a string');
  if (typeof writer.user !== 'string') problems.push('writer.user is not a string');
  if (writer.pidNamespace !== undefined && typeof writer.pidNamespace !== 'string') problems.push('writer.pidNamespace is not a string');
  const program = header.program ?? {};
  if (!isPid(program.pid)) problems.push('program.pid is not a process ID');
  if (!Array.isArray(program.command) || !program.command.every((part) => typeof part === 'string')) problems.push('program.command is not a list of strings');
  if (typeof program.cwd !== 'string') problems.push('program.cwd is not a string');
  if (typeof header.started !== 'string') problems.push('started is not a string');
  if (typeof header.saved !== 'string') problems.push('saved is not a string');
  if (!(Number.isFinite(header.intervalSeconds) && header.intervalSeconds > 0)) problems.push('intervalSeconds is not a positive number');
  if (header.state !== 'running' && header.state !== 'exited') problems.push('state is not "running" or "exited"');
  if (header.state === 'exited' ? !isExitRecord(header.exit) : header.exit !== null) problems.push(header.state === 'exited' ? 'exit is not an exit record' : 'exit is not null while running');
  if (header.ended !== null && typeof header.ended !== 'string') problems.push('ended is not a string or null');
  if (header.finalSavePending !== undefined && header.finalSavePending !== true) problems.push('finalSavePending is not true or absent');
  const context = header.context === undefined ? undefined : crashContextProblem(header.context);
  if (context !== undefined) problems.push(context);
  if (header.restarts !== undefined && !isCount(header.restarts)) problems.push('restarts is not a count');
  const ends = header.ends === undefined ? undefined : endsProblem(header.ends, 'ends');
  if (ends !== undefined) problems.push(ends);
  if (header.restartPending !== undefined && header.restartPending !== true) problems.push('restartPending is not true or absent');
  const data = header.data ?? {};
  if (!isCount(data.entries)) problems.push('data.entries is not a size');
  if (!isCount(data.size)) problems.push('data.size is not a size');
  if (!isCount(data.compressedSize)) problems.push('data.compressedSize is not a size');
  if (!(Number.isInteger(data.crc32) && data.crc32 >= 0 && data.crc32 <= 0xffff_ffff)) problems.push('data.crc32 is not a CRC-32');
  if (data.compression !== 'xz') problems.push('data.compression is not "xz"');
  if (problems.length > 0) throw new AutosaveFormatError(`autosave header is malformed: ${problems.join('; ')}`);
}

function isCount(value: unknown): boolean {
  return Number.isSafeInteger(value) && (value as number) >= 0;
}

function isPid(value: unknown): boolean {
  return Number.isSafeInteger(value) && (value as number) > 0;
}
