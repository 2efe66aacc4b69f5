import { closeSync, constants, existsSync, fstatSync, lstatSync, mkdirSync, mkdtempSync, openSync, readdirSync, rmdirSync, rmSync, unlinkSync, type Stats } from 'node:fs';
import { basename, join } from 'node:path';

const OPEN_FOLDER = constants.O_RDONLY | constants.O_DIRECTORY | constants.O_NOFOLLOW | constants.O_NONBLOCK;
const CREATE_FILE = constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW;

/**
 * A folder held open by a descriptor, and the files in it reached through that descriptor: once
 * the folder is open, renaming it or putting a link in its place changes nothing for us, so a
 * file is never written into another folder than the one that was checked.
 *
 * Node has no openat(); a path through `/proc/self/fd/<fd>/` is resolved from the folder the
 * descriptor holds (the kernel follows that magic link to the open folder itself, not to a path),
 * which is openat() for a name without a slash. Every name is one path component, and is never
 * followed when it is a link: a file is created exclusively with O_NOFOLLOW, a folder opened
 * with O_NOFOLLOW.
 */
export class Directory {
  private constructor(
    /** The path it was opened by: for messages, never to reach it again. */
    readonly path: string,
    readonly fd: number,
    /** Its facts when it was opened: the owner and mode checks are made on this folder, not a path. */
    readonly stat: Stats,
  ) {}

  /**
   * Opens the folder at `path` without following a link there (a link is refused with the code
   * ELOOP, whatever else is refused with its own: ENOENT, ENOTDIR, EACCES...), never blocking.
   */
  static open(path: string): Directory {
    let fd: number;
    try {
      fd = openSync(path, OPEN_FOLDER);
    } catch (error) {
      throw linkRefused(path, error);
    }
    if (!existsSync(`/proc/self/fd/${fd}`)) {
      closeSync(fd);
      throw new Error(`cannot reach the files of ${path} through /proc/self/fd (is /proc mounted?)`);
    }
    return new Directory(path, fd, fstatSync(fd));
  }

  /** The folder `name` inside this one (not followed if it is a link). */
  openDirectory(name: string): Directory {
    const inner = Directory.open(this.at(name));
    return new Directory(join(this.path, name), inner.fd, inner.stat);
  }

  /** Makes the folder `name` here (failing if anything is there) and opens it. */
  makeDirectory(name: string, mode = 0o700): Directory {
    mkdirSync(this.at(name), { mode });
    return this.openDirectory(name);
  }

  /** Makes a new folder `<prefix><6 random characters>` here, as mkdtemp(3), and opens it. */
  makeTemporaryDirectory(prefix: string): Directory {
    return this.openDirectory(basename(mkdtempSync(this.at(prefix))));
  }

  /** Creates the file `name` for writing: exclusively, so nothing already there (a link included) is ever written. */
  createFile(name: string, mode = 0o600): number {
    return openSync(this.at(name), CREATE_FILE, mode);
  }

  /** The names in the folder, as readdir(3) gives them. */
  names(): string[] {
    return readdirSync(`/proc/self/fd/${this.fd}`);
  }

  /** Removes `name` here, a folder with all it holds (links inside it are removed, never followed). */
  remove(name: string): void {
    rmSync(this.at(name), { recursive: true, force: true });
  }

  /** Removes the file (or link) `name` here, if there is one: one unlink, for folders of many files. */
  removeFile(name: string): void {
    try {
      unlinkSync(this.at(name));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
  }

  /** Removes the folder `name` here: at once when empty, else with what someone put in it. */
  removeFolder(name: string): void {
    try {
      rmdirSync(this.at(name));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOTEMPTY') throw error;
      this.remove(name);
    }
  }

  close(): void {
    closeSync(this.fd);
  }

  private at(name: string): string {
    if (name === '' || name === '.' || name === '..' || name.includes('/')) throw new Error(`not a name inside a folder: ${JSON.stringify(name)}`);
    return `/proc/self/fd/${this.fd}/${name}`;
  }
}

/** O_NOFOLLOW with O_DIRECTORY gives ENOTDIR for a link on Linux, not ELOOP: say which it was. */
function linkRefused(path: string, error: unknown): unknown {
  const code = (error as NodeJS.ErrnoException).code;
  if (code !== 'ENOTDIR' && code !== 'ELOOP') return error;
  let isLink = false;
  try {
    isLink = lstatSync(path).isSymbolicLink();
  } catch {
    return error;
  }
  return isLink ? Object.assign(new Error(`${path} is a symbolic link`), { code: 'ELOOP' }) : error;
}
