import { closeSync, constants, fstatSync, openSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { decodeAutosaveHeader, MAX_HEADER_BYTES } from '@faultguard/protocol';
import { liveness } from '../process/process-identity';
import { openRegularFile, readUpTo } from './regular-file';

export const AUTOSAVE_EXTENSION = '.fgsave';

export class AutosaveTargetError extends Error {}

/** An autosave path this run has claimed: it created the (still empty) file itself. */
export interface AutosaveClaim {
  readonly path: string;
  /** Inode of the file as this run last wrote it: only that file is ours to replace or remove. */
  readonly ino: number;
}

/**
 * Claims this run's autosave file before the program starts. A folder gets one file per run,
 * named to sort by start time; a file path is used as given. The file is created exclusively,
 * so two runs can never share it, and an existing file is never overwritten: it holds either a
 * live run's data or a crashed run's data that nobody has recovered yet.
 */
export function claimAutosaveTarget(requested: string, now = new Date()): AutosaveClaim {
  const path = resolve(requested);
  const isFolder = requested.endsWith('/') || isDirectory(path);
  const folder = isFolder ? path : dirname(path);
  if (!isDirectory(folder)) throw new AutosaveTargetError(`autosave folder ${folder} does not exist`);
  const target = isFolder ? join(folder, `${now.toISOString().replace(/[-:.]/g, '')}-${process.pid}${AUTOSAVE_EXTENSION}`) : path;
  let fd: number;
  try {
    fd = openSync(target, constants.O_CREAT | constants.O_EXCL | constants.O_WRONLY | constants.O_NOFOLLOW, 0o600);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') throw new AutosaveTargetError(`autosave file ${target} ${describeExisting(target)}; not overwriting it. Recover or remove it, or give a folder to get one file per run`);
    if (code === 'EACCES' || code === 'EROFS') throw new AutosaveTargetError(`autosave folder ${folder} is not writable`);
    throw new AutosaveTargetError(`cannot create autosave file ${target}: ${(error as Error).message}`);
  }
  try {
    return { path: target, ino: fstatSync(fd).ino };
  } finally {
    closeSync(fd);
  }
}

function describeExisting(path: string): string {
  let head: Buffer;
  try {
    head = readHead(path);
  } catch (error) {
    return `exists and cannot be read (${(error as Error).message})`;
  }
  if (head.length === 0) return 'exists but is empty (another run is starting, or one died before its first save)';
  try {
    const { header } = decodeAutosaveHeader(head);
    const writer = liveness(header.writer);
    const command = header.program.command.join(' ');
    if (writer.state === 'alive') return `belongs to a live run (guard ${header.writer.pid}, ${command})`;
    if (writer.state === 'unknown' && header.state === 'running') return `belongs to a run of ${command} that may still be live (${writer.reason})`;
    return `holds the data of an earlier run of ${command} (${header.exit?.reason ?? writer.reason}) that was not recovered`;
  } catch (error) {
    return `exists and is not a readable autosave (${(error as Error).message})`;
  }
}

/** The magic, length and header: never the data, which can be large. */
function readHead(path: string): Buffer {
  const fd = openRegularFile(path);
  try {
    const head = Buffer.alloc(16 + MAX_HEADER_BYTES);
    const size = readUpTo(fd, head, 0, 12);
    return head.subarray(0, size < 12 ? size : readUpTo(fd, head, size, Math.min(head.length, 16 + head.readUInt32LE(8))));
  } finally {
    closeSync(fd);
  }
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}
