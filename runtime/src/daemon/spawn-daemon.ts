import { spawn, type ChildProcess, type StdioOptions } from 'node:child_process';
import { closeSync, fstatSync } from 'node:fs';
import { openForAppending } from '../files/append-file';
import { describeSystemError } from '../files/system-error';
import type { Readable } from 'node:stream';
import { ENV_DAEMON_STATUS_FD, inheritedDescriptors } from '../process/inherited-descriptors';
import { checkPlatformForStart } from '../process/current-platform';
import { stderrLog } from '../report/log';
import { StartError } from '../report/start-error';
import { Status } from '../report/status';
import { DEFAULT_UMASK, type DaemonOptions } from './daemon-options';
import { receiveReport } from './status-channel';

/**
 * The starting process's side. Node cannot fork(), so the daemon is this same program run again
 * (same Node, options and arguments) in a new session (detached: setsid), with stdin on
 * /dev/null, stdout and stderr on /dev/null or the files, the descriptors asked for, and one
 * more: a channel on which the daemon reports its start-up. We exit 0 once it says it is ready;
 * otherwise we print its error and exit with its status, so a start-up error reaches whoever
 * started the daemon instead of vanishing into /dev/null.
 */
export async function spawnDaemon(options: DaemonOptions): Promise<never> {
  const log = options.log ?? stderrLog();
  try {
    const { pid, warnings } = await startDaemon(options);
    for (const warning of warnings) log(warning, 'error');
    const pidFile = options.pidFile === undefined ? '' : ` (PID file ${typeof options.pidFile === 'string' ? options.pidFile : options.pidFile.path})`;
    log(`started as a daemon, PID ${pid}${pidFile}`, 'info');
    process.exit(Status.ok);
  } catch (error) {
    if (!(error instanceof StartError)) throw error;
    log(error.message, 'error');
    process.exit(error.status);
  }
}

async function startDaemon(options: DaemonOptions): Promise<{ pid: number; warnings: readonly string[] }> {
  checkPlatformForStart();
  const script = process.argv[1];
  if (!script) throw new Error('faultguard: daemonize() runs the current script again as the daemon; run it as `node <script>`');
  if (typeof options.pidFile === 'object' && options.pidFile.held) {
    throw new StartError(`${options.pidFile.path}: pass the PID file unacquired; the daemon acquires and seals it itself (a lock held here would be released when this process exits)`);
  }
  const keep = [...new Set(options.inheritFiles ?? [])];
  const closed = keep.find((fd) => !isOpen(fd));
  if (closed !== undefined) throw new StartError(`descriptor ${closed} is to be kept open for the daemon, but it is not open`, Status.usage);
  const statusFd = Math.max(2, ...keep) + 1;
  // Before the output files are opened: one of them could otherwise get the number of an
  // inherited descriptor that was closed meanwhile, and be closed here.
  closeInherited(keep);
  const mask = options.umask ?? DEFAULT_UMASK;
  const stdout = openOutput(options.stdout, 'stdout', mask);
  let stderr: number | 'ignore';
  try {
    stderr = openOutput(options.stderr, 'stderr', mask);
  } catch (error) {
    if (stdout !== 'ignore') closeSync(stdout);
    throw error;
  }
  const stdio: StdioOptions = Array.from({ length: statusFd + 1 }, (_, fd) => {
    if (fd === 1) return stdout;
    if (fd === 2) return stderr;
    if (fd === statusFd) return 'pipe';
    return keep.includes(fd) ? fd : 'ignore';
  });
  let daemon: ChildProcess;
  try {
    daemon = spawn(process.execPath, [...process.execArgv, ...process.argv.slice(1)], {
      detached: true,
      stdio,
      env: { ...process.env, [ENV_DAEMON_STATUS_FD]: String(statusFd) },
    });
  } catch (error) {
    throw new StartError(`cannot start the daemon: ${(error as Error).message}`, undefined, { cause: error });
  } finally {
    for (const fd of [stdout, stderr]) if (fd !== 'ignore') closeSync(fd);
  }
  const ended = new Promise<string>((resolve) => {
    daemon.once('exit', (code, signal) => resolve(signal ? `killed by ${signal}` : `exit code ${code}`));
    daemon.once('error', (error) => resolve(error.message));
  });
  const report = await receiveReport(daemon.stdio[statusFd] as Readable);
  if (report?.ready) {
    daemon.unref();
    return report;
  }
  // Once we return, nothing of the failed daemon is left: it has exited and released its PID file.
  const how = await ended;
  if (report) throw new StartError(report.message, report.status);
  const where = options.stderr ? `; its stderr went to ${options.stderr}` : '';
  throw new StartError(`the daemon ended during start-up without saying why (${how})${where}`);
}

/**
 * Node marks only its own descriptors close-on-exec: those we inherited would reach the daemon
 * (and through the guard its program) whatever the spawn options say. We are about to exit, so
 * we close the ones the daemon is not to keep.
 */
function closeInherited(keep: readonly number[]): void {
  for (const fd of inheritedDescriptors()) {
    if (keep.includes(fd)) continue;
    try {
      closeSync(fd);
    } catch {
      // already closed
    }
  }
}

function isOpen(fd: number): boolean {
  try {
    fstatSync(fd);
    return true;
  } catch {
    return false;
  }
}

/** Opened here, before the daemon exists, so a path that cannot be written is reported at once. */
function openOutput(path: string | undefined, name: string, mask: number): number | 'ignore' {
  if (path === undefined) return 'ignore';
  try {
    return openForAppending(path, 0o666 & ~mask);
  } catch (error) {
    throw new StartError(`cannot open ${path} for the daemon's ${name}: ${describeOutputError(error)}`, undefined, { cause: error });
  }
}

function describeOutputError(error: unknown): string {
  switch ((error as NodeJS.ErrnoException).code) {
    case 'ELOOP':
      return 'it is a symbolic link; not followed (give the file it points to)';
    case 'ENXIO':
      return 'it is a FIFO that nothing reads';
    case 'EISDIR':
      return 'it is a folder';
    case 'ENOENT':
      return 'the folder above it does not exist';
    default:
      return describeSystemError(error);
  }
}
