import { closeSync, constants, fstatSync, mkdirSync, openSync, rmSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { AUTOSAVE_EXTENSION, previousGenerationPath } from '@faultguard/protocol';
import { lstatOrUndefined } from '../files/regular-file';
import type { AutosaveError } from '../recovery/autosave-error';
import { readAutosaveHead, type AutosaveHead } from '../recovery/read-head';
import { judgeRun } from '../recovery/run-state';
import { StartError } from '../report/start-error';

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
 * live run's data or a crashed run's data that nobody has recovered yet. Refusals are StartErrors:
 * the program is not started.
 */
export function claimAutosaveTarget(requested: string, now = new Date()): AutosaveClaim {
  const path = resolve(requested);
  const isFolder = requested.endsWith('/') || isDirectory(path);
  const folder = isFolder ? path : dirname(path);
  // A path ending in '/' asks for a folder: made private, as the data in it is the user's.
  if (requested.endsWith('/') && !isDirectory(folder)) createFolder(folder);
  if (!isDirectory(folder)) throw new StartError(`autosave folder ${folder} does not exist`);
  const target = isFolder ? join(folder, `${now.toISOString().replace(/[-:.]/g, '')}-${process.pid}${AUTOSAVE_EXTENSION}`) : path;
  let fd: number;
  try {
    fd = openSync(target, constants.O_CREAT | constants.O_EXCL | constants.O_WRONLY | constants.O_NOFOLLOW, 0o600);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') throw new StartError(`autosave file ${target} ${describeExisting(target)}; not overwriting it. Recover or remove it, or give a folder to get one file per run`);
    if (code === 'EACCES' || code === 'EROFS') throw new StartError(`autosave folder ${folder} is not writable`, undefined, { cause: error });
    throw new StartError(`cannot create autosave file ${target}: ${(error as Error).message}`, undefined, { cause: error });
  }
  let ino: number;
  try {
    ino = fstatSync(fd).ino;
  } finally {
    closeSync(fd);
  }
  // An older run's previous generation is data nobody has recovered: the first rotation would replace it.
  const previous = previousGenerationPath(target);
  if (lstatOrUndefined(previous)) {
    rmSync(target, { force: true });
    throw new StartError(`autosave file ${previous} is left from an earlier run of this file and was not recovered; not overwriting it. Recover or remove it (faultguard rm ${target})`);
  }
  return { path: target, ino };
}

function describeExisting(path: string): string {
  let head: AutosaveHead;
  try {
    head = readAutosaveHead(path);
  } catch (error) {
    const { problem, detail } = error as AutosaveError;
    if (problem === 'claim') return 'exists but is empty (another run is starting, or one died before its first save)';
    if (problem === 'invalid') return `exists and is not a readable autosave (${detail})`;
    return `exists and cannot be read (${detail})`;
  }
  const { header } = head;
  const command = header.program.command.join(' ');
  const { active, reason } = judgeRun(header, head.modified);
  if (active) return `belongs to a live run of ${command} (${reason})`;
  return `holds the data of an earlier run of ${command} (${reason}) that was not recovered`;
}

function createFolder(folder: string): void {
  try {
    mkdirSync(folder, { recursive: true, mode: 0o700 });
  } catch (error) {
    throw new StartError(`cannot create autosave folder ${folder}: ${(error as Error).message}`, undefined, { cause: error });
  }
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}
