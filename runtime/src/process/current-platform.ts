import { StartError } from '../report/start-error';
import { Status } from '../report/status';
import { linux } from './linux';
import type { Platform } from './platform';

/**
 * This operating system is not one Faultguard has a backend for (Linux is the only one so far).
 * Starting a guard or a daemon reports it as a StartError (status 125) whose `cause` it is.
 *
 * @example
 * ```ts
 * try {
 *   listAutosaves(['autosaves/']);
 * } catch (error) {
 *   if (error instanceof UnsupportedPlatformError) console.error(error.message);
 * }
 * ```
 */
export class UnsupportedPlatformError extends Error {
  /** "UnsupportedPlatformError" */
  override readonly name = 'UnsupportedPlatformError';

  /** @param platform - `process.platform` */
  constructor(
    /** This system's `process.platform`: "darwin", "win32"... */
    readonly platform: string,
  ) {
    super(`Faultguard runs on Linux only, not on ${platform}: it tells a live run from a dead one through /proc, and keeps journals in memory-backed folders`);
  }
}

/**
 * The backend for this operating system. Everything that starts a guard, judges a run or takes a
 * lock asks for it first, so that another system fails at once with one clear message, never
 * half-way with a missing /proc.
 */
export function currentPlatform(): Platform {
  if (process.platform === 'linux') return linux;
  throw new UnsupportedPlatformError(process.platform);
}

/** For a start: on an unsupported system it is refused as any start is, with status 125. */
export function checkPlatformForStart(): void {
  try {
    currentPlatform();
  } catch (error) {
    throw new StartError((error as Error).message, Status.guardFailed, { cause: error });
  }
}
