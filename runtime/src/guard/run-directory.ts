import { closeSync, lstatSync, mkdirSync, mkdtempSync, openSync, readdirSync, rmdirSync, rmSync, unlinkSync, writeFileSync, writeSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { CONTEXT_JOURNAL_NAME, encodeJournalHeader } from '@faultguard/protocol';
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
  writeInfo(info: object): void;
  /** A new, empty context journal, for the program's next start. */
  resetContext(): void;
  /** The file a watchdog'd program pings (SPEC §11.3), made on first call. */
  pingFile(): string;
  remove(): void;
}

export function createRunDirectory(relativeRoot: string, now = new Date()): RunDirectory {
  // The journal path is handed to a program that may change directory: make it absolute.
  const root = resolve(relativeRoot);
  ensurePrivateRoot(root);
  const stamp = now.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
  const path = mkdtempSync(join(root, `run-${stamp}-${process.pid}-`));
  const journalPath = join(path, 'journal');
  const contextPath = join(path, CONTEXT_JOURNAL_NAME);
  createJournal(journalPath);
  createJournal(contextPath);
  return {
    path,
    journalPath,
    contextPath,
    writeInfo: (info) => writeFileSync(join(path, 'run.json'), `${JSON.stringify(info, null, 2)}\n`, { mode: 0o600 }),
    resetContext: () => {
      rmSync(contextPath, { force: true });
      createJournal(contextPath);
    },
    pingFile: () => {
      const ping = join(path, 'ping');
      writeFileSync(ping, '', { mode: 0o600, flag: 'a' });
      return ping;
    },
    remove: () => removeRunFolder(path),
  };
}

/** A new, empty journal: the header only, made exclusively. */
function createJournal(path: string): void {
  const fd = openSync(path, 'wx', 0o600);
  try {
    writeSync(fd, encodeJournalHeader());
  } finally {
    closeSync(fd);
  }
}

/**
 * The root is shared by all of a user's runs and often lives in a world-writable place
 * (/dev/shm), so refuse one that another user could have planted or can write into.
 */
function ensurePrivateRoot(root: string): void {
  try {
    mkdirSync(root, { recursive: true, mode: 0o700 });
  } catch (error) {
    throw new StartError(`cannot create the journal folder ${root}: ${(error as Error).message}`, undefined, { cause: error });
  }
  const stat = lstatSync(root);
  if (!stat.isDirectory()) throw new StartError(`the journal folder ${root} is not a directory`);
  const uid = process.getuid?.();
  if (uid !== undefined && stat.uid !== uid) {
    throw new StartError(`the journal folder ${root} belongs to another user (uid ${stat.uid})`);
  }
  if ((stat.mode & 0o022) !== 0) {
    throw new StartError(`the journal folder ${root} is writable by others (mode ${(stat.mode & 0o777).toString(8)}); make it 0700`);
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
