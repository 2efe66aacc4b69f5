import { closeSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { CRASH_CONTEXT_FILE, crashContextProblem, JOURNAL_MAGIC, MAX_HEADER_BYTES, type CrashContext } from '@faultguard/protocol';
import { readJournal, type RescuedData } from '../data/rescued-data';
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

/** Whether the file starts like a journal (and not an autosave): decided by its magic bytes alone. */
export function isJournal(file: string): boolean {
  try {
    const fd = openRegularFile(file);
    try {
      const magic = Buffer.alloc(JOURNAL_MAGIC.length);
      return readInto(fd, magic, 0, magic.length, 0) === magic.length && magic.equals(JOURNAL_MAGIC);
    } finally {
      closeSync(fd);
    }
  } catch {
    return false; // the autosave reader will say what is wrong with it
  }
}

/** The journal's data (close() it when done), and its run's facts. */
export function openKeptJournal(file: string): KeptJournal {
  let data: RescuedData;
  try {
    data = readJournal(file);
  } catch (error) {
    throw new AutosaveError(file, 'invalid', (error as Error).message.replace(`${file}: `, ''));
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

/** run.json is only information: a field of the wrong type is left out, a broken file ignored. */
function runInfoBeside(file: string): KeptJournal['run'] {
  let info: Record<string, unknown>;
  try {
    info = JSON.parse(readFileSync(join(dirname(file), 'run.json'), 'utf8')) as Record<string, unknown>;
  } catch {
    return {};
  }
  const command = Array.isArray(info.command) && info.command.every((part) => typeof part === 'string') ? info.command.join(' ') : undefined;
  const number = (value: unknown) => (Number.isSafeInteger(value) ? (value as number) : undefined);
  return { command, pid: number(info.pid), guardPid: number(info.guardPid), started: typeof info.started === 'string' ? info.started : undefined };
}
