import type { Stats } from 'node:fs';
import type { ProcessIdentity } from '@faultguard/protocol';
import { liveness, type Liveness } from '../process/process-identity';
import { commandLineOf } from '../process/process-info';
import { readLockFile } from './lock-files';
import { parsePidFile, PidFileFormatError } from './pid-file-format';

/**
 * Something went wrong with a lock file: a bad path, an unreadable or foreign file, a lock held
 * by a running process (`AlreadyLocked`).
 *
 * @example
 * ```ts
 * try {
 *   await new PidLockFile('/run/app.pid').acquire();
 * } catch (error) {
 *   if (!(error instanceof LockError)) throw error;
 *   console.error(error.message); // "/run/app.pid is held by process 4242 (node app.js), which is running"
 *   process.exitCode = 1;
 * }
 * ```
 */
export class LockError extends Error {
  /** "LockError", or a subclass's name */
  override readonly name: string = 'LockError';
}

/**
 * Who holds a lock, and whether it still runs.
 *
 * @example
 * ```ts
 * const holder = new PidLockFile('/run/app.pid').holder();
 * if (holder?.liveness.state === 'alive') console.log(`held by ${holder.identity.pid} (${holder.command})`);
 * ```
 */
export interface LockHolder {
  /** The process the file names. */
  readonly identity: ProcessIdentity;
  /** Whether it still runs, and why this is known. */
  readonly liveness: Liveness;
  /** Its command line, while it runs and /proc lets us read it. */
  readonly command?: string;
}

/** The holder named by the file's text; throws LockError for a file that is not a PID file. */
export function holderOf(path: string, text: string): LockHolder {
  let identity: ProcessIdentity;
  try {
    identity = parsePidFile(text).identity;
  } catch (error) {
    if (!(error instanceof PidFileFormatError)) throw error;
    throw new LockError(`${path} is not a PID file (${error.message}); if no process holds it, remove it`);
  }
  const state = liveness(identity);
  return { identity, liveness: state, command: state.state === 'alive' ? commandLineOf(identity.pid) : undefined };
}

/** The holder of the lock at `path`, or undefined when there is no file. */
export function readLockHolder(path: string): LockHolder | undefined {
  return readLockHolderAndFile(path)?.holder;
}

/** The holder, and the facts (owner, mode) of the very file that named it: to judge whether to trust it. */
export function readLockHolderAndFile(path: string): { holder: LockHolder; file: Stats } | undefined {
  let read: { text: string; stat: Stats } | undefined;
  try {
    read = readLockFile(path);
  } catch (error) {
    throw new LockError(`cannot read ${path}: ${(error as Error).message}`);
  }
  return read && { holder: holderOf(path, read.text), file: read.stat };
}

/** "process 4242 (node server.js)" */
export function describeHolder({ identity, command }: LockHolder): string {
  return `process ${identity.pid}${command ? ` (${command})` : ''}`;
}
