import { spawn, type ChildProcess, type StdioOptions } from 'node:child_process';
import {
  describeExit, describeHang, describeOomKill, ENV_BREADCRUMBS, ENV_CONTEXT, ENV_JOURNAL, ENV_PING, ENV_PROTOCOL, ENV_RESUME, ENV_WATCHDOG, PROTOCOL_VERSION,
  type CrashContext, type ExitRecord,
} from '@faultguard/protocol';
import { inheritedDescriptors } from '../process/inherited-descriptors';
import { oomEvidence, watchOom } from '../process/oom-evidence';
import { processStartTime } from '../process/process-identity';
import { StartError } from '../report/start-error';
import { Status } from '../report/status';
import { collectCrashContext, diagnosticsSignal } from './crash-context';
import type { GuardOptions } from './guard-options';
import { DEFAULT_OUTPUT_TAIL, OutputTail } from './output-tail';
import type { RunDirectory } from './run-directory';
import type { SignalRelay } from './signal-relay';
import { Watchdog } from './watchdog';

/** One start of the program, to its end (protocol/SPEC.md §4.3): what the guard needs for it. */
export interface ProgramStart {
  readonly executable: string;
  readonly options: GuardOptions;
  readonly cwd: string;
  readonly run: RunDirectory;
  readonly relay: SignalRelay;
  /** resume.json of a restarted run (SPEC §11.2). */
  readonly resumeFile?: string;
}

/** How one start ended. */
export interface ProgramEnd {
  readonly pid: number;
  /** ms since the epoch. */
  readonly started: number;
  readonly ended: number;
  /** The end, in full: the OOM killer's or the watchdog's where known. */
  readonly exit: ExitRecord;
  /** Why it died, when it ended abnormally and the guard knows anything of it (SPEC §10). */
  readonly context: CrashContext | undefined;
  /** Resolves once the program's relayed output is all passed on: the guard says nothing before. */
  readonly flushed: () => Promise<void>;
}

/**
 * Starts the program and waits for its end: relayed output, signals, the OOM watch and the
 * watchdog for the length of the run. `started(pid)` is called once it runs. A program that
 * cannot be started at all is a StartError (126).
 */
export async function runProgram(start: ProgramStart, started: (pid: number) => void): Promise<ProgramEnd> {
  const { executable, options, cwd, run, relay } = start;
  const output = new OutputTail(options.keepOutput ?? DEFAULT_OUTPUT_TAIL, run.path);
  let program: ChildProcess;
  try {
    program = spawn(executable, options.args, { cwd, argv0: options.command, stdio: childStdio(output), env: childEnvironment(start) });
  } catch (error) {
    throw new StartError(`cannot start ${options.command}: ${(error as Error).message}`, Status.cannotRun, { cause: error }); // E2BIG: arguments too long
  } finally {
    output.attach(); // the program has its end of every relayed pipe, or never will
  }
  const ending = exited(program); // listening from the start: a program may end at once
  const pid = await spawned(program).catch((error: Error) => {
    throw new StartError(`cannot start ${options.command}: ${error.message}`, Status.cannotRun, { cause: error });
  });
  const startedAt = Date.now();
  relay.attach(program);
  const oom = watchOom(pid, processStartTime(pid));
  const watchdog = options.watchdog && new Watchdog(run.pingFile(), options.watchdog, () => askForDiagnosis(program, run), () => program.kill('SIGKILL'));
  started(pid);
  const ended = await ending;
  const endedAt = Date.now();
  relay.detach();
  watchdog?.stop();
  const flushed = () => output.flushed();
  if (ended.signal === null && ended.code === 0) return { pid, started: startedAt, ended: endedAt, exit: ended, context: undefined, flushed };
  const tails = await output.tails();
  const hang = watchdog?.hang && { watchdogSeconds: options.watchdog!.seconds, silentSeconds: Math.round(watchdog.hang.silentSeconds) };
  const evidence = ended.signal === 'SIGKILL' && !hang ? oomEvidence(oom) : undefined;
  const context = collectCrashContext({ runFolder: run.path, contextJournal: run.contextPath, output: tails, oomEvidence: evidence, hang });
  return { pid, started: startedAt, ended: endedAt, exit: judged(ended, evidence, hang), context, flushed };
}

function judged(ended: ExitRecord, oom: string | undefined, hang: { watchdogSeconds: number; silentSeconds: number } | undefined): ExitRecord {
  if (hang) return describeHang(ended, hang.silentSeconds, hang.watchdogSeconds);
  return oom === undefined ? ended : describeOomKill(ended);
}

/** The signal the program's client asked for to dump its stacks (Python's faulthandler), if any. */
function askForDiagnosis(program: ChildProcess, run: RunDirectory): void {
  const signal = diagnosticsSignal(run.contextPath);
  if (signal === undefined) return;
  try {
    program.kill(signal);
  } catch {
    // gone meanwhile
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

/** stdin, stdout, stderr (each the guard's own, or a pipe it relays) and every descriptor our parent meant the program to have. */
function childStdio(output: OutputTail): StdioOptions {
  const passed = new Set(inheritedDescriptors());
  const highest = Math.max(2, ...passed);
  return Array.from({ length: highest + 1 }, (_, fd) => (fd === 0 ? 'inherit' : fd <= 2 ? output.stdio(fd as 1 | 2) : passed.has(fd) ? fd : 'ignore'));
}

function childEnvironment({ run, options, resumeFile }: ProgramStart): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, [ENV_JOURNAL]: run.journalPath, [ENV_PROTOCOL]: PROTOCOL_VERSION, [ENV_CONTEXT]: run.contextPath };
  if (options.breadcrumbs !== undefined) env[ENV_BREADCRUMBS] = String(options.breadcrumbs);
  if (resumeFile !== undefined) env[ENV_RESUME] = resumeFile;
  if (options.watchdog) Object.assign(env, { [ENV_PING]: run.pingFile(), [ENV_WATCHDOG]: String(options.watchdog.seconds) });
  // An IPC channel to our parent is ours, not the program's.
  delete env.NODE_CHANNEL_FD;
  delete env.NODE_CHANNEL_SERIALIZATION_MODE;
  return env;
}
