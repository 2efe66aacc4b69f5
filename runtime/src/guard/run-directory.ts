import { closeSync, lstatSync, mkdirSync, readdirSync, rmdirSync, rmSync, unlinkSync, type Stats } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { encodeJournalHeader } from '@faultguard/protocol';
import { writeAll } from '../files/byte-io';
import { Directory } from '../files/directory';
import { describeSystemError } from '../files/system-error';
import { StartError } from '../report/start-error';

/** Where journals live: memory-backed when possible, so a write is a copy into the page cache. */
export function defaultJournalRoot(): string {
  const configured = process.env.FAULTGUARD_JOURNAL_DIR;
  if (configured) return configured;
  const uid = process.getuid?.() ?? 0;
  const runtimeDir = process.env.XDG_RUNTIME_DIR;
  if (runtimeDir && isDirectory(runtimeDir)) return join(runtimeDir, 'faultguard');
  if (isDirectory('/dev/shm')) return `/dev/shm/faultguard-${uid}`;
  return join(tmpdir(), `faultguard-${uid}`);
}

/** One run's private folder: the journal and what the guard writes about the run. */
export interface RunDirectory {
  readonly path: string;
  readonly journalPath: string;
  /** Writes run.json; on failure (a full disk) none is left, and the error says why in words. */
  writeInfo(info: object): void;
  remove(): void;
}

/**
 * Makes a run's folder in the journal root, with the journal's header in it. Everything is made
 * through the root's descriptor, opened and checked once (no link, ours, private), so nothing
 * can be slipped in between the check and the use. Should the root's file system be full, the
 * StartError names the root and the problem, and nothing is left behind.
 */
export function createRunDirectory(relativeRoot: string, now = new Date()): RunDirectory {
  // The journal path is handed to a program that may change directory: make it absolute.
  const root = resolve(relativeRoot);
  const rootFolder = openPrivateRoot(root);
  const stamp = now.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
  let run: Directory;
  try {
    run = rootFolder.makeTemporaryDirectory(`run-${stamp}-${process.pid}-`);
  } catch (error) {
    rootFolder.close();
    throw new StartError(`cannot make a run's folder in the journal folder ${root}: ${describeSystemError(error)}`, undefined, { cause: error });
  }
  const path = join(root, basename(run.path));
  try {
    writeNew(run, 'journal', encodeJournalHeader());
  } catch (error) {
    rootFolder.remove(basename(path));
    throw new StartError(`cannot write a run's journal in the journal folder ${root}: ${describeSystemError(error)}`, undefined, { cause: error });
  } finally {
    run.close();
    rootFolder.close();
  }
  return {
    path,
    journalPath: join(path, 'journal'),
    writeInfo: (info) => writeRunInfo(path, `${JSON.stringify(info, null, 2)}\n`),
    remove: () => removeRunFolder(path),
  };
}

function writeNew(folder: Directory, name: string, bytes: Uint8Array): void {
  const fd = folder.createFile(name);
  try {
    writeAll(fd, bytes);
  } finally {
    closeSync(fd);
  }
}

/** run.json is written once, whole or not at all: a half-written one would only mislead a reader. */
function writeRunInfo(path: string, text: string): void {
  const folder = Directory.open(path);
  try {
    writeNew(folder, 'run.json', Buffer.from(text, 'utf8'));
  } catch (error) {
    folder.remove('run.json');
    throw new Error(describeSystemError(error), { cause: error });
  } finally {
    folder.close();
  }
}

/**
 * The root is shared by all of a user's runs and often lives in a world-writable place
 * (/dev/shm), so refuse one that another user could have planted or can write into. The checks
 * are made on the folder as opened (by its descriptor), never on a path looked at again.
 */
function openPrivateRoot(root: string): Directory {
  try {
    mkdirSync(root, { recursive: true, mode: 0o700 });
  } catch (error) {
    throw new StartError(`cannot create the journal folder ${root}: ${(error as Error).message}`, undefined, { cause: error });
  }
  let folder: Directory;
  try {
    folder = Directory.open(root);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ELOOP' || code === 'ENOTDIR') throw new StartError(`the journal folder ${root} is not a directory`, undefined, { cause: error });
    throw new StartError(`cannot open the journal folder ${root}: ${describeSystemError(error)}`, undefined, { cause: error });
  }
  const refusal = refusalOf(root, folder.stat);
  if (refusal === undefined) return folder;
  folder.close();
  throw new StartError(refusal);
}

function refusalOf(root: string, { uid, mode }: Stats): string | undefined {
  const ours = process.getuid?.();
  if (ours !== undefined && uid !== ours) return `the journal folder ${root} belongs to another user (uid ${uid})`;
  if ((mode & 0o022) !== 0) return `the journal folder ${root} is writable by others (mode ${(mode & 0o777).toString(8)}); make it 0700`;
  return undefined;
}

function isDirectory(path: string): boolean {
  try {
    return lstatSync(path).isDirectory();
  } catch {
    return false;
  }
}

/**
 * A run's folder holds files only (the journal, run.json, a compaction's temporary file): they
 * are unlinked one by one. Not rmSync's recursive walk, whose code costs every guarded run's exit
 * a few milliseconds to load; should anything else be in there, that walk removes it.
 */
function removeRunFolder(path: string): void {
  try {
    for (const name of readdirSync(path)) unlinkSync(join(path, name));
    rmdirSync(path);
  } catch {
    rmSync(path, { recursive: true, force: true });
  }
}
