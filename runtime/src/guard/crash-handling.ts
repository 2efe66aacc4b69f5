import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { countOf, CRASH_CONTEXT_FILE, type CrashContext, type ExitRecord } from '@faultguard/protocol';
import type { Autosaver } from '../autosave/autosaver';
import { describeDamage, readJournal, type RescuedData } from '../data/rescued-data';
import type { Log } from '../report/log';
import { RescueFailure, type RescueHandler, type RunInfo } from './guard-options';
import type { RunDirectory } from './run-directory';

/** Everything the guard knows when the program has ended abnormally. */
export interface Crash {
  readonly run: RunDirectory;
  readonly exit: ExitRecord;
  readonly context: CrashContext | undefined;
  readonly info: Omit<RunInfo, 'contextFile'>;
  readonly rescue: RescueHandler | undefined;
  readonly autosaver: Autosaver | undefined;
  readonly log: Log;
  /** A restart follows: the run folder stays, and the guard says so instead of where the data is. */
  readonly restarting: string | undefined;
}

/** What became of the data of an abnormal end. */
export interface Handled {
  /** A rescue handler ran and returned. */
  readonly rescued: boolean;
  /** The autosave holds the final data. */
  readonly saved: boolean;
  /** Nothing took the data: it stays in the run folder, which must be kept. */
  readonly kept: boolean;
  /** Where the journal's last intact record ends (what a restarted program goes on from); undefined when it could not be read. */
  readonly intactBytes: number | undefined;
  /** Resolves once the final autosave is written (a restart does not wait for it). */
  readonly settled: Promise<unknown>;
}

/**
 * Hands the data of an abnormal end to the rescue and the final autosave (side by side: the
 * rescue starts at once, compressing a large state takes time), writes crash-context.json, and
 * says what became of the data. The run folder is removed here only at the last end.
 */
export async function handleCrash(crash: Crash): Promise<Handled> {
  const { run, exit, context, autosaver, log, restarting } = crash;
  const contextFile = context && writeContextFile(run, context, log);
  let data: RescuedData;
  try {
    data = readJournal(run.journalPath);
  } catch (error) {
    log(`${(error as Error).message}; the run directory is kept: ${run.path}`, 'error');
    await autosaver?.finish(exit, undefined, context);
    return { rescued: false, saved: false, kept: true, intactBytes: undefined, settled: Promise.resolve() };
  }
  data.context = context;
  if (data.damage) log(describeDamage(run.journalPath, data.damage), 'error');
  const ended = `${crash.info.command.join(' ')} ${exit.reason}`;
  const values = countOf(data.size, 'value');
  const nothingStored = data.size === 0 && !data.damage;
  const saving = nothingStored && !restarting ? autosaver?.discard().then(() => false) : autosaver?.finish(exit, data, context, restarting !== undefined);
  // The values are read from the journal while the final save compresses them.
  const settled = Promise.resolve(saving).finally(() => data.close());
  const info: RunInfo = { ...crash.info, ...(contextFile && { contextFile }) };
  let rescued = false;
  if (crash.rescue) {
    try {
      await crash.rescue(data, exit, info);
      rescued = true;
    } catch (error) {
      const why = error instanceof RescueFailure ? error.message : ((error as Error)?.stack ?? String(error));
      log(`${ended}; the rescue of its ${values} failed: ${why}\nThe data is kept in ${run.journalPath} (faultguard inspect or recover reads it)`, 'error');
    }
  }
  if (restarting) {
    log(`${ended}; ${values} kept for the next start, ${restarting}`, 'info');
    return { rescued, saved: false, kept: false, intactBytes: data.end, settled };
  }
  const saved = (await saving) === true;
  if (!crash.rescue) {
    if (nothingStored) log(`${ended}; it had stored no data`, 'info');
    // The autosave holds it all, on disk: no need to hold it in memory as well.
    else if (saved) log(`${ended}; ${values} saved in ${autosaver!.path} (to get them back: faultguard recover ${autosaver!.path} --out <folder>)`, 'info');
    else log(`${ended}; ${values} kept in ${run.journalPath} (to get them back: faultguard recover ${run.journalPath} --out <folder>)`, 'info');
  }
  const kept = crash.rescue ? !rescued : !nothingStored && !saved;
  return { rescued, saved, kept, intactBytes: data.end, settled };
}

/** The context beside the journal, as JSON: for --on-crash, and for whoever reads a kept run. */
function writeContextFile(run: RunDirectory, context: CrashContext, log: Log): string | undefined {
  const file = join(run.path, CRASH_CONTEXT_FILE);
  try {
    writeFileSync(file, `${JSON.stringify(context, null, 2)}\n`, { mode: 0o600, flag: 'wx' });
    return file;
  } catch (error) {
    log(`cannot write the crash context to ${file}: ${(error as Error).message}`, 'error');
    return undefined;
  }
}
