// What guard() takes and gives: the options of a guarded run, what a rescue receives, the result.
import type { ExitRecord } from '@faultguard/protocol';
import type { RescuedData } from '../data/rescued-data';
import type { Log } from '../report/log';
import type { OutputTailOptions } from './output-tail';
import type { RestartRequest } from './restart-policy';
import type { WatchdogOptions } from './watchdog';

/**
 * The run a rescue is about.
 *
 * @example
 * ```ts
 * const rescue: RescueHandler = (data, exit, run) => {
 *   console.error(`${run.command.join(' ')} (pid ${run.pid}) ${exit.reason}; journal: ${run.journalPath}`);
 * };
 * ```
 */
export interface RunInfo {
  /** The command line as given. */
  readonly command: readonly string[];
  /** The program's PID. */
  readonly pid: number;
  /** The run's journal: it stays until the rescue has returned (and is kept if it throws). */
  readonly journalPath: string;
  /** After a crash: the crash context as JSON (SPEC §10.6), when the guard knows anything of it. */
  readonly contextFile?: string;
  /** How many times the program has been started again before this end. */
  readonly restarts: number;
  /** Whether the guard will start it again after this rescue. */
  readonly restarting: boolean;
}

/**
 * What `guard()` calls after an abnormal end, in the guard, with everything the program had
 * stored. What it returns (or resolves) is waited for; a throw is a failed rescue: the journal
 * is kept and the guard says where.
 *
 * @example
 * ```ts
 * const rescue: RescueHandler = async (data, exit) => {
 *   await writeFile('rescued.json', JSON.stringify({ exit, values: data.toObject() }));
 * };
 * ```
 */
export type RescueHandler = (data: RescuedData, exit: ExitRecord, run: RunInfo) => unknown;

/**
 * What `guard()` runs, and how.
 *
 * @example
 * ```ts
 * const options: GuardOptions = { command: 'python3', args: ['app.py'], autosave: { path: 'autosaves/', intervalSeconds: 10 } };
 * ```
 */
export interface GuardOptions {
  /** The program: a path, or a name looked up in PATH. */
  readonly command: string;
  /** Its arguments. */
  readonly args: readonly string[];
  /** Its working directory (default: this process's). */
  readonly cwd?: string;
  /** Folder for run directories; defaults to a memory-backed folder of this user. */
  readonly journalRoot?: string;
  /** Called after an abnormal exit with everything the program had stored. */
  readonly rescue?: RescueHandler;
  /** Keep a compressed copy of the data in a file (or one file per run in a folder). */
  readonly autosave?: {
    /** The file, or a folder for one file per run (a path ending in "/" is created). */
    readonly path: string;
    /** Seconds between saves, when the data changed. */
    readonly intervalSeconds: number;
  };
  /** Where the guard reports what it did (default: stderr, prefixed "faultguard: "). */
  readonly log?: Log;
  /** Called once the program runs: every reason not to start it has been ruled out. */
  readonly onStart?: (pid: number) => void;
  /** How much of the program's output to keep for the crash context (default: 64 KiB of stderr). */
  readonly keepOutput?: OutputTailOptions;
  /** How many breadcrumbs the program's client keeps (default 50). */
  readonly breadcrumbs?: number;
  /**
   * Start the program again after it ends (SPEC §11): `on-failure` after an abnormal end, `always`
   * after any end but one the guard was asked for (SIGTERM, Ctrl-C). The next run finds the data
   * as the last one left it, and `data.resumed` says how that one ended.
   */
  readonly restart?: RestartRequest;
  /** Kill (and rescue, and restart) a program that goes this long without `data.ping()` (SPEC §11.3). */
  readonly watchdog?: WatchdogOptions;
}

/**
 * How a guarded run ended, and what became of its data.
 *
 * @example
 * ```ts
 * const { exit, rescued, keptAt } = await guard({ command: './app', args: [] });
 * if (keptAt) console.error(`${exit.reason}; the data is kept in ${keptAt}`);
 * ```
 */
export interface GuardResult {
  /** How the program ended. */
  readonly exit: ExitRecord;
  /** A rescue handler ran and returned (after the last end). */
  readonly rescued: boolean;
  /** How many times the program was started again. */
  readonly restarts?: number;
  /** The run directory left behind because nothing took the data (no handler, or it failed). */
  readonly keptAt?: string;
}

/** A rescue failure whose message says it all: reported without a stack trace. */
export class RescueFailure extends Error {
  override readonly name = 'RescueFailure';
}
