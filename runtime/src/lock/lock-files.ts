import { closeSync, fsyncSync, linkSync, openSync, renameSync, rmSync, writeFileSync, type Stats } from 'node:fs';
import { readInto } from '../files/byte-io';
import { randomHex } from '../files/unique-names';
import { openRegularFile } from '../files/regular-file';

/**
 * Writes `content` to a new file beside `path`: in the same folder, so that link() and rename()
 * stay within one file system. Flushed, so that after a power cut a lock file is never found
 * empty (an empty file is not a PID file and would be refused, not taken over).
 */
function writeBeside(path: string, content: string): string {
  const temporary = `${path}.new-${randomHex(6)}`;
  const fd = openSync(temporary, 'wx', 0o644);
  try {
    writeFileSync(fd, content);
    fsyncSync(fd);
  } catch (error) {
    rmSync(temporary, { force: true });
    throw error;
  } finally {
    closeSync(fd);
  }
  return temporary;
}

/**
 * Creates `path` holding `content` unless something exists there (then returns false). link()
 * fails with EEXIST atomically, and the file it makes is complete from its first moment: no
 * reader ever sees it empty or half written, as it could after open(O_EXCL) and write().
 */
export function createExclusive(path: string, content: string): boolean {
  const temporary = writeBeside(path, content);
  try {
    linkSync(temporary, path);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  } finally {
    rmSync(temporary, { force: true });
  }
}

/** Replaces what `path` holds in one step: a reader sees the old content or the new one. */
export function replaceContent(path: string, content: string): void {
  const temporary = writeBeside(path, content);
  try {
    renameSync(temporary, path);
  } catch (error) {
    rmSync(temporary, { force: true });
    throw error;
  }
}

/** A PID file is a few lines; anything larger is not one, and is not read whole. */
const MAX_PID_FILE_BYTES = 4096;

/**
 * The file's text and its facts (owner, mode) as read, or undefined if there is no file. Only a
 * regular file is read: a FIFO put at the path (in /tmp anyone can) would block the read forever,
 * and a link could point anywhere.
 */
export function readLockFile(path: string): { text: string; stat: Stats } | undefined {
  let opened: { fd: number; stat: Stats };
  try {
    opened = openRegularFile(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  const { fd, stat } = opened;
  try {
    const bytes = Buffer.alloc(MAX_PID_FILE_BYTES + 1);
    const end = readInto(fd, bytes, 0, bytes.length, 0);
    if (end > MAX_PID_FILE_BYTES) throw new Error(`over ${MAX_PID_FILE_BYTES} bytes: not a PID file`);
    return { text: bytes.toString('utf8', 0, end), stat };
  } finally {
    closeSync(fd);
  }
}

/** The file's text, or undefined if there is no file (read as readLockFile reads it). */
export function readIfExists(path: string): string | undefined {
  return readLockFile(path)?.text;
}
