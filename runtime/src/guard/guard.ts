import { spawn, type ChildProcess, type StdioOptions } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  countOf, CRASH_CONTEXT_FILE, describeExit, describeOomKill, ENV_BREADCRUMBS, ENV_CONTEXT, ENV_JOURNAL, ENV_PROTOCOL, isAbnormal, PROTOCOL_VERSION, type CrashContext, type ExitRecord,
} from '@faultguard/protocol';
import { claimAutosaveTarget } from '../autosave/autosave-claim';
import { Autosaver } from '../autosave/autosaver';
import { describeDamage, readJournal, type RescuedData } from '../data/rescued-data';
import { inheritedDescriptors } from '../process/inherited-descriptors';
import { checkPlatformForStart } from '../process/current-platform';
import { oomEvidence, watchOom, type OomWatch } from '../process/oom-evidence';
import { processStartTime } from '../process/process-identity';
import { resolveCommand } from '../process/resolve-command';
import { checkXz } from '../process/xz';
import { stderrLog, type Log } from '../report/log';
import { StartError } from '../report/start-error';
import { Status } from '../report/status';
import { collectCrashContext } from './crash-context';
import { DEFAULT_OUTPUT_TAIL, OutputTail, type OutputTailOptions } from './output-tail';
import { createRunDirectory, defaultJournalRoot, type RunDirectory } from './run-directory';
import { SignalRelay } from './signal-relay';

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
  /** A rescue handler ran and returned. */
  readonly rescued: boolean;
  /** The run directory left behind because nothing took the data (no handler, or it failed). */
  readonly keptAt?: string;
}

/** A rescue failure whose message says it all: reported without a stack trace. */
export class RescueFailure extends Error {
  override readonly name = 'RescueFailure';
}

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
    return await runGuarded(options, cwd, log, relay);
  } finally {
    relay.stop();
  }
}

async function runGuarded(options: GuardOptions, cwd: string, log: Log, relay: SignalRelay): Promise<GuardResult> {
  const executable = preflight(() => resolveCommand(options.command, cwd));
  if (options.autosave) preflight(checkXz);
  const run = preflight(() => createRunDirectory(options.journalRoot ?? defaultJournalRoot()));
  let autosaver: Autosaver | undefined;
  try {
    if (options.autosave) autosaver = new Autosaver(preflight(() => claimAutosaveTarget(options.autosave!.path)), options.autosave.intervalSeconds, log);
  } catch (error) {
    run.remove();
    throw error;
  }
  const command = [options.command, ...options.args];

  const cannotStart = async (error: Error): Promise<never> => {
    await autosaver?.discard();
    run.remove();
    throw new StartError(`cannot start ${options.command}: ${error.message}`, Status.cannotRun, { cause: error });
  };
  const output = new OutputTail(options.keepOutput ?? DEFAULT_OUTPUT_TAIL, run.path);
  let program: ChildProcess;
  try {
    program = spawn(executable, options.args, { cwd, argv0: options.command, stdio: childStdio(output), env: childEnvironment(run, options.breadcrumbs) });
  } catch (error) {
    return cannotStart(error as Error); // refused outright (E2BIG: arguments too long)
  } finally {
    output.attach(); // the program has its end of every relayed pipe, or never will
  }
  const ending = exited(program); // listening from the start: a program may end at once
  const pid = await spawned(program).catch(cannotStart);
  relay.attach(program);
  const oom = watchOom(pid, processStartTime(pid));
  try {
    run.writeInfo({ guardPid: process.pid, pid, command, cwd, started: new Date().toISOString() });
  } catch (error) {
    log(`cannot write run.json in ${run.path}: ${(error as Error).message}`, 'error'); // the run itself goes on
  }
  autosaver?.start({ journalPath: run.journalPath, programPid: pid, command, cwd });
  options.onStart?.(pid);
  const ended = await ending;
  relay.detach();
  if (!isAbnormal(ended)) {
    await Promise.all([output.flushed(), autosaver?.discard()]);
    run.remove();
    return { exit: ended, rescued: false };
  }
  // No new periodic save while the last output comes in: the end is recorded next.
  autosaver?.holdSaves();
  const { exit, context } = judgeCrash(ended, run, await output.tails(), oom);
  const contextFile = context && writeContextFile(run, context, log);
  // The guard speaks only once the program's last relayed words have been passed on.
  const quietLog: Log = (message, level) => void output.flushed().then(() => log(message, level));
  const result = await handleCrash({ run, exit, context, info: { command, pid, journalPath: run.journalPath, ...(contextFile && { contextFile }) }, rescue: options.rescue, autosaver, log: quietLog });
  await output.flushed();
  return result;
}

/** How the program ended, in full: the kernel's OOM killer named where it is known to have killed it, and the crash context. */
function judgeCrash(ended: ExitRecord, run: RunDirectory, output: Awaited<ReturnType<OutputTail['tails']>>, oom: OomWatch): { exit: ExitRecord; context: CrashContext | undefined } {
  const evidence = ended.signal === 'SIGKILL' ? oomEvidence(oom) : undefined;
  const context = collectCrashContext({ runFolder: run.path, contextJournal: run.contextPath, output, oomEvidence: evidence });
  return { exit: evidence === undefined ? ended : describeOomKill(ended), context };
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

function spawned(child: ChildProcess): Promise<number> {
  return new Promise((resolve, reject) => {
    child.once('spawn', () => resolve(child.pid ?? 0));
    child.once('error', reject);
  });
}

function exited(child: ChildProcess): Promise<ExitRecord> {
  return new Promise((resolve) => child.once('exit', (code, signal) => resolve(describeExit(code, signal))));
}

/** Everything the guard knows when the program has ended abnormally. */
interface Crash {
  readonly run: RunDirectory;
  readonly exit: ExitRecord;
  readonly context: CrashContext | undefined;
  readonly info: RunInfo;
  readonly rescue: RescueHandler | undefined;
  readonly autosaver: Autosaver | undefined;
  readonly log: Log;
}

async function handleCrash(crash: Crash): Promise<GuardResult> {
  const { run, exit, context, autosaver, log } = crash;
  const kept = { exit, rescued: false, keptAt: run.path };
  let data: RescuedData;
  try {
    data = readJournal(run.journalPath);
  } catch (error) {
    log(`${(error as Error).message}; the run directory is kept: ${run.path}`, 'error');
    await autosaver?.finish(exit, undefined, context);
    return kept;
  }
  data.context = context;
  try {
    return await handOver(data, crash);
  } finally {
    data.close();
  }
}

/** Gives the rescued data to the rescue and the final autosave; says what became of it. */
async function handOver(data: RescuedData, { run, exit, info, rescue, autosaver, log }: Crash): Promise<GuardResult> {
  const kept = { exit, rescued: false, keptAt: run.path };
  if (data.damage) log(describeDamage(run.journalPath, data.damage), 'error');
  const ended = `${info.command.join(' ')} ${exit.reason}`;
  const values = countOf(data.size, 'value');
  const nothingStored = data.size === 0 && !data.damage;
  // The final autosave and the rescue run side by side: the rescue must start at once, and
  // compressing a large state takes time (xz works in its own process meanwhile).
  const saving = nothingStored ? autosaver?.discard().then(() => false) : autosaver?.finish(exit, data, data.context);
  if (!rescue) {
    const saved = (await saving) === true;
    if (nothingStored) {
      log(`${ended}; it had stored no data`, 'info');
    } else if (saved) {
      // The autosave holds it all, on disk: no need to hold it in memory as well.
      log(`${ended}; ${values} saved in ${autosaver!.path} (to get them back: faultguard recover ${autosaver!.path} --out <folder>)`, 'info');
    } else {
      log(`${ended}; ${values} kept in ${run.journalPath} (to get them back: faultguard recover ${run.journalPath} --out <folder>)`, 'info');
      return kept;
    }
    run.remove();
    return { exit, rescued: false };
  }
  try {
    await rescue(data, exit, info);
  } catch (error) {
    const why = error instanceof RescueFailure ? error.message : ((error as Error)?.stack ?? String(error));
    log(`${ended}; the rescue of its ${values} failed: ${why}\nThe data is kept in ${run.journalPath} (faultguard inspect or recover reads it)`, 'error');
    await saving;
    return kept;
  }
  await saving;
  run.remove();
  return { exit, rescued: true };
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

/** stdin, stdout, stderr (each the guard's own, or a pipe it relays) and every descriptor our parent meant the program to have. */
function childStdio(output: OutputTail): StdioOptions {
  const passed = new Set(inheritedDescriptors());
  const highest = Math.max(2, ...passed);
  return Array.from({ length: highest + 1 }, (_, fd) => (fd === 0 ? 'inherit' : fd <= 2 ? output.stdio(fd as 1 | 2) : passed.has(fd) ? fd : 'ignore'));
}

function childEnvironment(run: RunDirectory, breadcrumbs: number | undefined): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, [ENV_JOURNAL]: run.journalPath, [ENV_PROTOCOL]: PROTOCOL_VERSION, [ENV_CONTEXT]: run.contextPath };
  if (breadcrumbs !== undefined) env[ENV_BREADCRUMBS] = String(breadcrumbs);
  // An IPC channel to our parent is ours, not the program's.
  delete env.NODE_CHANNEL_FD;
  delete env.NODE_CHANNEL_SERIALIZATION_MODE;
  return env;
}
