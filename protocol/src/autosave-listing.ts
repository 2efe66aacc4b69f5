// How tools describe an autosave without reading its data: the shape the runtime's listing and
// the editor's recovery service share (protocol/SPEC.md §7.5, §7.8).
import type { AutosaveHeader } from './autosave-format';

/**
 * active: the run's guard lives. crashed: the program ended abnormally and the guard recorded
 * how. orphaned: the guard died without recording an end (killed, power loss, reboot).
 *
 * @example
 * ```ts
 * const state: RunState = isActive('autosaves/app.fgsave').state ?? 'active';
 * ```
 */
export type RunState = 'active' | 'crashed' | 'orphaned';

/**
 * What can be wrong with an autosave file, for callers that act on it: a tool lists a damaged
 * file as unreadable, asks for a larger limit, or waits for a live run to end. `unavailable`:
 * this machine cannot decompress now (no xz); the file may well be fine.
 *
 * @example
 * ```ts
 * const retry: AutosaveProblem[] = ['live', 'unavailable']; // worth trying again later
 * ```
 */
export type AutosaveProblem = 'missing' | 'claim' | 'unreadable' | 'invalid' | 'too-large' | 'live' | 'unavailable';

/**
 * One autosave as a list shows it, from headers only: listing never decompresses data.
 *
 * @example
 * ```ts
 * const listing: AutosaveListing = describeAutosave('autosaves/app.fgsave');
 * console.log(listing.state, listing.reason, listing.header?.data.entries);
 * ```
 */
export interface AutosaveListing {
  /** The autosave's absolute path. */
  readonly file: string;
  /** `unreadable` when neither generation has a readable header. */
  readonly state: RunState | 'unreadable';
  /** The writer still works on the file (a live run, or a crash whose final save is under way): hands off. */
  readonly active: boolean;
  /** Why that state: the exit, the liveness check, or the error. */
  readonly reason: string;
  /** Its header (the previous generation's when the newest cannot be read); absent when unreadable. */
  readonly header?: AutosaveHeader;
  /** Size of the newest generation on disk, in bytes (0 when only the previous one is left). */
  readonly size: number;
  /** The heartbeat: when the newest generation was last saved or touched (ms since the epoch). */
  readonly modified?: number;
  /** Set when the header came from the previous generation: what is wrong with the newest. */
  readonly newestProblem?: string;
  /** Set for an unreadable file (and "claim" for an empty one): what kind of trouble. */
  readonly problem?: AutosaveProblem;
}
