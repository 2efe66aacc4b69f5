import { constants } from 'node:os';

// How a guarded program ended, in the words every Faultguard tool uses (protocol/SPEC.md §5).
// Categories follow fault.system.process's `signal_names` table; entries marked "faultguard"
// cover signals that table leaves out.

interface SignalInfo {
  readonly category: string;
  readonly description: string;
}

const SIGNALS: Readonly<Record<string, SignalInfo>> = {
  SIGHUP: { category: 'terminal/closed', description: 'hangup: the terminal closed' },
  SIGINT: { category: 'process/interrupt', description: 'interrupted (Ctrl-C)' },
  SIGQUIT: { category: 'process/quit', description: 'quit (Ctrl-\\)' },
  SIGILL: { category: 'error/invalid-instruction', description: 'illegal instruction' },
  SIGTRAP: { category: 'error/trap', description: 'trace or breakpoint trap' }, // faultguard
  SIGABRT: { category: 'process/abort', description: 'aborted' }, // faultguard
  SIGBUS: { category: 'error/invalid-memory-access', description: 'bus error: invalid memory access' },
  SIGFPE: { category: 'exception/floating-point', description: 'arithmetic exception' },
  SIGKILL: { category: 'process/kill', description: 'killed' },
  SIGUSR1: { category: 'user/1', description: 'user signal 1' },
  SIGSEGV: { category: 'error/restricted-memory-access', description: 'segmentation fault' },
  SIGUSR2: { category: 'user/2', description: 'user signal 2' },
  SIGPIPE: { category: 'exception/broken-pipe', description: 'broken pipe' },
  SIGALRM: { category: 'limit/alarm', description: 'alarm clock' }, // faultguard
  SIGTERM: { category: 'process/terminate', description: 'terminated' },
  SIGSTKFLT: { category: 'error/stack-fault', description: 'coprocessor stack fault' }, // faultguard
  SIGCHLD: { category: 'process/child', description: 'child status changed' }, // faultguard
  SIGCONT: { category: 'process/continue', description: 'continued' },
  SIGSTOP: { category: 'process/stop', description: 'stopped' },
  SIGTSTP: { category: 'terminal/stop', description: 'stopped from the terminal' },
  SIGTTIN: { category: 'terminal/background-read', description: 'background read from the terminal' },
  SIGTTOU: { category: 'terminal/background-write', description: 'background write to the terminal' },
  SIGURG: { category: 'io/urgent', description: 'urgent socket condition' }, // faultguard
  SIGXCPU: { category: 'limit/cpu', description: 'CPU time limit exceeded' },
  SIGXFSZ: { category: 'limit/file', description: 'file size limit exceeded' },
  SIGVTALRM: { category: 'limit/time', description: 'virtual timer expired' },
  SIGPROF: { category: 'limit/profiling', description: 'profiling timer expired' }, // faultguard
  SIGWINCH: { category: 'terminal/delta', description: 'terminal window size changed' },
  SIGIO: { category: 'io/possible', description: 'I/O possible' }, // faultguard
  SIGPWR: { category: 'system/power-failure', description: 'power failure' }, // faultguard
  SIGSYS: { category: 'error/invalid-system-call', description: 'bad system call' },
};

/**
 * The record every rescue receives: what a user needs to know about the end of a run.
 *
 * @example
 * ```ts
 * const exit: ExitRecord = { code: null, signal: 'SIGSEGV', category: 'error/restricted-memory-access', reason: 'segmentation fault (SIGSEGV)', status: -11 };
 * ```
 */
export interface ExitRecord {
  /** The exit code, or null when a signal ended the program. */
  readonly code: number | null;
  /** The signal's POSIX name (e.g. "SIGSEGV"), or null for a normal exit. */
  readonly signal: string | null;
  /** fault.system.process category: "error/restricted-memory-access"; "exit/failure" or "exit/success" for codes. */
  readonly category: string;
  /** A short sentence for people: "segmentation fault (SIGSEGV)", "exited with code 3". */
  readonly reason: string;
  /** Python faultguard's convention: the code, or minus the signal number. */
  readonly status: number;
}

function signalCategory(signal: string): string {
  return SIGNALS[signal]?.category ?? `signal/${signal.replace(/^SIG/, '').toLowerCase()}`;
}

/**
 * The exit record of a process that ended with `code` or of `signal`, as a child process's
 * 'exit' event gives them.
 *
 * @example
 * ```ts
 * import { describeExit } from 'faultguard';
 *
 * child.once('exit', (code, signal) => console.log(describeExit(code, signal).reason)); // "killed (SIGKILL)"
 * ```
 */
export function describeExit(code: number | null, signal: string | null): ExitRecord {
  if (signal !== null) {
    const info = SIGNALS[signal];
    return {
      code: null,
      signal,
      category: signalCategory(signal),
      reason: `${info?.description ?? 'ended by a signal'} (${signal})`,
      status: -((constants.signals as Record<string, number | undefined>)[signal] ?? 0),
    };
  }
  const exitCode = code ?? 0;
  return {
    code: exitCode,
    signal: null,
    category: exitCode === 0 ? 'exit/success' : 'exit/failure',
    reason: exitCode === 0 ? 'exited normally' : `exited with code ${exitCode}`,
    status: exitCode,
  };
}

/** What an attributed out-of-memory death says (§10.4), before its signal or its evidence. */
export const OOM_KILLED = "killed by the kernel's out-of-memory killer";

/** The same end, known to be the kernel's out-of-memory killer's (§10.4): still SIGKILL, in a category of its own. */
export function describeOomKill(exit: ExitRecord): ExitRecord {
  return { ...exit, category: 'limit/memory', reason: `${OOM_KILLED} (${exit.signal})` };
}

/** The same end, of a program its guard killed because it stopped pinging (§11.3): still SIGKILL, in a category of its own. */
export function describeHang(exit: ExitRecord, silentSeconds: number, watchdogSeconds: number): ExitRecord {
  return { ...exit, category: 'process/hung', reason: `hung: no ping for ${Math.round(silentSeconds)} s (watchdog ${watchdogSeconds} s); killed (${exit.signal})` };
}

export function isAbnormal(exit: ExitRecord): boolean {
  return exit.signal !== null || exit.code !== 0;
}

/** Whether a value read from a file is an exit record (§5): every field of its type, exactly one of code and signal. */
export function isExitRecord(value: unknown): value is ExitRecord {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const exit = value as Record<string, unknown>;
  return (
    // Exactly one of the two (§5): an exit code, or the signal that ended the program.
    (exit.code === null ? typeof exit.signal === 'string' : Number.isInteger(exit.code) && exit.signal === null) &&
    typeof exit.category === 'string' &&
    typeof exit.reason === 'string' &&
    Number.isInteger(exit.status)
  );
}
