import { spawn, type StdioOptions } from 'node:child_process';
import { describeExit, ENV_JOURNAL, ENV_PROTOCOL, isAbnormal, PROTOCOL_VERSION, type ExitRecord } from '@faultguard/protocol';
import { resolveAutosaveTarget } from '../autosave/autosave-target';
import { Autosaver } from '../autosave/autosaver';
import { describeDamage, readJournal, type RescuedData } from '../data/rescued-data';
import { inheritedDescriptors } from './inherited-descriptors';
import { resolveCommand } from './resolve-command';
import { createRunDirectory, defaultJournalRoot, type RunDirectory } from './run-directory';
import { forwardSignals } from './signal-forwarding';

export interface RunInfo {
  /** The command line as given. */
  readonly command: readonly string[];
  readonly pid: number;
  readonly journalPath: string;
}

export type RescueHandler = (data: RescuedData, exit: ExitRecord, run: RunInfo) => unknown;

export interface GuardOptions {
  readonly command: string;
  readonly args: readonly string[];
  readonly cwd?: string;
  /** Folder for run directories; defaults to a memory-backed folder of this user. */
  readonly journalRoot?: string;
  /** Called after an abnormal exit with everything the program had stored. */
  readonly rescue?: RescueHandler;
  /** Keep a compressed copy of the data in a file (or one file per run in a folder). */
  readonly autosave?: { readonly path: string; readonly intervalSeconds: number };
  /** Where the guard reports what it did; "faultguard: " is prefixed. */
  readonly log?: (message: string) => void;
}

export interface GuardResult {
  readonly exit: ExitRecord;
  /** A rescue handler ran and returned. */
  readonly rescued: boolean;
  /** The run directory left behind because nothing took the data (no handler, or it failed). */
  readonly keptAt?: string;
}

/** Thrown before the program starts; `exitCode` follows env(1): 125 guard trouble, 126/127 command. */
export class GuardStartError extends Error {
  constructor(
    message: string,
    readonly exitCode: number,
  ) {
    super(message);
  }
}

/** Runs one program under a guard and returns once its exit has been handled. */
export async function guard(options: GuardOptions): Promise<GuardResult> {
  const log = options.log ?? ((message: string) => process.stderr.write(`faultguard: ${message}\n`));
  const cwd = options.cwd ?? process.cwd();
  const executable = preflight(() => resolveCommand(options.command, cwd));
  const autosavePath = options.autosave && preflight(() => resolveAutosaveTarget(options.autosave!.path));
  const run = preflight(() => createRunDirectory(options.journalRoot ?? defaultJournalRoot()));
  const commandLine = [options.command, ...options.args];

  const child = spawn(executable, options.args, {
    cwd,
    argv0: options.command,
    stdio: childStdio(),
    env: childEnvironment(run.journalPath),
  });
  const stopForwarding = forwardSignals(child);
  let autosaver: Autosaver | undefined;
  let exit: ExitRecord;
  try {
    const pid = await new Promise<number>((resolve, reject) => {
      child.once('spawn', () => resolve(child.pid ?? 0));
      child.once('error', reject);
    });
    try {
      run.writeInfo({ guardPid: process.pid, pid, command: commandLine, cwd, started: new Date().toISOString() });
    } catch (error) {
      log(`cannot write run.json in ${run.path}: ${(error as Error).message}`); // the run itself goes on
    }
    if (autosavePath) {
      autosaver = new Autosaver(autosavePath, options.autosave!.intervalSeconds, { journalPath: run.journalPath, programPid: pid, command: commandLine, cwd }, log);
      autosaver.start();
    }
    exit = await new Promise<ExitRecord>((resolve) => child.once('exit', (code, signal) => resolve(describeExit(code, signal))));
  } catch (error) {
    run.remove();
    throw new GuardStartError(`cannot start ${options.command}: ${(error as Error).message}`, 126);
  } finally {
    stopForwarding();
  }

  if (!isAbnormal(exit)) {
    await autosaver?.discard();
    run.remove();
    return { exit, rescued: false };
  }
  const info: RunInfo = { command: commandLine, pid: child.pid ?? 0, journalPath: run.journalPath };
  return handleCrash(run, exit, info, options.rescue, autosaver, log);
}

async function handleCrash(
  run: RunDirectory,
  exit: ExitRecord,
  info: RunInfo,
  rescue: RescueHandler | undefined,
  autosaver: Autosaver | undefined,
  log: (message: string) => void,
): Promise<GuardResult> {
  const kept = { exit, rescued: false, keptAt: run.path };
  let data: RescuedData;
  try {
    data = readJournal(run.journalPath);
  } catch (error) {
    log(`${(error as Error).message}; the run directory is kept: ${run.path}`);
    await autosaver?.finish(exit, undefined);
    return kept;
  }
  if (data.damage) log(describeDamage(run.journalPath, data.damage));
  // On disk before the rescue runs: the rescue may crash too, or take its time.
  const saved = (await autosaver?.finish(exit, data)) === true;
  const ended = `${info.command.join(' ')} ${exit.reason}`;
  const values = `${data.size} value${data.size === 1 ? '' : 's'}`;
  if (!rescue) {
    if (!saved) {
      log(`${ended}; ${values} kept in ${run.journalPath}`);
      return kept;
    }
    // The autosave holds it all, on disk: no need to hold it in memory as well.
    log(`${ended}; ${values} saved in ${autosaver!.path}`);
    run.remove();
    return { exit, rescued: false };
  }
  try {
    await rescue(data, exit, info);
  } catch (error) {
    log(`${ended}; the rescue of its ${values} failed: ${(error as Error)?.stack ?? error}\nThe data is kept in ${run.journalPath}`);
    return kept;
  }
  run.remove();
  return { exit, rescued: true };
}

function preflight<T>(step: () => T): T {
  try {
    return step();
  } catch (error) {
    const code = (error as { exitCode?: number }).exitCode ?? 125;
    throw new GuardStartError((error as Error).message, code);
  }
}

/** stdin, stdout, stderr and every descriptor our parent meant the program to have. */
function childStdio(): StdioOptions {
  const passed = new Set(inheritedDescriptors());
  const highest = Math.max(2, ...passed);
  return Array.from({ length: highest + 1 }, (_, fd) => (fd <= 2 ? 'inherit' : passed.has(fd) ? fd : 'ignore'));
}

function childEnvironment(journalPath: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, [ENV_JOURNAL]: journalPath, [ENV_PROTOCOL]: PROTOCOL_VERSION };
  // An IPC channel to our parent is ours, not the program's.
  delete env.NODE_CHANNEL_FD;
  delete env.NODE_CHANNEL_SERIALIZATION_MODE;
  return env;
}
