import { becomeDaemon } from './become-daemon';
import type { Daemon, DaemonOptions } from './daemon-options';
import { spawnDaemon } from './spawn-daemon';
import { ENV_DAEMON_STATUS_FD } from '../process/inherited-descriptors';
import { startStatusOf } from '../report/start-error';
import { sendReport } from './status-channel';

/**
 * Makes this program a daemon, the way start() makes it a guard: the first call (in the process
 * the user started) runs this script again as the daemon, waits until it is ready, and exits 0,
 * or prints the daemon's start-up error and exits non-zero. In the daemon, daemonize() goes
 * through the start-up stages, runs `startUp` (bind a socket, start a program...), then tells
 * the starting process it is ready and resolves. Code before daemonize() runs in both processes.
 *
 * A stage or `startUp` that throws reaches the starting process as its error; a StartError's
 * `status` becomes the exit status (anything else: 125).
 *
 * @example
 * ```ts
 * import { daemonize, StartError } from 'faultguard';
 *
 * await daemonize({ pidFile: '/run/myapp.pid', stdout: '/var/log/myapp.log' }, async () => {
 *   if (!(await listen(8080))) throw new StartError('cannot listen on port 8080', 3);
 * });
 * ```
 */
export async function daemonize(options: DaemonOptions, startUp?: (daemon: Daemon) => unknown): Promise<Daemon> {
  const statusFd = Number(process.env[ENV_DAEMON_STATUS_FD]);
  if (!Number.isInteger(statusFd)) return spawnDaemon(options);
  // The programs the daemon starts are no daemons of ours.
  delete process.env[ENV_DAEMON_STATUS_FD];
  const warnings: string[] = [];
  try {
    const daemon = await becomeDaemon(options, warnings);
    await startUp?.(daemon);
    sendReport(statusFd, { ready: true, pid: process.pid, warnings });
    return daemon;
  } catch (error) {
    sendReport(statusFd, { ready: false, message: (error as Error)?.message ?? String(error), status: startStatusOf(error) });
    process.exit(1); // the starting process exits with the reported status; the PID file is released on exit
  }
}
