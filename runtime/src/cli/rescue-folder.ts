import { statfsSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import type { RescuedData } from '../data/rescued-data';
import { Directory } from '../files/directory';
import { describeSystemError } from '../files/system-error';
import { RescueFailure } from '../guard/guard';
import { removeValueFiles, writeValuesInto } from '../recovery/values-directory';

/** The values of a crashed run as files, for an --on-crash command: FAULTGUARD_RESCUE_DIR. */
export interface RescueFolder {
  readonly path: string;
  remove(): void;
}

/**
 * Writes the values into a new folder, one file per value and index.json (protocol/SPEC.md §6),
 * where it costs least: beside the journal, in the run's folder (memory-backed, like the
 * journal: a file costs a copy into memory, not a disk write), when that file system has room
 * for them in half its free space; otherwise in the temporary folder. A small /dev/shm (Docker
 * gives 64 MiB) is therefore never filled by a second copy, which could make other guarded
 * programs' writes fail. A file takes at least one block there however small its value, hence the
 * count of blocks. Should the writing fail (a full disk), what was written is removed and the
 * RescueFailure names the folder and the problem: the guard then keeps the journal.
 */
export function writeRescueFolder(data: RescuedData, journalPath: string): RescueFolder {
  const runFolder = dirname(journalPath);
  const beside = fitsIn(runFolder, statSync(journalPath).size, data.size);
  const where = beside ? runFolder : tmpdir();
  let parent: Directory;
  let folder: Directory;
  try {
    parent = Directory.open(where);
  } catch (error) {
    throw new RescueFailure(`cannot write the values for --on-crash into ${where}: ${describeSystemError(error)}`);
  }
  try {
    folder = beside ? parent.makeDirectory('values') : parent.makeTemporaryDirectory('faultguard-rescue-');
  } catch (error) {
    parent.close();
    throw new RescueFailure(`cannot write the values for --on-crash into ${where}: ${describeSystemError(error)}`);
  }
  const name = basename(folder.path);
  const path = join(where, name);
  // Our files are unlinked by name, then the folder: no walk of a folder of a million files
  // (whatever the command added to it goes too).
  const remove = (written: boolean) => {
    if (written) removeValueFiles(data, folder);
    folder.close();
    parent.removeFolder(name);
    parent.close();
  };
  try {
    writeValuesInto(data, folder);
  } catch (error) {
    remove(false); // writeValuesInto took back its own files
    throw new RescueFailure(`cannot write the values for --on-crash into ${path}: ${describeSystemError(error)}`);
  }
  return { path, remove: () => remove(true) };
}

/** Whether `count` values of `bytes` in all (at most: the journal's size) fit in half the free space at `folder`. */
function fitsIn(folder: string, bytes: number, count: number): boolean {
  try {
    const { bsize, bavail, ffree, files } = statfsSync(folder);
    const needed = bytes + (count + 1) * bsize; // each file's last block may be nearly empty
    // A file system that does not count inodes (files = 0) has no limit on them.
    return needed <= (bavail * bsize) / 2 && (files === 0 || count + 2 <= ffree / 2);
  } catch {
    return false;
  }
}
