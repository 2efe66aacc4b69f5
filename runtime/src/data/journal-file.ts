import { closeSync, openSync } from 'node:fs';
import { JournalFormatError } from '@faultguard/protocol';
import { openRegularFile } from '../files/regular-file';

/**
 * Opens the journal at `path` and makes something of its descriptor: the program's writer
 * ('r+'), or a rescue's reader ('r'). A reader opens only a regular file, not through a link and
 * never blocking (the program could have put anything at the path, a FIFO included). Every error
 * is a JournalFormatError naming the file, and the descriptor is closed when `use` fails; on
 * success it belongs to what `use` returned.
 */
export function openJournalFile<T>(path: string, mode: 'r' | 'r+', use: (fd: number) => T): T {
  let fd: number;
  try {
    fd = mode === 'r' ? openRegularFile(path).fd : openSync(path, mode);
  } catch (error) {
    throw new JournalFormatError(`cannot ${mode === 'r' ? 'read' : 'open'} journal ${path}: ${(error as Error).message}`);
  }
  try {
    return use(fd);
  } catch (error) {
    closeSync(fd);
    throw new JournalFormatError(`${path}: ${(error as Error).message}`);
  }
}
