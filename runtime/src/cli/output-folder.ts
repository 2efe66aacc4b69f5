import { lstatSync } from 'node:fs';
import { basename, dirname } from 'node:path';
import type { DataView } from '../data/data-view';
import { Directory } from '../files/directory';
import { describeSystemError } from '../files/system-error';
import { writeValuesInto, type ValueFileEntry } from '../recovery/values-directory';
import { OutputError } from './output-error';

/**
 * The folder `recover --out` writes into, checked before anything is read and held open from
 * then on: a new folder made by one mkdir inside its (existing) parent, or an empty folder.
 * Neither the folder nor its parent is ever followed when it is a link, and every file is made
 * through the folder's descriptor, so swapping a path for a link meanwhile reaches nothing. Run
 * as root, an existing folder of another user is refused: root would write where that user
 * chose, and a link race or a planted folder could make that anyone's.
 */
export class OutputFolder {
  private constructor(
    private readonly path: string,
    /** The folder to write into, or, when it is still to be made, the folder above it. */
    private readonly held: Directory,
    private readonly exists: boolean,
  ) {}

  static prepare(path: string): OutputFolder {
    let isLink: boolean;
    try {
      isLink = lstatSync(path).isSymbolicLink();
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') return new OutputFolder(path, openOrRefuse(path, dirname(path), 'the folder above it'), false);
      throw new OutputError(path, code === 'ENOTDIR' ? 'it, or a folder above it, is not a folder' : describeSystemError(error));
    }
    if (isLink) throw new OutputError(path, 'is a symbolic link; not followed (give the folder it points to)');
    const folder = openOrRefuse(path, path, 'it');
    try {
      checkOwner(path, folder);
      if (folder.names().length > 0) throw new OutputError(path, 'the output folder is not empty; not writing over anything in it');
    } catch (error) {
      folder.close();
      throw error;
    }
    return new OutputFolder(path, folder, true);
  }

  /** Writes the values (and index.json); on failure, nothing of them is left, nor a folder made for them. */
  write(data: DataView): ValueFileEntry[] {
    let folder: Directory;
    try {
      folder = this.exists ? this.held : this.held.makeDirectory(basename(this.path), 0o700);
    } catch (error) {
      const why = (error as NodeJS.ErrnoException).code === 'EEXIST' ? 'something was put there meanwhile; not writing over it' : describeSystemError(error);
      throw new OutputError(this.path, `cannot make the folder: ${why}`);
    }
    const entries: ValueFileEntry[] = [];
    try {
      writeValuesInto(data, folder, (entry) => entries.push(entry));
    } catch (error) {
      if (!this.exists) this.held.remove(basename(this.path));
      throw new OutputError(this.path, `cannot write the values: ${describeSystemError(error)}`);
    } finally {
      if (folder !== this.held) folder.close();
    }
    return entries;
  }

  close(): void {
    this.held.close();
  }
}

/** `which` names the folder at `folderPath` in the message about `path`: "it", "the folder above it". */
function openOrRefuse(path: string, folderPath: string, which: string): Directory {
  try {
    return Directory.open(folderPath);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new OutputError(path, `${which} does not exist`);
    if (code === 'ELOOP') throw new OutputError(path, `${which} is a symbolic link; not followed (give the folder it points to)`);
    if (code === 'ENOTDIR') throw new OutputError(path, 'it, or a folder above it, is not a folder');
    throw new OutputError(path, describeSystemError(error));
  }
}

/** Root writes only into its own folders: anyone else's is theirs to fill. */
function checkOwner(path: string, folder: Directory): void {
  if (process.geteuid?.() !== 0 || folder.stat.uid === 0) return;
  throw new OutputError(path, `belongs to uid ${folder.stat.uid}, not to root; not writing into another user's folder as root (give a new folder, or one of root's)`);
}
