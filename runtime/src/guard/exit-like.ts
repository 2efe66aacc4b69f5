import { constants } from 'node:os';
import type { ExitRecord } from '@faultguard/protocol';
import { disableCoreDumps } from '../process/core-dumps';
import { StartError } from '../report/start-error';
import { guard, type GuardOptions, type GuardResult } from './guard';

/** Signals whose default action writes a core file. */
const CORE_SIGNALS = new Set(['SIGQUIT', 'SIGILL', 'SIGTRAP', 'SIGABRT', 'SIGBUS', 'SIGFPE', 'SIGSEGV', 'SIGSYS', 'SIGXCPU', 'SIGXFSZ']);

/**
 * Ends this process the way the program ended, so a shell or supervisor sees the same status:
 * the same exit code, or death by the same signal. The guard did not crash, so it must not leave
 * a core file of its own: core dumps are switched off first.
 */
export function exitLike(exit: ExitRecord): never {
  if (exit.signal === null) process.exit(exit.code ?? 0);
  const signal = exit.signal as NodeJS.Signals;
  const shellStatus = 128 + ((constants.signals as Record<string, number>)[signal] ?? 0);
  // Without prlimit a core file of the guard could replace the program's own: the shell's
  // status convention is the next best thing to dying of the signal.
  if (CORE_SIGNALS.has(signal) && disableCoreDumps() !== undefined) {
    process.exit(shellStatus);
  }
  process.removeAllListeners(signal);
  process.kill(process.pid, signal);
  // Still alive: the signal is one Node ignores (SIGPIPE). Use the shell's convention instead.
  process.exit(shellStatus);
}

/**
 * Guards a program and then ends this process the way it ended (after `onEnd`, when given); a
 * program that could not be started is reported as the CLI reports it (message, status
 * 125/126/127), not as a stack trace.
 */
export async function guardAndExitLike(options: GuardOptions, onEnd?: (result: GuardResult) => void): Promise<never> {
  try {
    const result = await guard(options);
    onEnd?.(result);
    exitLike(result.exit);
  } catch (error) {
    if (!(error instanceof StartError)) throw error;
    process.stderr.write(`faultguard: ${error.message}\n`);
    process.exit(error.status);
  }
}
