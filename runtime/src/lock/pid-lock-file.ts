import { rmSync } from 'node:fs';
import { isAbsolute } from 'node:path';
import { randomHex } from '../files/unique-names';
import { currentPlatform } from '../process/current-platform';
import { identityOf } from '../process/process-identity';
import { createExclusive, readIfExists, replaceContent } from './lock-files';
import { describeHolder, holderOf, LockError, readLockHolder, type LockHolder } from './lock-holder';
import { formatPidFile, parsePidFile } from './pid-file-format';
import { removeStale } from './stale-lock';

/**
 * The lock is held by a process that runs (or may run: on another host).
 *
 * @example
 * ```ts
 * try {
 *   await new PidLockFile('/run/nightly.pid').acquire();
 * } catch (error) {
 *   if (error instanceof AlreadyLocked) console.error(`already running: process ${error.holder.identity.pid}`);
 *   else throw error;
 * }
 * ```
 */
export class AlreadyLocked extends LockError {
  /** "AlreadyLocked" */
  override readonly name = 'AlreadyLocked';

  /**
   * @param path - the lock file
   * @param holder - who holds it
   */
  constructor(
    /** The lock file. */
    readonly path: string,
    /** The process that holds it. */
    readonly holder: LockHolder,
  ) {
    const how = holder.liveness.state === 'alive' ? 'which is running' : `${holder.liveness.reason}, so it may still run`;
    super(`${path} is held by ${describeHolder(holder)}, ${how}`);
  }
}

/**
 * How a PidLockFile waits.
 *
 * @example
 * ```ts
 * const lock = new PidLockFile('/run/app.pid', { timeout: 5 } satisfies PidLockFileOptions);
 * ```
 */
export interface PidLockFileOptions {
  /** Seconds to wait for a held lock to be released; 0 or less (the default) concludes at once. */
  readonly timeout?: number;
}

/** How often a held lock is looked at again while waiting for it. */
const POLL_MS = 100;
/** How long another contender's takeover of a stale lock may take before we stop waiting for it. */
const TAKEOVER_GRACE_MS = 2000;

/**
 * A PID lock file: the file exists while a process holds the lock, and names that process by
 * PID, start time and boot id (protocol/SPEC.md §9), so that a recycled PID never keeps a dead
 * holder's lock alive. A lock whose holder is gone is taken over; one whose holder runs is not.
 *
 * @example
 * ```ts
 * import { PidLockFile } from 'faultguard';
 *
 * {
 *   using lock = await new PidLockFile('/run/nightly.pid', { timeout: 5 }).acquire(); // released at scope end
 *   runTheJob();
 * }
 * ```
 */
export class PidLockFile implements Disposable {
  /** Seconds `acquire()` waits for a held lock by default. */
  readonly timeout: number;
  /** What we wrote into the file, while we hold the lock. */
  private own: string | undefined;

  /**
   * A lock at `path`, not taken yet. Throws a LockError for a relative path.
   *
   * @param path - the lock file: an absolute path
   * @param options - how long `acquire()` waits by default
   */
  constructor(
    /** The lock file's absolute path. */
    readonly path: string,
    options: PidLockFileOptions = {},
  ) {
    currentPlatform(); // a lock names its holder as this system's processes are named
    // A relative path would name another file once the daemon changes directory.
    if (!isAbsolute(path)) throw new LockError(`${JSON.stringify(path)} is not an absolute path`);
    this.timeout = checkTimeout(options.timeout ?? 0);
  }

  /** True from a successful acquire() until release(), or a seal() for another process. */
  get held(): boolean {
    return this.own !== undefined;
  }

  /**
   * Takes the lock for this process. A held lock is waited for up to `timeout` seconds, then
   * AlreadyLocked names its holder; a lock whose holder is gone is taken over. Resolves with
   * this object, for `using lock = await pidFile.acquire()`.
   */
  async acquire(timeout = this.timeout): Promise<this> {
    if (this.own !== undefined) throw new LockError(`${this.path} is already held by this process`);
    checkTimeout(timeout);
    const own = formatPidFile({ identity: identityOf(process.pid), nonce: randomHex(8) });
    const deadline = Date.now() + Math.max(0, timeout) * 1000;
    for (;;) {
      const outcome = this.attempt(own);
      if (outcome === 'acquired') {
        this.own = own;
        return this;
      }
      if (outcome === 'busy') {
        if (Date.now() > deadline + TAKEOVER_GRACE_MS) throw new LockError(`${this.path} is stale, and another process's takeover of it does not finish`);
        await sleep(10);
      } else if (outcome === 'retry') {
        await sleep(0);
      } else {
        if (Date.now() >= deadline) throw new AlreadyLocked(this.path, outcome);
        await sleep(Math.min(POLL_MS, deadline - Date.now()));
      }
    }
  }

  /**
   * Records the process that keeps the lock: by default this one; after starting the real
   * daemon yourself, that process (pandaemonium seals after fork()). The file is replaced in
   * one step. Sealed for another process, the lock is that process's: release() leaves it.
   */
  seal(pid = process.pid): void {
    if (this.own === undefined || readIfExists(this.path) !== this.own) throw new LockError(`${this.path} is not held by this process`);
    const identity = identityOf(pid);
    if (identity.startTime === '') throw new LockError(`cannot seal ${this.path} for process ${pid}: no such process`);
    const content = formatPidFile({ identity, nonce: parsePidFile(this.own).nonce });
    replaceContent(this.path, content);
    this.own = pid === process.pid ? content : undefined;
  }

  /** Removes the lock file if it is still the one this process holds; otherwise leaves it alone. */
  release(): void {
    if (this.own === undefined) return;
    if (readIfExists(this.path) === this.own) rmSync(this.path, { force: true });
    this.own = undefined;
  }

  /** Whether a process holds the lock and runs (or may run: a holder on another host counts). */
  isActive(): boolean {
    const holder = readLockHolder(this.path);
    return holder !== undefined && holder.liveness.state !== 'gone';
  }

  /** The process named in the file (running or not), or undefined when there is no file. */
  holder(): LockHolder | undefined {
    return readLockHolder(this.path);
  }

  /** `release()`, for `using`. */
  [Symbol.dispose](): void {
    this.release();
  }

  private attempt(own: string): 'acquired' | 'retry' | 'busy' | LockHolder {
    let text: string | undefined;
    try {
      if (createExclusive(this.path, own)) return 'acquired';
      text = readIfExists(this.path);
      if (text === undefined) return 'retry'; // released meanwhile
      const holder = holderOf(this.path, text);
      if (holder.liveness.state !== 'gone') return holder;
      return removeStale(this.path, text, own) === 'busy' ? 'busy' : 'retry';
    } catch (error) {
      if (error instanceof LockError) throw error;
      throw new LockError(`cannot lock ${this.path}: ${describeFailure(error)}`);
    }
  }
}

/** A timeout of NaN would never conclude; Infinity waits for good, as asked. */
function checkTimeout(timeout: number): number {
  if (Number.isNaN(timeout)) throw new LockError('the timeout is not a number');
  return timeout;
}

/** What went wrong, in the folder's terms: the temporary file's name would only confuse. */
function describeFailure(error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return 'its folder does not exist';
  if (code === 'EACCES' || code === 'EPERM') return 'cannot create files in its folder (permission denied)';
  if (code === 'EROFS') return 'its folder is on a read-only file system';
  return (error as Error).message;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
