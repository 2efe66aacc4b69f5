import { randomBytes } from 'node:crypto';
import { closeSync, fsyncSync, linkSync, openSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';

/**
 * Writes `content` to a new file beside `path`: in the same folder, so that link() and rename()
 * stay within one file system. Flushed, so that after a power cut a lock file is never found
 * empty (an empty file is not a PID file and would be refused, not taken over).
 */
function writeBeside(path: string, content: string): string {
  const temporary = `${path}.new-${randomBytes(6).toString('hex')}`;
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

/** The file's text, or undefined if there is no file. */
export function readIfExists(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}
