import { closeSync, mkdirSync, readdirSync, rmdirSync, rmSync, unlinkSync, writeFileSync, type Stats } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { CONTEXT_JOURNAL_NAME, encodeJournalHeader } from '@faultguard/protocol';
import { writeAll } from '../files/byte-io';
import { Directory } from '../files/directory';
import { describeSystemError } from '../files/system-error';
import { currentPlatform } from '../process/current-platform';
import { StartError } from '../report/start-error';

/** Where journals live: memory-backed when possible, so a write is a copy into the page cache. */
export function defaultJournalRoot(): string {
  return process.env.FAULTGUARD_JOURNAL_DIR || currentPlatform().journalRoot();
}

/** One run's private folder: the journal and what the guard writes about the run. */
export interface RunDirectory {
  readonly path: string;
  readonly journalPath: string;
  /** The context journal (SPEC §10): the client's last error and breadcrumbs. */
  readonly contextPath: string;
  /** Writes run.json; on failure (a full disk) none is left, and the error says why in words. */
  writeInfo(info: object): void;
  /** A new, empty context journal, for the program's next start. */
  resetContext(): void;
  /** The file a watchdog'd program pings (SPEC §11.3), made on first call. */
  pingFile(): string;
  remove(): void;
}

/**
 * Makes a run's folder in the journal root, with the journal's and the context journal's headers
 * in it. Everything is made through the root's descriptor, opened and checked once (no link,
 * ours, private), so nothing can be slipped in between the check and the use. Should the root's
 * file system be full, the StartError names the root and the problem, and nothing is left behind.
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
    writeNew(run, CONTEXT_JOURNAL_NAME, encodeJournalHeader());
  } catch (error) {
    rootFolder.remove(basename(path));
    throw new StartError(`cannot write a run's journal in the journal folder ${root}: ${describeSystemError(error)}`, undefined, { cause: error });
  } finally {
    run.close();
    rootFolder.close();
  }
  const contextPath = join(path, CONTEXT_JOURNAL_NAME);
  return {
    path,
    journalPath: join(path, 'journal'),
    contextPath,
    writeInfo: (info) => writeRunInfo(path, `${JSON.stringify(info, null, 2)}\n`),
    resetContext: () => {
      rmSync(contextPath, { force: true });
      inFolder(path, (folder) => writeNew(folder, CONTEXT_JOURNAL_NAME, encodeJournalHeader()));
    },
    pingFile: () => {
      const ping = join(path, 'ping');
      writeFileSync(ping, '', { mode: 0o600, flag: 'a' });
      return ping;
    },
    remove: () => removeRunFolder(path),
  };
}

/** A new file of these bytes in `folder`, made exclusively (a journal: its header only). */
function writeNew(folder: Directory, name: string, bytes: Uint8Array): void {
  const fd = folder.createFile(name);
  try {
    writeAll(fd, bytes);
  } finally {
    closeSync(fd);
  }
}

function inFolder<T>(path: string, use: (folder: Directory) => T): T {
  const folder = Directory.open(path);
  try {
    return use(folder);
  } finally {
    folder.close();
  }
}

/** run.json is written once, whole or not at all: a half-written one would only mislead a reader. */
function writeRunInfo(path: string, text: string): void {
  inFolder(path, (folder) => {
    try {
      writeNew(folder, 'run.json', Buffer.from(text, 'utf8'));
    } catch (error) {
      folder.removeFile('run.json');
      throw new Error(describeSystemError(error), { cause: error });
    }
  });
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
