// The trash of freedesktop.org's Trash specification 1.0, which desktop Linux file managers
// (GNOME's gio, KDE, Xfce) read and restore from. VS Code's own move to the trash goes through
// Electron, which a server-side extension host (code-server, Remote SSH) does not have; this
// service runs where the files are, so it moves them itself.
import { closeSync, constants, lstatSync, mkdirSync, openSync, renameSync, rmSync, statSync, writeSync } from 'node:fs';
import { homedir } from 'node:os';
import { basename, dirname, extname, join } from 'node:path';

export class NoTrashError extends Error {
  override readonly name = 'NoTrashError';
}

/**
 * The trash for the files of `folder`: the home trash if the folder is on the same file system, else
 * `<top of its file system>/.Trash-<uid>` (the spec's per-volume trash), made if need be.
 * Throws NoTrashError, saying why, when there is none it can use (a move across file systems
 * would be a copy, and the spec forbids it).
 */
export function trashFor(folder: string): string {
  const device = statSync(folder).dev;
  const home = join(process.env.XDG_DATA_HOME || join(homedir(), '.local', 'share'), 'Trash');
  if (deviceOf(dirname(home)) === device) return home;
  const top = topOfFileSystem(folder, device);
  const uid = process.getuid?.();
  if (uid === undefined) throw new NoTrashError('this system has no user ids, so no per-volume trash');
  const volume = join(top, `.Trash-${uid}`);
  try {
    const stat = lstatSync(volume, { throwIfNoEntry: false });
    if (stat && (!stat.isDirectory() || stat.uid !== uid)) throw new NoTrashError(`${volume} is not a trash folder of this user`);
    if (!stat) mkdirSync(volume, { mode: 0o700 });
    return volume;
  } catch (error) {
    if (error instanceof NoTrashError) throw error;
    throw new NoTrashError(`the file system of ${folder} has no trash (${(error as NodeJS.ErrnoException).code ?? (error as Error).message} for ${volume})`);
  }
}

/**
 * Moves `file` to `trash` (from trashFor): its `.trashinfo` first (created exclusively, which
 * reserves the name), then the file itself by rename. Returns where it went.
 */
export function moveToTrash(file: string, trash: string): string {
  const files = join(trash, 'files');
  const info = join(trash, 'info');
  mkdirSync(files, { recursive: true, mode: 0o700 });
  mkdirSync(info, { recursive: true, mode: 0o700 });
  const name = basename(file);
  for (let n = 1; ; n++) {
    const candidate = n === 1 ? name : `${basename(name, extname(name))}.${n}${extname(name)}`;
    let fd: number;
    try {
      fd = openSync(join(info, `${candidate}.trashinfo`), constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, 0o600);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'EEXIST') continue;
      throw error;
    }
    try {
      writeSync(fd, `[Trash Info]\nPath=${encodeURI(file).replace(/[?#]/g, encodeURIComponent)}\nDeletionDate=${localTime(new Date())}\n`);
    } finally {
      closeSync(fd);
    }
    const target = join(files, candidate);
    try {
      renameSync(file, target);
    } catch (error) {
      rmSync(join(info, `${candidate}.trashinfo`), { force: true });
      throw error;
    }
    return target;
  }
}

/** The spec's DeletionDate: local time, YYYY-MM-DDThh:mm:ss. */
function localTime(date: Date): string {
  const two = (n: number) => String(n).padStart(2, '0');
  return `${date.getFullYear()}-${two(date.getMonth() + 1)}-${two(date.getDate())}T${two(date.getHours())}:${two(date.getMinutes())}:${two(date.getSeconds())}`;
}

function deviceOf(path: string): number | undefined {
  for (let at = path; ; at = dirname(at)) {
    const stat = statSync(at, { throwIfNoEntry: false });
    if (stat) return stat.dev;
    if (dirname(at) === at) return undefined;
  }
}

/** The highest folder above `folder` still on `device`: its file system's mount point. */
function topOfFileSystem(folder: string, device: number): string {
  let top = folder;
  while (dirname(top) !== top && statSync(dirname(top)).dev === device) top = dirname(top);
  return top;
}
