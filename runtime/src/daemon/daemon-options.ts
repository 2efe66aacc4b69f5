import type { Log } from '../report/log';
import type { PidLockFile } from '../lock/pid-lock-file';

/**
 * How `daemonize()` makes the daemon.
 *
 * @example
 * ```ts
 * const options: DaemonOptions = { pidFile: '/run/myapp/myapp.pid', stdout: '/var/log/myapp.log', user: 'myapp' };
 * ```
 */
export interface DaemonOptions {
  /** The PID file: an absolute path, or a PidLockFile (whose timeout then applies). */
  readonly pidFile?: string | PidLockFile;
  /** The daemon's working directory; default "/", so that it keeps no file system busy. */
  readonly cwd?: string;
  /** File mode creation mask; default 0o077: files the daemon creates are its user's alone. */
  readonly umask?: number;
  /** A file for stdout, opened for appending by the starting process; default /dev/null. stdin is /dev/null. */
  readonly stdout?: string;
  /** A file for stderr, opened as stdout is; default /dev/null. */
  readonly stderr?: string;
  /** Descriptors above stderr to keep open in the daemon, under the same numbers; every other one is closed. */
  readonly inheritFiles?: readonly number[];
  /** Run as this user (name or id); only root can switch. */
  readonly user?: string | number;
  /** Run in this group (name or id); default: the user's own groups. */
  readonly group?: string | number;
  /** Turn off core dumps (default true): a core file of a service may hold secrets. */
  readonly preventCore?: boolean;
  /** Where the starting process reports the outcome (default: stderr, prefixed "faultguard: "). */
  readonly log?: Log;
}

/**
 * What the daemon's own code gets once it is one.
 *
 * @example
 * ```ts
 * const daemon: Daemon = await daemonize({ pidFile: '/run/myapp.pid' });
 * console.log(`daemon ${daemon.pid}, lock ${daemon.pidFile?.path}`);
 * ```
 */
export interface Daemon {
  /** The daemon's PID. */
  readonly pid: number;
  /** Acquired and sealed; released when the daemon exits or is stopped by SIGTERM. */
  readonly pidFile: PidLockFile | undefined;
}

export const DEFAULT_UMASK = 0o077;
