import inspector from 'node:inspector';
import type { ExitRecord } from '@faultguard/protocol';
import { connect } from './data/connect';
import type { GuardedData } from './data/guarded-data';
import type { RescuedData } from './data/rescued-data';
import { autosaveOption } from './autosave/autosave-options';
import { guardAndExitLike } from './guard/exit-like';
import { guard, type GuardOptions, type RunInfo } from './guard/guard';
import type { OutputTailOptions } from './guard/output-tail';
import type { RestartRequest } from './guard/restart-policy';
import type { WatchdogOptions } from './guard/watchdog';

/**
 * The program `start()` runs in the guarded copy of this process: whatever it stores in `data`
 * outlives the process.
 *
 * @example
 * ```ts
 * const launch: Launch<string[]> = (data, files) => {
 *   for (const file of files) data.set(file, readFileSync(file, 'utf8'));
 * };
 * ```
 */
export type Launch<A> = (data: GuardedData, args: A) => unknown;

/**
 * What `start()` calls in the guard after the program ended abnormally: the data it had stored,
 * how it ended, the `args`, and the run.
 *
 * @example
 * ```ts
 * const rescue: Rescue<string[]> = (data, exit) => {
 *   console.error(`crashed: ${exit.reason} [${exit.category}]`);
 *   writeFileSync('rescued.json', JSON.stringify(data.toObject()));
 * };
 * ```
 */
export type Rescue<A> = (data: RescuedData, exit: ExitRecord, args: A, run: RunInfo) => unknown;

/**
 * How `start()` guards the program.
 *
 * @example
 * ```ts
 * const options: StartOptions<string[]> = { args: process.argv.slice(2), autosavePath: 'autosaves/', autosaveInterval: 5 };
 * ```
 */
export interface StartOptions<A> {
  /** Passed to launch and rescue. Each process computes its own: keep it deterministic. */
  readonly args?: A;
  /** Autosave file, or folder for one file per run: the data survives even the guard's death. */
  readonly autosavePath?: string;
  /** Seconds between autosaves (only when the data changed); default 10. */
  readonly autosaveInterval?: number;
  /** Folder for the run's journal (default: a memory-backed folder of this user). */
  readonly journalDir?: string;
  /**
   * When the program has ended (and any rescue has run), end this process the same way:
   * same exit code, or the same signal. Default true; false resolves with the status instead.
   */
  readonly exit?: boolean;
  /** How much of the program's output to keep for the crash context (default: 64 KiB of stderr; bytes 0: none). */
  readonly keepOutput?: OutputTailOptions;
  /** How many breadcrumbs `data.breadcrumb()` keeps (default 50). */
  readonly breadcrumbs?: number;
  /** Run `launch` again after it ends abnormally (or always), with the data as it left it: `data.resumed` (SPEC §11). */
  readonly restart?: RestartRequest;
  /** Take a launch that goes this long without `data.ping()` for hung (SPEC §11.3). */
  readonly watchdog?: WatchdogOptions;
}

/**
 * Runs `launch` in a guarded copy of this program and `rescue` here if that copy ends abnormally.
 *
 * The first call (in the process the user started) becomes the guard: it re-runs this script
 * with the same Node options and arguments and waits. In that re-run, start() finds the guard
 * through the environment and calls launch(data, args) instead. Code before start() therefore
 * runs in both processes; put the program's work in launch.
 *
 * In the guard, resolves with the status in Python faultguard's convention (the exit code, or
 * minus the signal number) when `exit: false`; by default the guard ends like the program did.
 * In the guarded process it never resolves; the process ends when launch's work is done.
 * A start the guard refuses (an autosave file that exists, say) throws a StartError.
 *
 * @example
 * ```ts
 * import { start } from 'faultguard';
 *
 * await start(
 *   (data) => {
 *     data.set('document', { title: 'Notes', text: 'typed so far' }); // returns once it is safe
 *     callIntoANativeLibraryThatMightCrash();
 *   },
 *   (data, exit) => {
 *     console.error(`crashed: ${exit.reason}`); // "segmentation fault (SIGSEGV)"
 *     saveSomewhere(data.get('document'));
 *   },
 *   { autosavePath: 'autosaves/' },
 * );
 * ```
 */
export async function start<A = undefined>(launch: Launch<A>, rescue: Rescue<A>, options: StartOptions<A> = {}): Promise<number> {
  const args = options.args as A;
  const data = connect();
  if (data) {
    await launch(data, args);
    return neverInGuardedProcess();
  }
  const script = process.argv[1];
  if (!script) throw new Error('faultguard: start() re-runs the current script under a guard; run it as `node <script>`');
  // `node --inspect app.js` means to debug the program, not its guard: free the port for it.
  if (inspector.url()) inspector.close();
  const guarded: GuardOptions = {
    command: process.execPath,
    args: [...process.execArgv, ...process.argv.slice(1)],
    journalRoot: options.journalDir,
    autosave: autosaveOption(options.autosavePath, options.autosaveInterval),
    rescue: (rescued, exit, run) => rescue(rescued, exit, args, run),
    keepOutput: options.keepOutput,
    breadcrumbs: options.breadcrumbs,
    restart: options.restart,
    watchdog: options.watchdog,
  };
  if (options.exit !== false) return guardAndExitLike(guarded);
  return (await guard(guarded)).exit.status;
}

/**
 * A promise that stays pending, as Python's start() never returns in the guarded process.
 * An ES module awaiting it at top level would otherwise end with Node's "unsettled top-level
 * await" status 13, which the guard would take for a crash; exiting explicitly once the event
 * loop is empty keeps the program's own status.
 */
function neverInGuardedProcess(): Promise<never> {
  process.once('beforeExit', () => process.exit(process.exitCode ?? 0));
  return new Promise<never>(() => undefined);
}
