import { closeSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { CRASH_CONTEXT_FILE, crashContextProblem, JOURNAL_MAGIC, MAX_HEADER_BYTES, type CrashContext } from '@faultguard/protocol';
import { RescuedData } from '../data/rescued-data';
import { readInto } from '../files/byte-io';
import { openRegularFile, readRegularFileStart } from '../files/regular-file';
import { AutosaveError } from './autosave-error';

/**
 * A run's journal that its guard kept (no rescue and no autosave, a failed rescue, a guard that
 * was killed): `inspect` and `recover` read it as they read autosaves, so every place where
 * Faultguard leaves data can be looked at and emptied with the same commands.
 */
export interface KeptJournal {
  readonly file: string;
  readonly data: RescuedData;
  /** What the guard wrote in run.json beside it, when it is there. */
  readonly run: { readonly command?: string; readonly pid?: number; readonly guardPid?: number; readonly started?: string };
}

/** run.json is a few lines; what is beyond this is not read (and makes it no JSON). */
const MAX_RUN_INFO_BYTES = 1024 * 1024;

/**
 * The journal at `file` (close() its data when done) and its run's facts; undefined when the
 * file does not start like a journal, or cannot be opened (the autosave reader then says what
 * it is). The journal is opened once, as autosaves are (a regular file, not through a link,
 * never blocking), and read from that descriptor: what was checked is what is read.
 */
export function openKeptJournal(file: string): KeptJournal | undefined {
  let fd: number;
  try {
    fd = openRegularFile(file).fd;
  } catch {
    return undefined;
  }
  let data: RescuedData;
  try {
    const magic = Buffer.alloc(JOURNAL_MAGIC.length);
    if (readInto(fd, magic, 0, magic.length, 0) !== magic.length || !magic.equals(JOURNAL_MAGIC)) {
      closeSync(fd);
      return undefined;
    }
    data = RescuedData.fromFile(fd);
  } catch (error) {
    closeSync(fd);
    throw new AutosaveError(file, 'invalid', (error as Error).message);
  }
  data.context = contextBeside(file);
  return { file, data, run: runInfoBeside(file) };
}

/** The crash context the guard wrote beside the journal (SPEC §10.6), if it is there and sound. */
function contextBeside(file: string): CrashContext | undefined {
  const bytes = readRegularFileStart(join(dirname(file), CRASH_CONTEXT_FILE), MAX_HEADER_BYTES);
  if (!bytes) return undefined;
  try {
    const context = JSON.parse(bytes.toString('utf8')) as unknown;
    return crashContextProblem(context) === undefined ? (context as CrashContext) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * run.json is only information: a field of the wrong type is left out, a broken file ignored.
 * Read as the journal is (a link there, to /etc/shadow say, is not followed; a FIFO does not
 * block), since anyone who can write the run's folder could have put anything there.
 */
function runInfoBeside(file: string): KeptJournal['run'] {
  const bytes = readRegularFileStart(join(dirname(file), 'run.json'), MAX_RUN_INFO_BYTES);
  let info: unknown;
  try {
    info = JSON.parse(bytes?.toString('utf8') ?? '');
  } catch {
    return {};
  }
  if (typeof info !== 'object' || info === null) return {};
  const { command: words, pid, guardPid, started } = info as Record<string, unknown>;
  const command = Array.isArray(words) && words.every((part) => typeof part === 'string') ? words.join(' ') : undefined;
  const number = (value: unknown) => (Number.isSafeInteger(value) ? (value as number) : undefined);
  return { command, pid: number(pid), guardPid: number(guardPid), started: typeof started === 'string' ? started : undefined };
}
