import { formatDuration, isAbnormal, MAX_ENDS, type CrashContext, type ExitRecord, type RunEnd } from '@faultguard/protocol';
import { claimAutosaveTarget } from '../autosave/autosave-claim';
import { Autosaver } from '../autosave/autosaver';
import { readJournal } from '../data/rescued-data';
import { checkPlatformForStart } from '../process/current-platform';
import { resolveCommand } from '../process/resolve-command';
import { checkXz } from '../process/xz';
import { stderrLog, type Log } from '../report/log';
import { StartError } from '../report/start-error';
import { Status } from '../report/status';
import { handleCrash, type Handled } from './crash-handling';
import type { GuardOptions, GuardResult } from './guard-options';
import { runProgram, type ProgramEnd } from './program-run';
import { decideRestart, restartOptions, type End } from './restart-policy';
import { prepareRestart } from './restart-run';
import { createRunDirectory, defaultJournalRoot, type RunDirectory } from './run-directory';
import { SignalRelay } from './signal-relay';

export { RescueFailure, type GuardOptions, type GuardResult, type RescueHandler, type RunInfo } from './guard-options';

/**
 * Runs one program under a guard and returns once its exit has been handled. Throws a
 * StartError, with its status (125 the guard's trouble, 126/127 the command's), when the
 * program could not be started; nothing is left behind then. Any program can be guarded; one
 * with a Faultguard client (`connect()`, the Python client) stores its data through the guard.
 *
 * @example
 * ```ts
 * import { guard } from 'faultguard';
 *
 * const { exit } = await guard({
 *   command: 'node',
 *   args: ['worker.js'],
 *   rescue: (data, exit) => console.error(`worker ${exit.reason}; it had stored ${data.size} values`),
 * });
 * process.exitCode = exit.code ?? 1;
 * ```
 */
export async function guard(options: GuardOptions): Promise<GuardResult> {
  checkPlatformForStart();
  const log = options.log ?? stderrLog();
  const cwd = options.cwd ?? process.cwd();
  const relay = new SignalRelay();
  try {
    return await supervise(options, cwd, log, relay);
  } finally {
    relay.stop();
  }
}

/** The checks before the first start, and what they make: the run folder, the autosave's claim. */
function prepare(options: GuardOptions, cwd: string, log: Log): { executable: string; run: RunDirectory; autosaver: Autosaver | undefined } {
  const executable = preflight(() => resolveCommand(options.command, cwd));
  if (options.autosave) preflight(checkXz);
  const run = preflight(() => createRunDirectory(options.journalRoot ?? defaultJournalRoot()));
  try {
    const autosaver = options.autosave && new Autosaver(preflight(() => claimAutosaveTarget(options.autosave!.path)), options.autosave.intervalSeconds, log);
    return { executable, run, autosaver: autosaver || undefined };
  } catch (error) {
    run.remove();
    throw error;
  }
}

/**
 * Starts the program, handles its end, and, when asked to (SPEC §11), starts it again with its
 * data as it left it, until it ends in a way that is not restarted: then the result is the
 * last end's.
 */
async function supervise(options: GuardOptions, cwd: string, log: Log, relay: SignalRelay): Promise<GuardResult> {
  const { executable, run, autosaver } = prepare(options, cwd, log);
  const command = [options.command, ...options.args];
  const ends: End[] = [];
  let resumeFile: string | undefined;
  for (let restarts = 0; ; restarts++) {
    let end: ProgramEnd;
    try {
      end = await runProgram({ executable, options, cwd, run, relay, resumeFile }, (pid) => {
        try {
          run.writeInfo({ guardPid: process.pid, pid, command, cwd, started: new Date().toISOString(), ...(restarts > 0 && { restarts }) });
        } catch (error) {
          log(`cannot write run.json in ${run.path}: ${(error as Error).message}`, 'error'); // the run itself goes on
        }
        autosaver?.start({ journalPath: run.journalPath, programPid: pid, command, cwd });
        if (restarts === 0) options.onStart?.(pid);
      });
    } catch (error) {
      if (restarts === 0) {
        await autosaver?.discard();
        run.remove();
        throw error;
      }
      // The program cannot be started again (removed meanwhile?): the last end stands.
      log(`${command.join(' ')} cannot be started again: ${(error as Error).message}`, 'error');
      return finish(ends.at(-1)!.exit, await finalize(autosaver, ends.at(-1)!.exit, undefined, false), run, restarts - 1);
    }
    ends.push({ exit: end.exit, started: end.started, ended: end.ended });
    const abnormal = isAbnormal(end.exit);
    const decision = options.restart ? decideRestart(restartOptions(options.restart), ends, abnormal, relay.stopRequested) : undefined;
    const restartIn = decision?.restart ? decision.delaySeconds : undefined;
    const restarting = restartIn === undefined ? undefined : `restarting in ${formatSeconds(restartIn)} (restart ${restarts + 1})`;
    autosaver?.recordHistory(restarts, ends.slice(-MAX_ENDS).map(asRunEnd));
    if (!abnormal && restartIn === undefined) {
      await Promise.all([end.flushed(), autosaver?.discard()]);
      run.remove();
      return { exit: end.exit, rescued: false, ...(restarts > 0 && { restarts }) };
    }
    // No new periodic save while the last output comes in: the end is recorded next.
    autosaver?.holdSaves();
    // The guard speaks only once the program's last relayed words have been passed on.
    const quietLog: Log = (message, level) => void end.flushed().then(() => log(message, level));
    let handled: Handled;
    if (abnormal) {
      handled = await handleCrash({ run, exit: end.exit, context: end.context, info: { command, pid: end.pid, journalPath: run.journalPath, restarts, restarting: restartIn !== undefined }, rescue: options.rescue, autosaver, log: quietLog, restarting });
    } else {
      quietLog(`${command.join(' ')} ${end.exit.reason}; ${restarting}`, 'info');
      handled = { rescued: false, saved: false, kept: false, intactBytes: intactBytesOf(run), settled: Promise.resolve() };
    }
    await end.flushed();
    if (restartIn === undefined) {
      if (options.restart && decision && !decision.restart) log(`not starting ${command.join(' ')} again: ${decision.why}`, 'error');
      return finish(end.exit, handled, run, restarts);
    }
    if (handled.intactBytes === undefined) {
      log(`not starting ${command.join(' ')} again: its journal cannot be read`, 'error');
      return finish(end.exit, await finalize(autosaver, end.exit, end.context, handled.rescued, handled.settled), run, restarts);
    }
    // Waits out the backoff, unless asked to stop meanwhile: then this end is the last.
    const stopped = await Promise.race([relay.stopped().then(() => true), sleep(restartIn).then(() => false)]);
    if (stopped) {
      log(`not starting ${command.join(' ')} again: the guard was asked to stop`, 'info');
      return finish(end.exit, await finalize(autosaver, end.exit, end.context, handled.rescued, handled.settled), run, restarts);
    }
    resumeFile = prepareRestart(run, handled.intactBytes, restarts + 1, ends.slice(-MAX_ENDS).map(asRunEnd), end.context);
    autosaver?.recordHistory(restarts + 1, ends.slice(-MAX_ENDS).map(asRunEnd));
  }
}

/** The result of the last end; the run folder goes unless it holds the only copy of the data. */
function finish(exit: ExitRecord, handled: Pick<Handled, 'rescued' | 'kept'>, run: RunDirectory, restarts: number): GuardResult {
  const extra = restarts > 0 ? { restarts } : {};
  if (handled.kept) return { exit, rescued: handled.rescued, keptAt: run.path, ...extra };
  run.remove();
  return { exit, rescued: handled.rescued, ...extra };
}

/**
 * The restart that the last save announced is not coming: the autosave records the end as the
 * last, and says whether it now holds the data (else the run folder must be kept).
 */
async function finalize(autosaver: Autosaver | undefined, exit: ExitRecord, context: CrashContext | undefined, rescued: boolean, settled: Promise<unknown> = Promise.resolve()): Promise<Pick<Handled, 'rescued' | 'kept'>> {
  await settled;
  const saved = autosaver ? await autosaver.finish(exit, undefined, context) : false;
  return { rescued, kept: !rescued && !saved };
}

/** After a clean end that is restarted (`always`): how much of the journal is intact. */
function intactBytesOf(run: RunDirectory): number | undefined {
  try {
    const data = readJournal(run.journalPath);
    data.close();
    return data.end;
  } catch {
    return undefined;
  }
}

function asRunEnd(end: End): RunEnd {
  return { exit: end.exit, started: new Date(end.started).toISOString(), ended: new Date(end.ended).toISOString() };
}

function sleep(seconds: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, seconds * 1000));
}

/** "0.1 s", "2 s", "30 s". */
function formatSeconds(seconds: number): string {
  return seconds < 10 ? `${Number(seconds.toPrecision(2))} s` : formatDuration(seconds);
}

/** A check before the program starts: whatever goes wrong is a StartError (the guard's trouble, unless it says otherwise). */
function preflight<T>(step: () => T): T {
  try {
    return step();
  } catch (error) {
    if (error instanceof StartError) throw error;
    throw new StartError((error as Error).message, Status.guardFailed, { cause: error });
  }
}
