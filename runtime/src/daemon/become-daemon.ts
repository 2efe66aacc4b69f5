import { disableCoreDumps } from '../process/core-dumps';
import { LockError } from '../lock/lock-holder';
import { PidLockFile } from '../lock/pid-lock-file';
import { StartError } from '../report/start-error';
import { DEFAULT_UMASK, type Daemon, type DaemonOptions } from './daemon-options';
import { switchUser } from './switch-user';

/**
 * The start-up stages that run in the daemon itself, in pandaemonium's order (after Kerrisk).
 * The others were done by the starting process when it spawned us: a new session (setsid),
 * stdin/stdout/stderr on /dev/null or the files, and no descriptors but those asked for.
 * Warnings (core dumps left on) are pushed to `warnings` for the starting process to print.
 */
export async function becomeDaemon(options: DaemonOptions, warnings: string[]): Promise<Daemon> {
  if (options.preventCore !== false) {
    const why = disableCoreDumps();
    if (why) warnings.push(`core dumps stay enabled for the daemon: ${why}`);
  }
  switchUser(options.user, options.group);
  // 077, not the 0 many guides give: with 0 every file the daemon creates is world-writable.
  process.umask(options.umask ?? DEFAULT_UMASK);
  const cwd = options.cwd ?? '/';
  try {
    process.chdir(cwd);
  } catch (error) {
    throw new StartError(`cannot change to directory ${cwd}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`, undefined, { cause: error });
  }
  const pidFile = await lockPidFile(options.pidFile);
  stopOnSigterm(pidFile);
  return { pid: process.pid, pidFile };
}

async function lockPidFile(option: DaemonOptions['pidFile']): Promise<PidLockFile | undefined> {
  if (option === undefined) return undefined;
  try {
    const lock = typeof option === 'string' ? new PidLockFile(option) : option;
    await lock.acquire();
    // Every way out of the daemon but a signal's default action runs this; a failed seal too.
    process.once('exit', () => lock.release());
    lock.seal();
    return lock;
  } catch (error) {
    if (error instanceof LockError) throw new StartError(error.message, undefined, { cause: error });
    throw error;
  }
}

/**
 * SIGTERM stops the daemon cleanly: the PID file is released, then the daemon dies of the signal
 * as it would have. When the daemon's own code handles SIGTERM (the guard relays it to its
 * program and ends when the program does), that code decides, and the 'exit' hook releases.
 */
function stopOnSigterm(pidFile: PidLockFile | undefined): void {
  const stop = () => {
    if (process.listenerCount('SIGTERM') > 1) return;
    pidFile?.release();
    process.off('SIGTERM', stop);
    process.kill(process.pid, 'SIGTERM');
  };
  process.on('SIGTERM', stop);
}
